"""A negotiation as TimelineJS data (https://timeline.knightlab.com/docs/json-format.html).

Published entries only, the latest ``EXPORT_SIZE`` of them (a slide show of more is not
read). TimelineJS shows ``headline`` and ``text`` as HTML, so every entered word is
escaped here (a headline) or rendered by the escaping templates (a text); phases become
eras.
"""

from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst

from negotiations.dates import DatePrecision, PartialDate
from negotiations.reader.selectors.syndicated import latest_published

EXPORT_SIZE = 100


def tl_date(date, *, display=True):
    """A TimelineJS date object for a PartialDate, keeping its precision."""
    value = {"year": date.start.year}
    if date.precision in (DatePrecision.MONTH, DatePrecision.DAY):
        value["month"] = date.start.month
    if date.precision == DatePrecision.DAY:
        value["day"] = date.start.day
    if display:
        value["display_date"] = capfirst(date.reading)
    return value


def _absolute_links(html, root):
    return html.replace('href="/', f'href="{root}/')


def timelinejs(negotiation, phases, *, root):
    """The TimelineJS document of the negotiation with its ``phases`` (its eras);
    ``root`` ("https://host") makes links absolute."""
    entries, earlier = latest_published(negotiation, EXPORT_SIZE)
    events = []
    for entry in entries:
        events.append(
            {
                "unique_id": f"entry-{entry.pk}",
                "start_date": tl_date(entry.date),
                "display_date": capfirst(entry.date.reading),
                "text": {
                    "headline": escape(entry.headline),
                    "text": _absolute_links(entry.html, root).strip(),
                },
                "group": entry.kind,
                "autolink": False,
                **({"background": {"color": "#fff6dc"}} if entry.key else {}),
            }
        )
    today = timezone.localdate()
    last = max([today, *(entry.date.end for entry in entries)])
    eras = [
        {
            "start_date": tl_date(PartialDate(phase.starts_on), display=False),
            "end_date": tl_date(PartialDate(phase.ends_on or last), display=False),
            "text": {"headline": escape(phase.name)},
        }
        for phase in phases
    ]
    return {
        "title": {
            "text": {
                "headline": escape(negotiation.title),
                "text": f"<p>{escape(negotiation.summary)}</p>"
                + (f"<p>The latest {len(entries)} entries.</p>" if earlier else "")
                + f'<p><a href="{root}{negotiation.get_absolute_url()}">The sourced timeline '
                "on Parley</a></p>",
            }
        },
        "events": events,
        "eras": eras,
        "scale": "human",
    }
