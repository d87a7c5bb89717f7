"""The amounts picture: what each side asked for, over time."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.safestring import mark_safe

from negotiations.dates import PartialDate
from negotiations.models import EntryType
from negotiations.reader.charts.lanes import FONT, KINDS, Drawing, short_date
from negotiations.reader.charts.markup import _amounts_svg
from negotiations.reader.charts.money import format_amount, format_amount_exact


def _nice_step(maximum, ticks=4):
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / ticks
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, 2.5, 5, 10):
        step = magnitude * Decimal(str(factor))
        if step >= raw:
            return step
    return magnitude * 10


@dataclass
class AmountsChart:
    currency: str
    title: str
    description: str
    rows: list  # [{"proposal", "date", "amount", "status", "closed"}]
    wide: Drawing
    tall: Drawing


def amounts(proposals, *, closed_statuses, status_labels, id_prefix="amounts", more=False):
    """One picture per currency of the proposals that carry an amount (timeline order).

    ``proposals`` carry ``current_status`` (``EntryQuerySet.with_status``); ``more``:
    they are the latest of more such proposals (the text alternative says so).
    """
    by_currency = {}
    for proposal in proposals:
        if proposal.amount is not None:
            by_currency.setdefault(proposal.currency, []).append(proposal)
    charts = []
    for currency, items in by_currency.items():
        rows = [
            {
                "proposal": proposal,
                "date": PartialDate(proposal.date_start, proposal.date_precision),
                "amount": format_amount(proposal.amount, currency),
                "short": format_amount(proposal.amount, currency, short=True),
                "exact": format_amount_exact(proposal.amount, currency),
                "status": status_labels(proposal.current_status),
                "closed": proposal.current_status in closed_statuses,
            }
            for proposal in items
        ]
        title = f"Who asked how much of whom ({currency})"
        description = "; ".join(
            f"{row['date'].human}: {row['proposal'].title}, {row['amount']} ({row['status']})"
            for row in rows
        )
        lead = f"{len(rows)} {'proposal' if len(rows) == 1 else 'proposals'} with an amount"
        if more:
            lead = f"The latest {lead}"
        description = (
            f"{lead} in {currency}, oldest first, a bar as long as each amount. {description}. "
            "Filled bars are still on the table; hollow, dashed bars no longer are."
            + (" Earlier proposals are on the timeline." if more else "")
        )
        prefix = f"{id_prefix}-{currency.lower()}"
        charts.append(
            AmountsChart(
                currency=currency,
                title=title,
                description=description,
                rows=rows,
                wide=_draw_amounts(rows, title, description, prefix, "wide", 640),
                tall=_draw_amounts(rows, title, description, prefix, "tall", 360),
            )
        )
    return charts


def who_asked_whom(proposal):
    """ "Government of the United States → Government of Ukraine" (addressees as read)."""
    asked = [actor.name for actor in proposal.addressed_to.all()]
    by = proposal.proposed_by.name if proposal.proposed_by_id else "Unknown"
    return f"{by} → {', '.join(asked)}" if asked else by


def _draw_amounts(rows, title, description, prefix, variant, width):
    """An offers ladder: a row per proposal, oldest first; its bar as long as its amount
    (one scale for the picture), the amount and what became of it at the bar's end, who
    asked whom and when above it. A filled bar is on the table, a hollow one no longer."""
    narrow = width < 500
    left, right, top, row_height, bottom = 12, 12, 44 if narrow else 30, 54, 30
    plot_width = width - left - right
    height = top + row_height * len(rows) + bottom
    maximum = max(Decimal(row["proposal"].amount) for row in rows)
    step = _nice_step(maximum)
    count = int((maximum / step).to_integral_value(rounding=ROUND_CEILING)) or 1
    ceiling = step * count
    currency = rows[0]["proposal"].currency
    # The bars leave room at their end for the amount and the status.
    bar_room = plot_width * (0.55 if narrow else 0.62)

    def x_of(value):
        return round(left + float(Decimal(value) / ceiling) * bar_room, 1)

    chars = int(plot_width / 6.6)
    bars = []
    for index, row in enumerate(rows):
        y = top + row_height * index
        who = f"{short_date(row['date'])} · {who_asked_whom(row['proposal'])}"
        bars.append(
            {
                "y": y + 22,
                "label_y": y + 14,
                "label": who if len(who) <= chars else who[: chars - 1] + "…",
                "x2": max(x_of(row["proposal"].amount), left + 3),
                "closed": row["closed"],
                "value": f"{row['short']} — {row['status']}",
                "title": f"{row['date'].human} — {row['proposal'].title}: {row['amount']} "
                f"({row['status']})",
            }
        )
    gridlines = [
        {"x": x_of(step * n), "label": format_amount(step * n, currency, short=True)}
        for n in range(count + 1)
    ]
    return Drawing(
        width=width,
        height=height,
        svg=mark_safe(
            _amounts_svg(
                {
                    "id": f"{prefix}-{variant}",
                    "variant": variant,
                    "title": title,
                    "description": description,
                    "font": FONT,
                    "width": width,
                    "height": height,
                    "left": left,
                    "top": top,
                    "bottom": top + row_height * len(rows),
                    "legend": {"x2": left if narrow else left + 150, "y2": 34 if narrow else 14},
                    "gridlines": gridlines,
                    "bars": bars,
                    "color": KINDS[EntryType.PROPOSAL][1],
                },
            )
        ),
    )


# --------------------------------------------------------------------------- #
# The markup
# --------------------------------------------------------------------------- #
