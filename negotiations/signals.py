from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


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
