from django.apps import AppConfig


class NegotiationsConfig(AppConfig):
    name = "negotiations"
    verbose_name = "Negotiations"

    def ready(self):
        from negotiations import signals  # noqa: F401

        # The newsroom's admin lives in its own package, not at ``negotiations.admin``
        # where autodiscovery looks: importing it registers the ModelAdmins.
        from negotiations.newsroom.admin import kinds, record  # noqa: F401
