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

import itertools
import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from negotiations.dates import PartialDate
from negotiations.models import EntryType
from negotiations.reader.charts.markup import _lanes_tall_svg, _lanes_wide_svg
from negotiations.reader.charts.money import format_amount
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
    column: int = 0  # which date
    lane: int = 0
    also: tuple = ()  # the other lanes its entry reached
    moment: str = ""  # its label on the picture, a key development's
    order: int = 0  # its entry's place in the timeline
    entry: object = None

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
    moments: list = field(default_factory=list)  # the labels of the key developments

    @property
    def is_empty(self):
        return not any(lane.entries for lane in self.lanes)


def lanes(entries, parties, *, title, id_prefix="lanes", scope=None):
    """The lanes picture of ``entries`` (timeline order), a lane per party + others.

    One mark per entry, in the lane of the first party that acted in it (in the order
    of ``parties``), else in "Others"; an entry more lanes took part in (the invasion:
    Russia and Ukraine) has a thin line from its mark across them. The key
    developments (``Entry.is_development``) are labelled on the picture.

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
    placed = []  # (entry, lane index, the other lanes it reaches)
    for entry in entries:
        indexes = set()
        for actor in acting_actors(entry):
            if actor.pk in party_ids:
                indexes.add(party_ids[actor.pk])
            elif actor.affiliation_id in party_ids:
                indexes.add(party_ids[actor.affiliation_id])
            else:
                indexes.add(len(parties))
        lane, *also = sorted(indexes or {len(parties)})
        placed.append((entry, lane, tuple(also)))
        (chart_lanes[lane] if lane < len(parties) else others).entries.append(entry)
    if (
        others.entries
        or not chart_lanes
        or any(len(parties) in also for _entry, _lane, also in placed)
    ):
        chart_lanes.append(others)

    dates = []
    for entry in entries:
        date = PartialDate(entry.date_start, entry.date_precision)
        if not dates or dates[-1] != date:
            dates.append(date)
    columns = {date: index for index, date in enumerate(dates)}
    cells = {}
    for order, (entry, lane, also) in enumerate(placed):
        entry.timeline_order = order
        column = columns[PartialDate(entry.date_start, entry.date_precision)]
        cells.setdefault((column, lane), []).append((entry, also))

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
        moments=list(dict.fromkeys(moment_label(e) for e in entries if e.is_development)),
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
        if lane.entries
    )
    key = sum(1 for entry in entries if entry.key)
    key_text = (
        f" {key} key {'entry is' if key == 1 else 'entries are'} drawn larger." if key else ""
    )
    moments = list(
        dict.fromkeys(
            f"{PartialDate(entry.date_start, entry.date_precision).short}, {moment_label(entry)}"
            for entry in entries
            if entry.is_development
        )
    )
    moments_text = f" Labelled: {'; '.join(moments)}." if moments else ""
    what = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    if scope == "page":
        what, rest = f"The {what} on this page of the timeline", " Other pages draw their own."
    elif scope == "latest":
        what, rest = f"The latest {what}", " Earlier entries are on the timeline's earlier pages."
    else:
        rest = ""
    return (
        f"{what} {span}, a mark each, in the lane of the first party that acted (a line "
        f"joins the other lanes that took part). {counts}.{key_text}{moments_text} Time runs "
        "to scale, with a break (two strokes on the axis) where more than three months pass "
        f"between two dates.{rest}"
    )


MOMENT_CHARS = 30  # the longest label of a moment on the picture


@dataclass(frozen=True)
class Moment:
    """What the picture says of a key development, before it is cut to fit: a
    proposal's amount or title and what became of it ("$500bn", "withdrawn"), an
    expectation's due date, or else the entry's headline (``text``)."""

    name: str = ""
    what: str = ""
    due: str = ""
    text: str = ""

    @classmethod
    def of(cls, entry):
        specific = entry.specific
        if entry.entry_type in (EntryType.PROPOSAL, EntryType.STATUS_CHANGE):
            proposal = specific if entry.entry_type == EntryType.PROPOSAL else specific.proposal
            name = (
                format_amount(proposal.amount, proposal.currency, short=True)
                if proposal.amount is not None
                else proposal.title
            )
            if entry.entry_type == EntryType.PROPOSAL:
                return cls(name=name, what="proposed")
            return cls(name=name, what=specific.get_status_display().lower())
        if entry.entry_type == EntryType.EXPECTATION and specific.due_date is not None:
            return cls(due=specific.due_date.short)
        return cls(text=entry.headline)


def moment_label(entry, limit=MOMENT_CHARS):
    """A key development as the picture labels it, in at most ``limit`` characters:
    "$500bn proposed", "$500bn withdrawn", "Expected by 2 Mar 2025", else its
    headline, cut short. A cached ``timeline.ListedEntry`` carries its ``Moment``."""
    moment = getattr(entry, "moment", None) or Moment.of(entry)
    if moment.what:
        name, room = moment.name, limit - len(moment.what) - 1
        if len(name) > room:
            name = name[: room - 1].rstrip() + "…"
        return f"{name} {moment.what}"
    if moment.due:
        text = f"Expected by {moment.due}"
        if len(text) > limit:
            text = f"Due {moment.due}"
    else:
        text = moment.text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _moments(marks):
    """The marks of the key developments, in timeline order, once per label and date (a
    proposal and its "proposed" status change the same day read as one)."""
    seen, found = set(), []
    for mark in sorted(marks, key=lambda mark: mark.order):
        if mark.moment and (mark.column, mark.moment) not in seen:
            seen.add((mark.column, mark.moment))
            found.append(mark)
    return found


def _marks(cells, position, spread):
    """Place the marks of every cell; ``position(column, lane)`` is the cell's centre and
    ``spread`` the room (px) for the marks of one cell (one for all, or a list by
    column), along x (``along="x"``) or y."""
    marks = []
    for (column, lane), cell_entries in cells.items():
        cx, cy = position(column, lane)
        count = len(cell_entries)
        room = spread[column] if isinstance(spread, list) else spread
        step = min(15.0, max(room - 10, 0) / max(count - 1, 1)) if count > 1 else 0
        for index, (entry, also) in enumerate(cell_entries):
            _shape, color, kind_label = KINDS[entry.entry_type]
            date = PartialDate(entry.date_start, entry.date_precision)
            label = moment_label(entry) if entry.is_development else ""
            marks.append(
                Mark(
                    kind=entry.entry_type,
                    x=round(cx + (index - (count - 1) / 2) * step, 1),
                    y=round(cy, 1),
                    size=8 if entry.key else 6,
                    color=color,
                    key=entry.key,
                    label=f"{capfirst(date.reading)} — {kind_label}: {entry.headline}",
                    column=column,
                    lane=lane,
                    also=also,
                    moment=label,
                    order=entry.timeline_order,
                    entry=entry,
                )
            )
    marks.sort(key=lambda mark: (mark.column, mark.lane, mark.x))
    return marks


LONG_GAP_DAYS = 90  # a longer quiet between two dates is drawn as a break
SEGMENT_MIN = 70  # px: the least room a stretch of time gets
BREAK_WIDTH = 26  # px between two stretches
LABEL_CHAR = 7.2  # px per character of a 12 px tick label
LABEL_LINE = 15  # px between two tick labels one above the other (the tall drawing)


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


def readable_labels(xs, labels, *, extent=None):
    """Keep the labels that do not overlap the one kept before (the first always);
    ``extent(label)``: the room a label takes along the axis (its width by default)."""
    extent = extent or (lambda label: len(label) * LABEL_CHAR)
    kept, right_edge = [], float("-inf")
    for x, label in zip(xs, labels, strict=True):
        half = extent(label) / 2
        if x - half >= right_edge + 6:
            kept.append(label)
            right_edge = x + half
        else:
            kept.append("")
    return kept


def _place_in_rows(spans, rows):
    """Put each (start, end) span in the first of ``rows`` rows where it overlaps no
    span already there; None where none is free."""
    ends = [float("-inf")] * rows
    placed = []
    for start, end in spans:
        row = next((n for n in range(rows) if start >= ends[n] + 8), None)
        if row is not None:
            ends[row] = end
        placed.append(row)
    return placed


WIDE_WIDTH = 720  # the column's width at 1280 px: drawn at about its own size
TALL_WIDTH = 340  # a phone's column: 12 px text stays above 10 px at 320 px
MOMENT_ROWS = 4


def _draw_wide(chart_lanes, dates, cells, legend, context, prefix):
    width, left, right, lane_height, bottom = WIDE_WIDTH, 168, 16, 50, 34
    legend_items = _legend_items(
        [*legend, KEY_LEGEND], [(16 + 116 * n, 18) for n in range(len(legend) + 1)]
    )
    plot = width - left - right
    xs, breaks = time_scale(dates, plot)
    # Marks of one date share the room up to its neighbours.
    spreads = [
        min(
            xs[i] - xs[i - 1] if i else 40.0,
            xs[i + 1] - xs[i] if i + 1 < len(xs) else 40.0,
        )
        for i in range(len(xs))
    ]
    # The labels of the key developments, in up to three rows above the lanes, each at
    # its mark's x (kept inside the drawing), a leader line down to the mark.
    rows_top = 40
    lanes_top_if = rows_top + 18 * MOMENT_ROWS + 8

    def position(column, lane):
        return left + xs[column], lanes_top_if + lane_height * (lane + 0.5)

    marks = _marks(cells, position, spreads)
    moments = _moments(marks)
    spans = []
    for mark in moments:
        half = len(mark.moment) * 7.4 / 2
        centre = min(max(mark.x, half + 4), width - half - 4)
        spans.append((centre - half, centre + half))
    rows = _place_in_rows(spans, MOMENT_ROWS)
    used = max((row for row in rows if row is not None), default=-1) + 1
    top = rows_top + 18 * used + (8 if used else 0)
    shift = top - lanes_top_if
    for mark in marks:
        mark.y = round(mark.y + shift, 1)
    labels = [
        {
            "x": round((start + end) / 2, 1),
            "y": rows_top + 12 + 18 * row,
            "text": mark.moment,
            "mark_x": mark.x,
            "mark_y": mark.y - mark.size - 2,
            "line_y": rows_top + 15 + 18 * row,
        }
        for mark, (start, end), row in zip(moments, spans, rows, strict=True)
        if row is not None
    ]
    height = top + lane_height * len(chart_lanes) + bottom
    tick_labels = readable_labels(xs, [short_date(date) for date in dates])

    lanes_drawn = []
    for index, lane in enumerate(chart_lanes):
        lines = wrap(lane.label, 20)[:2]
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
    ticks = []
    for index, label in enumerate(tick_labels):
        # A label near the edge moves inside the drawing, its line stays at its date.
        half = len(label) * LABEL_CHAR / 2
        x = round(left + xs[index], 1)
        ticks.append(
            {
                "x": x,
                "label": label,
                "label_x": round(min(x, width - half - 2), 1),
                "label_y": plot_bottom + 20,
            }
        )
    joints = _joints(marks, lambda lane: top + lane_height * (lane + 0.5), along="y")
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
                "marks": marks,
                "joints": joints,
                "moments": labels,
                "legend": legend_items,
            },
        )
    )
    return drawing


def _joints(marks, centre_of_lane, *, along):
    """A line from each mark across the other lanes its entry reached."""
    joints = []
    for mark in marks:
        if not mark.also:
            continue
        ends = [centre_of_lane(lane) for lane in mark.also]
        here = mark.y if along == "y" else mark.x
        low, high = min(here, *ends), max(here, *ends)
        if along == "y":
            joints.append({"x1": mark.x, "y1": low, "x2": mark.x, "y2": high, "ends": ends})
        else:
            joints.append({"x1": low, "y1": mark.y, "x2": high, "y2": mark.y, "ends": ends})
    return joints


GOVERNMENT_OF = re.compile(r"^Government of (the )?", re.IGNORECASE)


def narrow_label(label):
    """A lane's name in a phone's narrow column: "Government of the United States"
    reads "United States" (the full name is in the text alternative)."""
    return GOVERNMENT_OF.sub("", label) or label


def _draw_tall(chart_lanes, dates, cells, legend, context, prefix):
    """Time runs down the drawing, to scale as across the wide one, a lane per column;
    at the left each date, with the key developments of that date under it."""
    width, left, right = TALL_WIDTH, 126, 6
    lanes_width = width - left - right
    lane_width = lanes_width / max(len(chart_lanes), 1)
    chars = max(6, int(lane_width / 6.0))
    label_lines = [wrap(narrow_label(lane.label), chars)[:4] for lane in chart_lanes]
    items = [*legend, KEY_LEGEND]
    legend_items = _legend_items(
        items, [(12 + 150 * (n % 2), 14 + 22 * (n // 2)) for n in range(len(items))]
    )
    legend_height = 22 * ((len(items) + 1) // 2) + 8
    top = legend_height + 13 * max((len(lines) for lines in label_lines), default=1) + 18
    gaps = sum(
        1
        for a, b in itertools.pairwise(dates)
        if b.start.toordinal() - a.start.toordinal() > LONG_GAP_DAYS
    )
    length = 44 * max(len(dates), 3) + (SEGMENT_MIN + BREAK_WIDTH) * gaps
    ys, breaks = time_scale(dates, length)

    def position(column, lane):
        return left + lane_width * (lane + 0.5), top + ys[column]

    # Several marks of one cell side by side across the lane.
    marks = _marks(cells, position, min(lane_width - 6, 40.0))
    by_date = {}
    room = int((left - 12) / 7.0)  # 11 px bold: up to 7 px a character
    for mark in _moments(marks):
        by_date.setdefault(mark.column, []).append(moment_label(mark.entry, room))
    # The left column, line by line: a date, then its moments; a line that would
    # overlap the one above moves down a little, or is left out (the text
    # alternative has them all).
    ticks, labels, bottom_edge = [], [], float("-inf")
    for column, y in enumerate(ys):
        y = top + y
        shown = y >= bottom_edge + LABEL_LINE
        ticks.append({"y": round(y, 1), "label": short_date(dates[column]) if shown else ""})
        if shown:
            bottom_edge = y
        for text in by_date.get(column, []):
            line = max(y + LABEL_LINE, bottom_edge + LABEL_LINE)
            if line - y > 3 * LABEL_LINE:
                break
            bottom_edge = line
            labels.append({"x": left - 6, "y": round(line + 4, 1), "text": text})
    height = round(max(top + length, bottom_edge + 8) + 10)
    lanes_drawn = [
        {
            "x": round(left + lane_width * index, 1),
            "mid": round(left + lane_width * (index + 0.5), 1),
            "lines": [
                {"text": line, "y": legend_height + 13 * (n + 1)}
                for n, line in enumerate(label_lines[index])
            ],
            "shade": index % 2 == 0,
        }
        for index, lane in enumerate(chart_lanes)
    ]
    joints = _joints(marks, lambda lane: left + lane_width * (lane + 0.5), along="x")
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
                "lane_top": top - 12,
                "lane_height": height - 4 - (top - 12),
                "lanes": lanes_drawn,
                "ticks": ticks,
                "breaks": [round(top + y, 1) for y in breaks],
                "marks": marks,
                "joints": joints,
                "moments": labels,
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
