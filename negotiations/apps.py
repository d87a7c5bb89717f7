from django.apps import AppConfig


class NegotiationsConfig(AppConfig):
    name = "negotiations"
    verbose_name = "Negotiations"

    def ready(self):
        from negotiations import signals  # noqa: F401
