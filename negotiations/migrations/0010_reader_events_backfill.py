"""Give existing records what the reader events would have given them: live entries
their ``live_since``, each negotiation its reader version, and one ``published`` event
per record readers see, so that no page goes stale or empty after the upgrade."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def _live(prefix, now):
    return Q(**{f"{prefix}state": "published"}) & (
        Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": now})
    )


def forwards(apps, schema_editor):
    Entry = apps.get_model("negotiations", "Entry")
    Negotiation = apps.get_model("negotiations", "Negotiation")
    Source = apps.get_model("negotiations", "Source")
    Actor = apps.get_model("negotiations", "Actor")
    Phase = apps.get_model("negotiations", "Phase")
    ReaderEvent = apps.get_model("negotiations", "ReaderEvent")
    now = timezone.now()

    live = Entry.objects.filter(_live("", now))
    for entry in live.only("pk", "publish_at", "updated_at").iterator():
        entry.live_since = entry.publish_at or entry.updated_at
        entry.save(update_fields=["live_since"])
    visible = live.filter(
        ~Q(entry_type="status_change") | _live("as_status_change__proposal__", now)
    )

    events = [
        ReaderEvent(negotiation_id=n.pk, record_type="negotiation", record_id=n.pk, at=now)
        for n in Negotiation.objects.only("pk")
    ]
    events += [
        ReaderEvent(negotiation_id=p.negotiation_id, record_type="phase", record_id=p.pk, at=now)
        for p in Phase.objects.only("pk", "negotiation_id")
    ]
    events += [
        ReaderEvent(
            negotiation_id=e.negotiation_id, record_type=e.entry_type, record_id=e.pk, at=now
        )
        for e in visible.only("pk", "negotiation_id", "entry_type")
    ]
    events += [
        ReaderEvent(record_type="actor", record_id=pk, at=now)
        for pk in Actor.objects.values_list("pk", flat=True)
    ]
    cited = Source.objects.filter(entries__in=visible.values("pk")).distinct()
    events += [
        ReaderEvent(record_type="source", record_id=pk, at=now)
        for pk in cited.values_list("pk", flat=True)
    ]
    for event in events:
        event.action = "published"
    ReaderEvent.objects.bulk_create(events, batch_size=1000)
    Negotiation.objects.update(reader_version=1, reader_changed_at=now)


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0009_reader_events")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
