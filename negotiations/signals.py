from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from negotiations.caching import previews
from negotiations.caching.tokens import PREVIEWS, ROLES


@receiver(pre_create_historical_record)
def snapshot_related_ids(sender, instance, history_instance, **kwargs):
    """Store the many-to-many ids with each history row.

    The domain functions save a record before they set its relations, so they
    announce the ids to come in ``instance._pending_related_ids``; without it the
    ids stored are the ones in the database.
    """
    pending = getattr(instance, "_pending_related_ids", {})
    snapshot = {}
    for field in instance._meta.many_to_many:
        if field.name in pending:
            snapshot[field.name] = sorted(pending[field.name])
        elif instance.pk is not None:
            snapshot[field.name] = sorted(
                getattr(instance, field.name).values_list("pk", flat=True)
            )
    history_instance.related_ids = snapshot


def take_previews_away(sender, using, **kwargs):
    """A record saved or deleted (an entry of any state, a correction, an actor, a source,
    a phase, a negotiation): no stored preview may be read again. Its links (sources,
    parties, actors) are set with its save; a write without one (``QuerySet.update``: the
    embargo lift) moves the reader version, which previews are also stored under
    (``caching.tokens``). Once it commits, the worker builds again what previewers built
    lately (``caching.previews``)."""
    PREVIEWS.take_away(using)
    previews.after_write(using)


# The record's models: those whose history is kept. The history's receivers already cost
# them Django's fast deletes; links are not watched (a receiver of ``m2m_changed`` makes
# every add read first), since they change with their record's save.
for model in apps.get_app_config("negotiations").get_models():
    if hasattr(model, "history"):
        post_save.connect(take_previews_away, sender=model)
        post_delete.connect(take_previews_away, sender=model)


User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
def take_permissions_away(sender, using, **kwargs):
    """A user's roles or a role's permissions changed: every user's kept permissions are
    read again (``caching.permissions``)."""
    ROLES.take_away(using)


@receiver(post_migrate)
def take_tokens_away_after_migrating(sender, using, **kwargs):
    """A migration changes roles and records through its own models, which send the
    receivers above nothing: whatever was kept under a token is read again."""
    for token in (ROLES, PREVIEWS):
        token.take_away(using)
