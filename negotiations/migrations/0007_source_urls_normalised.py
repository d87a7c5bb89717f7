"""Source URLs stored as they are now compared: scheme and host in lower case, "/" as
the path of a bare host (``negotiations.models.normalize_source_url``).

Rows whose URL differs only in that spelling would be one source. Nothing is merged
here: merging would move entries' citations without a version or history row (a
migration cannot write through the domain), and which title and publisher to keep is
an editor's call. So, for each such group:

- if no row holds the normalised URL yet, the oldest one (lowest id) takes it, so that
  citing either spelling from now on finds that row;
- the others are left exactly as they are, and the migration lists them (ids and URLs)
  on its output. An editor merges each pair in the admin: cite the kept source on the
  entries citing the other, then delete the other. Saving a leftover unchanged is
  refused ("This URL is already a source."), so none of them is merged by accident.

A row with no such twin is normalised in place. The change is one of spelling, not of
address: no history row, version or change-log entry is written. Going back leaves the
URLs normalised (the original spelling is not kept).
"""

import sys
from collections import defaultdict

from django.db import migrations

import negotiations.models
from negotiations.models import normalize_source_url


def normalise_source_urls(apps, schema_editor, out=None):
    out = out or sys.stdout
    Source = apps.get_model("negotiations", "Source")
    groups = defaultdict(list)
    for pk, url in Source.objects.order_by("pk").values_list("pk", "url"):
        groups[normalize_source_url(url)].append((pk, url))
    left = []
    for normal, rows in groups.items():
        if all(url == normal for _, url in rows):
            continue
        if not any(url == normal for _, url in rows):
            (pk, _), *rows = rows
            Source.objects.filter(pk=pk).update(url=normal)
        left += [(pk, url, normal) for pk, url in rows if url != normal]
    if left:
        out.write(
            f"\n  {len(left)} source(s) left as they are: another source has the same URL "
            "but for the case of its scheme or host. Merge each in the admin (cite the "
            "other on its entries, then delete it):\n"
        )
        for pk, url, normal in left:
            out.write(f"    source #{pk} {url}  (same as {normal})\n")


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0006_entry_search_vector"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalsource",
            name="url",
            field=negotiations.models.WebAddressField(
                db_index=True,
                error_messages={"unique": "This URL is already a source."},
                max_length=2000,
                verbose_name="URL",
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="url",
            field=negotiations.models.WebAddressField(
                error_messages={"unique": "This URL is already a source."},
                max_length=2000,
                unique=True,
                verbose_name="URL",
            ),
        ),
        migrations.RunPython(normalise_source_urls, migrations.RunPython.noop, elidable=True),
    ]
