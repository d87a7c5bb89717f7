"""Pictures of a negotiation, drawn on the server as SVG.

Two pictures, each with a text alternative (``<title>``/``<desc>`` in the SVG, and
the same facts as lists or tables in the page):

- ``lanes``: the timeline with a lane per party; one mark per entry, placed in the
  lane of whoever acted (see ``selectors.acting_actors``). Across the page time runs
  to scale within each stretch of time, with a visible break where months of quiet
  separate two dates (``time_scale``): talks cluster in weeks after years of quiet, and
  one scale for all would squeeze the busy weeks into a sliver. On a phone, a row per
  date. Tick labels that would overlap are left out. A long timeline is drawn a page at a
  time (the entries the page shows, or the latest ones): a mark per entry stays
  readable, and the text alternative says which entries are drawn.
- ``amounts``: where proposals carry amounts, an offers ladder per currency: a bar per
  proposal as long as its amount, who asked whom, and what became of it (the latest
  proposals with an amount, when there are many).

Both come in a wide (desktop) and a tall (phone) drawing: the page shows one or the
other with CSS, so text stays readable at 375 px. Styling is done with presentation
attributes, not CSS, so the same markup works inline and as a standalone .svg file,
and under a Content Security Policy without inline styles. The markup is written here, in
Python (a template per mark cost more than the rest of a page); every text goes
through ``escape``.
"""

from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from negotiations.dates import PartialDate
from negotiations.models import EntryType
from negotiations.reader.charts.markup import _lanes_tall_svg, _lanes_wide_svg
from negotiations.reader.selectors.queries import acting_actors

FONT = "system-ui, sans-serif"

KINDS = {
    EntryType.PROPOSAL: ("diamond", "#1f4e9c", "Proposal"),
    EntryType.STATUS_CHANGE: ("square", "#6b3a8c", "Status change"),
    EntryType.STATEMENT: ("circle", "#0f6e5a", "Statement"),
    EntryType.EVENT: ("triangle", "#8a5a00", "Event"),
    EntryType.EXPECTATION: ("ring", "#a3361f", "Expectation"),
}


def short_date(date):
    """ "23 Feb 2025", "Feb 2025", "2025": axis labels."""
    return date.short


def wrap(text, width):
    """Split a label into lines of at most ``width`` characters (at spaces)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines or [""]


@dataclass
class Mark:
    kind: str
    x: float
    y: float
    size: float
    color: str
    key: bool = False
    label: str = ""

    @property
    def shape(self):
        return KINDS[self.kind][0]

    @property
    def points(self):
        x, y, s = self.x, self.y, self.size
        if self.shape == "diamond":
            pts = [(x, y - s * 1.25), (x + s * 1.25, y), (x, y + s * 1.25), (x - s * 1.25, y)]
        elif self.shape == "triangle":
            pts = [(x, y - s * 1.2), (x + s * 1.2, y + s), (x - s * 1.2, y + s)]
        else:
            return ""
        return " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)

    @property
    def stroke_width(self):
        return 2.5 if self.key else 1

    @property
    def side(self):
        return round(self.size * 1.8, 1)

    @property
    def left(self):
        return round(self.x - self.side / 2, 1)

    @property
    def top(self):
        return round(self.y - self.side / 2, 1)


@dataclass
class Lane:
    key: str
    label: str
    url: str = ""
    entries: list = field(default_factory=list)


@dataclass
class Drawing:
    width: int
    height: int
    svg: str = ""


@dataclass
class LanesChart:
    title: str
    description: str
    lanes: list
    wide: Drawing
    tall: Drawing
    kinds: list

    @property
    def is_empty(self):
        return not any(lane.entries for lane in self.lanes)


def lanes(entries, parties, *, title, id_prefix="lanes", scope=None):
    """The lanes picture of ``entries`` (timeline order), a lane per party + others.

    ``scope`` says which part of a longer timeline ``entries`` are, for the text
    alternative: ``"page"`` (one page of it) or ``"latest"`` (its latest entries);
    None when they are the whole timeline.
    """
    parties = list(parties)
    party_ids = {party.pk: index for index, party in enumerate(parties)}
    chart_lanes = [
        Lane(key=f"party-{p.pk}", label=p.name, url=p.get_absolute_url()) for p in parties
    ]
    others = Lane(key="others", label="Others")
    placed = []  # (entry, lane index)
    for entry in entries:
        indexes = set()
        for actor in acting_actors(entry):
            if actor.pk in party_ids:
                indexes.add(party_ids[actor.pk])
            elif actor.affiliation_id in party_ids:
                indexes.add(party_ids[actor.affiliation_id])
            else:
                indexes.add(len(parties))
        for index in sorted(indexes or {len(parties)}):
            placed.append((entry, index))
            (chart_lanes[index] if index < len(parties) else others).entries.append(entry)
    if others.entries or not chart_lanes:
        chart_lanes.append(others)

    dates = []
    for entry in entries:
        date = PartialDate(entry.date_start, entry.date_precision)
        if not dates or dates[-1] != date:
            dates.append(date)
    columns = {date: index for index, date in enumerate(dates)}
    cells = {}
    for entry, lane in placed:
        column = columns[PartialDate(entry.date_start, entry.date_precision)]
        cells.setdefault((column, lane), []).append(entry)

    kinds = [kind for kind in KINDS if any(e.entry_type == kind for e in entries)]
    legend = [{"kind": kind, "label": KINDS[kind][2], "color": KINDS[kind][1]} for kind in kinds]
    description = lanes_description(entries, chart_lanes, dates, scope=scope)
    context = {
        "title": title,
        "description": description,
        "font": FONT,
        "legend": legend,
    }
    wide = _draw_wide(chart_lanes, dates, cells, legend, context, f"{id_prefix}-wide")
    tall = _draw_tall(chart_lanes, dates, cells, legend, context, f"{id_prefix}-tall")
    return LanesChart(
        title=title,
        description=description,
        lanes=chart_lanes,
        wide=wide,
        tall=tall,
        kinds=legend,
    )


def lanes_description(entries, chart_lanes, dates, *, scope=None):
    if not entries:
        return "No entries to draw."
    span = (
        f"from {dates[0].human} to {dates[-1].human}" if len(dates) > 1 else f"on {dates[0].human}"
    )
    counts = "; ".join(
        f"{lane.label}: {len(lane.entries)} {'entry' if len(lane.entries) == 1 else 'entries'}"
        for lane in chart_lanes
    )
    key = sum(1 for entry in entries if entry.key)
    key_text = (
        f" {key} key {'entry is' if key == 1 else 'entries are'} drawn larger." if key else ""
    )
    what = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    if scope == "page":
        what, rest = f"The {what} on this page of the timeline", " Other pages draw their own."
    elif scope == "latest":
        what, rest = f"The latest {what}", " Earlier entries are on the timeline's earlier pages."
    else:
        rest = ""
    return (
        f"{what} {span}, in a lane for whoever acted. {counts}.{key_text} Across the page, "
        "time runs to scale, with a break (two strokes on the axis) where more than three "
        f"months pass between two dates; on a narrow screen, a row per date.{rest}"
    )


def _marks(cells, position, spread):
    """Place the marks of every cell; ``position(column, lane)`` is the cell's centre and
    ``spread`` the room (px) along x for the marks of one cell (one for all, or a list
    by column)."""
    marks = []
    for (column, lane), cell_entries in cells.items():
        cx, cy = position(column, lane)
        count = len(cell_entries)
        room = spread[column] if isinstance(spread, list) else spread
        step = min(15.0, max(room - 10, 0) / max(count - 1, 1)) if count > 1 else 0
        for index, entry in enumerate(cell_entries):
            _shape, color, kind_label = KINDS[entry.entry_type]
            date = PartialDate(entry.date_start, entry.date_precision)
            marks.append(
                Mark(
                    kind=entry.entry_type,
                    x=round(cx + (index - (count - 1) / 2) * step, 1),
                    y=round(cy, 1),
                    size=8 if entry.key else 6,
                    color=color,
                    key=entry.key,
                    label=f"{capfirst(date.reading)} — {kind_label}: {entry.headline}",
                )
            )
    return marks


LONG_GAP_DAYS = 90  # a longer quiet between two dates is drawn as a break
SEGMENT_MIN = 70  # px: the least room a stretch of time gets
BREAK_WIDTH = 26  # px between two stretches
LABEL_CHAR = 7.2  # px per character of a 12 px tick label


def time_scale(dates, length):
    """Where each date (PartialDates, in order; placed at the start of its period, as it
    sorts) lies along ``length`` px: to scale within each stretch of time, with a break
    between two dates more than ``LONG_GAP_DAYS`` apart, so years of quiet do not squeeze
    weeks of talks into a sliver. Returns (x of each date, x of each break)."""
    if not dates:
        return [], []
    days = [date.start.toordinal() for date in dates]
    stretches = [[0]]
    for index in range(1, len(days)):
        if days[index] - days[index - 1] > LONG_GAP_DAYS:
            stretches.append([])
        stretches[-1].append(index)
    spans = [days[s[-1]] - days[s[0]] for s in stretches]
    room = length - BREAK_WIDTH * (len(stretches) - 1)
    minimum = min(SEGMENT_MIN, room / len(stretches))
    extra = room - minimum * len(stretches)
    total = sum(spans)
    xs, breaks, left = [0.0] * len(dates), [], 0.0
    for number, (stretch, span) in enumerate(zip(stretches, spans, strict=True)):
        width = minimum + (extra * span / total if total else extra / len(stretches))
        pad = min(18.0, width / 4)
        for index in stretch:
            share = (days[index] - days[stretch[0]]) / span if span else 0.5
            xs[index] = left + pad + share * (width - 2 * pad)
        left += width
        if number < len(stretches) - 1:
            breaks.append(left + BREAK_WIDTH / 2)
            left += BREAK_WIDTH
    return xs, breaks


def readable_labels(xs, labels):
    """Keep the labels that do not overlap the one kept before (the first always)."""
    kept, right_edge = [], float("-inf")
    for x, label in zip(xs, labels, strict=True):
        half = len(label) * LABEL_CHAR / 2
        if x - half >= right_edge + 6:
            kept.append(label)
            right_edge = x + half
        else:
            kept.append("")
    return kept


def _draw_wide(chart_lanes, dates, cells, legend, context, prefix):
    left, right, top, lane_height, bottom = 220, 20, 44, 54, 52
    width = 960
    plot = width - left - right
    height = top + lane_height * len(chart_lanes) + bottom
    xs, breaks = time_scale(dates, plot)
    labels = readable_labels(xs, [short_date(date) for date in dates])
    # Marks of one date share the room up to its neighbours.
    spreads = [
        min(
            xs[i] - xs[i - 1] if i else 40.0,
            xs[i + 1] - xs[i] if i + 1 < len(xs) else 40.0,
        )
        for i in range(len(xs))
    ]

    def position(column, lane):
        return left + xs[column], top + lane_height * (lane + 0.5)

    lanes_drawn = []
    for index, lane in enumerate(chart_lanes):
        lines = wrap(lane.label, 28)[:2]
        middle = top + lane_height * (index + 0.5)
        lanes_drawn.append(
            {
                "y": top + lane_height * index,
                "text_y": round(middle + 4 - 8 * (len(lines) - 1), 1),
                "lines": lines,
                "shade": index % 2 == 0,
            }
        )
    plot_bottom = top + lane_height * len(chart_lanes)
    ticks = [
        {"x": round(left + xs[index], 1), "label": labels[index], "label_y": plot_bottom + 20}
        for index in range(len(dates))
    ]
    drawing = Drawing(width=width, height=height)
    drawing.svg = mark_safe(
        _lanes_wide_svg(
            {
                **context,
                "id": prefix,
                "width": width,
                "height": height,
                "left": left,
                "right": width - right,
                "top": top,
                "plot_bottom": plot_bottom,
                "lane_height": lane_height,
                "lanes": lanes_drawn,
                "ticks": ticks,
                "breaks": [round(left + x, 1) for x in breaks],
                "marks": _marks(cells, position, spreads),
                "legend": _legend_items(
                    [*legend, KEY_LEGEND], [(left + 130 * n, 20) for n in range(len(legend) + 1)]
                ),
            },
        )
    )
    return drawing


def _draw_tall(chart_lanes, dates, cells, legend, context, prefix):
    width, left, right, row_height = 360, 92, 8, 34
    lane_width = (width - left - right) / max(len(chart_lanes), 1)
    chars = max(8, int(lane_width / 7.4))
    label_lines = [wrap(lane.label, chars)[:4] for lane in chart_lanes]
    legend_rows = (len(legend) + 1 + 2) // 3
    legend_height = 22 * legend_rows + 8
    header = legend_height + 14 * max((len(lines) for lines in label_lines), default=1) + 12
    top = header
    height = top + row_height * max(len(dates), 1) + 12

    def position(column, lane):
        return left + lane_width * (lane + 0.5), top + row_height * (column + 0.5)

    lanes_drawn = [
        {
            "x": round(left + lane_width * index, 1),
            "mid": round(left + lane_width * (index + 0.5), 1),
            "lines": [
                {"text": line, "y": legend_height + 14 * (n + 1)}
                for n, line in enumerate(label_lines[index])
            ],
            "shade": index % 2 == 0,
        }
        for index, lane in enumerate(chart_lanes)
    ]
    ticks = [
        {
            "y": round(top + row_height * (index + 0.5), 1),
            "label": short_date(date),
            "label_x": left - 6,
        }
        for index, date in enumerate(dates)
    ]
    items = [*legend, KEY_LEGEND]
    legend_items = _legend_items(
        items, [(10 + 116 * (n % 3), 14 + 22 * (n // 3)) for n in range(len(items))]
    )
    drawing = Drawing(width=width, height=height)
    drawing.svg = mark_safe(
        _lanes_tall_svg(
            {
                **context,
                "id": prefix,
                "width": width,
                "height": height,
                "left": left,
                "right": width - right,
                "top": top,
                "lane_width": round(lane_width, 1),
                "lane_top": top - 6,
                "lane_height": height - 12 - (top - 6),
                "lanes": lanes_drawn,
                "ticks": ticks,
                "marks": _marks(cells, position, lane_width),
                "legend": legend_items,
            },
        )
    )
    return drawing


KEY_LEGEND = {"kind": "key", "label": "Key entry", "color": "#111111"}


def _legend_items(items, positions):
    """Legend entries with their shape's geometry and their label's position."""
    placed = []
    for item, (x, y) in zip(items, positions, strict=True):
        placed.append(
            {
                **item,
                "x": x,
                "y": y,
                "text_x": x + 12,
                "text_y": y + 4,
                "square_x": x - 5,
                "square_y": y - 5,
                "diamond": f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}",
                "triangle": f"{x},{y - 6} {x + 6},{y + 5} {x - 6},{y + 5}",
            }
        )
    return placed


# --------------------------------------------------------------------------- #
# Amounts over time
# --------------------------------------------------------------------------- #
