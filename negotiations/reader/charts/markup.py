"""SVG markup of the pictures, escaped."""

import html


def escape(value):
    """HTML/XML-escape a text or number (& < > " ')."""
    return html.escape(str(value), quote=True)


def _svg_head(c, classes, font_size):
    i, w, h = escape(c["id"]), c["width"], c["height"]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="img" aria-labelledby="{i}-title {i}-desc" class="{classes}" '
        f'font-family="{escape(c["font"])}" font-size="{font_size}">\n'
        f'<title id="{i}-title">{escape(c["title"])}</title>\n'
        f'<desc id="{i}-desc">{escape(c["description"])}</desc>\n'
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>\n'
    )


def _legend_svg(legend):
    out = []
    for item in legend:
        kind, x, y, color = item["kind"], item["x"], item["y"], escape(item["color"])
        if kind == "key":
            shape = (
                f'<circle cx="{x}" cy="{y}" r="6" fill="#ffffff" stroke="#111111" '
                'stroke-width="2.5"/>'
            )
        elif kind == "statement":
            shape = f'<circle cx="{x}" cy="{y}" r="5" fill="{color}"/>'
        elif kind == "expectation":
            shape = (
                f'<circle cx="{x}" cy="{y}" r="5" fill="#ffffff" stroke="{color}" '
                'stroke-width="2.5"/>'
            )
        elif kind == "status_change":
            shape = (
                f'<rect x="{item["square_x"]}" y="{item["square_y"]}" width="10" height="10" '
                f'fill="{color}"/>'
            )
        elif kind == "proposal":
            shape = f'<polygon points="{item["diamond"]}" fill="{color}"/>'
        else:
            shape = f'<polygon points="{item["triangle"]}" fill="{color}"/>'
        out.append(
            f'{shape}<text x="{item["text_x"]}" y="{item["text_y"]}" fill="#1f2328" '
            f'font-size="12">{escape(item["label"])}</text>\n'
        )
    return "".join(out) + "\n"


def _marks_svg(marks):
    out = []
    for mark in marks:
        edge = "#111" if mark.key else "#fff"
        color = escape(mark.color)
        if mark.shape == "circle":
            shape = (
                f'<circle cx="{mark.x}" cy="{mark.y}" r="{mark.size}" fill="{color}" '
                f'stroke="{edge}" stroke-width="{mark.stroke_width}"/>'
            )
        elif mark.shape == "ring":
            shape = (
                f'<circle cx="{mark.x}" cy="{mark.y}" r="{mark.size}" fill="#fff" '
                f'stroke="{color}" stroke-width="{"3.5" if mark.key else "2.5"}"/>'
            )
        elif mark.shape == "square":
            shape = (
                f'<rect x="{mark.left}" y="{mark.top}" width="{mark.side}" height="{mark.side}" '
                f'fill="{color}" stroke="{edge}" stroke-width="{mark.stroke_width}"/>'
            )
        else:
            shape = (
                f'<polygon points="{mark.points}" fill="{color}" stroke="{edge}" '
                f'stroke-width="{mark.stroke_width}"/>'
            )
        out.append(
            f'<g class="mark mark-{escape(mark.kind)}">{shape}'
            f"<title>{escape(mark.label)}</title></g>\n"
        )
    return "".join(out) + "\n"


def _lanes_wide_svg(c):
    out = [_svg_head(c, "chart chart-wide", 13)]
    for lane in c["lanes"]:
        lines = "".join(
            f'<tspan x="10" dy="{0 if n == 0 else 16}">{escape(line)}</tspan>'
            for n, line in enumerate(lane["lines"])
        )
        out.append(
            f'<rect x="0" y="{lane["y"]}" width="{c["width"]}" height="{c["lane_height"]}" '
            f'fill="{"#f2f4f7" if lane["shade"] else "#ffffff"}"/>\n'
            f'<text x="10" y="{lane["text_y"]}" fill="#1f2328" font-weight="600">{lines}'
            "</text>\n"
        )
    for x in c["breaks"]:
        # A gap of more than three months: two slanted strokes across the axis.
        out.append(
            f'<g class="time-break"><title>A long gap: time is not to scale here</title>'
            f'<line x1="{x - 7}" y1="{c["plot_bottom"] + 8}" x2="{x - 1}" '
            f'y2="{c["plot_bottom"] - 8}" stroke="#3d434a" stroke-width="2"/>'
            f'<line x1="{x + 1}" y1="{c["plot_bottom"] + 8}" x2="{x + 7}" '
            f'y2="{c["plot_bottom"] - 8}" stroke="#3d434a" stroke-width="2"/></g>\n'
        )
    for tick in c["ticks"]:
        out.append(
            f'<line x1="{tick["x"]}" y1="{c["top"]}" x2="{tick["x"]}" y2="{c["plot_bottom"]}" '
            'stroke="#c9ced6" stroke-width="1" stroke-dasharray="2 3"/>\n'
        )
        if tick["label"]:
            out.append(
                f'<text x="{tick["label_x"]}" y="{tick["label_y"]}" text-anchor="middle" '
                f'fill="#3d434a" font-size="12">{escape(tick["label"])}</text>'
            )
        out.append("\n")
    out += [
        _legend_svg(c["legend"]),
        _joints_svg(c["joints"]),
        _marks_svg(c["marks"]),
        _moments_svg(c["moments"]),
        "</svg>\n",
    ]
    return "".join(out)


def _joints_svg(joints):
    """The line from a mark across the other lanes its entry reached, a dot in each."""
    out = []
    for joint in joints:
        vertical = joint["x1"] == joint["x2"]
        dots = "".join(
            f'<circle cx="{joint["x1"] if vertical else end}" '
            f'cy="{end if vertical else joint["y1"]}" '
            'r="3" fill="#ffffff" stroke="#57606a" stroke-width="1.5"/>'
            for end in joint["ends"]
        )
        out.append(
            f'<g class="joint"><line x1="{joint["x1"]}" y1="{joint["y1"]}" x2="{joint["x2"]}" '
            f'y2="{joint["y2"]}" stroke="#57606a" stroke-width="1.5"/>{dots}</g>\n'
        )
    return "".join(out)


def _moments_svg(moments):
    """The key developments' labels above the lanes, a leader line down to each mark."""
    out = []
    for moment in moments:
        out.append(
            f'<g class="moment"><line x1="{moment["mark_x"]}" y1="{moment["line_y"]}" '
            f'x2="{moment["mark_x"]}" y2="{moment["mark_y"]}" stroke="#8c959f" '
            f'stroke-width="1"/><text x="{moment["x"]}" y="{moment["y"]}" '
            'text-anchor="middle" fill="#1f2328" font-weight="700" font-size="12">'
            f"{escape(moment['text'])}</text></g>\n"
        )
    return "".join(out)


def _lanes_tall_svg(c):
    out = [_svg_head(c, "chart chart-tall", 12)]
    for lane in c["lanes"]:
        lines = "".join(
            f'<tspan x="{lane["mid"]}" y="{line["y"]}">{escape(line["text"])}</tspan>'
            for line in lane["lines"]
        )
        out.append(
            f'<rect x="{lane["x"]}" y="{c["lane_top"]}" width="{c["lane_width"]}" '
            f'height="{c["lane_height"]}" fill="{"#f2f4f7" if lane["shade"] else "#ffffff"}"/>\n'
            '<text text-anchor="middle" fill="#1f2328" font-weight="600" font-size="10">'
            f"{lines}</text>\n"
        )
    for tick in c["ticks"]:
        out.append(
            f'<line x1="{c["left"]}" y1="{tick["y"]}" x2="{c["right"]}" y2="{tick["y"]}" '
            'stroke="#c9ced6" stroke-width="1" stroke-dasharray="2 3"/>\n'
        )
        if tick["label"]:
            out.append(
                f'<text x="{c["left"] - 6}" y="{tick["y"]}" dy="4" text-anchor="end" '
                f'fill="#3d434a" font-size="12">{escape(tick["label"])}</text>\n'
            )
    for y in c["breaks"]:
        out.append(
            f'<g class="time-break"><title>A long gap: time is not to scale here</title>'
            f'<line x1="{c["left"] - 8}" y1="{y - 1}" x2="{c["left"] + 8}" y2="{y - 7}" '
            'stroke="#3d434a" stroke-width="2"/>'
            f'<line x1="{c["left"] - 8}" y1="{y + 7}" x2="{c["left"] + 8}" y2="{y + 1}" '
            'stroke="#3d434a" stroke-width="2"/></g>\n'
        )
    out += [
        _legend_svg(c["legend"]),
        _joints_svg(c["joints"]),
        _marks_svg(c["marks"]),
        "".join(
            f'<text class="moment" x="{m["x"]}" y="{m["y"]}" text-anchor="end" fill="#1f2328" '
            f'font-weight="700" font-size="11">{escape(m["text"])}</text>\n'
            for m in c["moments"]
        ),
        "</svg>\n",
    ]
    return "".join(out)


def _amounts_svg(c):
    color, legend = escape(c["color"]), c["legend"]
    out = [_svg_head(c, f"chart chart-amounts chart-{escape(c['variant'])}", 12)]
    for n, line in enumerate(c["gridlines"]):
        out.append(
            f'<line x1="{line["x"]}" y1="{c["top"]}" x2="{line["x"]}" y2="{c["bottom"]}" '
            f'stroke="{"#57606a" if n == 0 else "#d0d7de"}" stroke-width="1"/>\n'
            f'<text x="{line["x"]}" y="{c["bottom"] + 18}" text-anchor="middle" '
            f'fill="#3d434a">{escape(line["label"])}</text>\n'
        )
    out.append(
        f'<rect x="{c["left"]}" y="{legend["y2"] - 20 if legend["x2"] == c["left"] else 4}" '
        f'width="14" height="10" fill="{color}"/>'
        f'<text x="{c["left"] + 20}" y="{legend["y2"] - 11 if legend["x2"] == c["left"] else 13}" '
        'fill="#1f2328">On the table</text>\n'
        f'<rect x="{legend["x2"]}" y="{legend["y2"] - 9}" width="14" height="10" fill="#ffffff" '
        f'stroke="{color}" stroke-width="2" stroke-dasharray="3 2"/><text x="{legend["x2"] + 20}" '
        f'y="{legend["y2"]}" fill="#1f2328">No longer on the table</text>\n'
    )
    for bar in c["bars"]:
        closed = bar["closed"]
        fill = "#ffffff" if closed else color
        dash = ' stroke-dasharray="4 3"' if closed else ""
        out.append(
            f'<g class="mark"><text x="{c["left"]}" y="{bar["label_y"]}" fill="#1f2328">'
            f"{escape(bar['label'])}</text>"
            f'<rect x="{c["left"]}" y="{bar["y"]}" width="{round(bar["x2"] - c["left"], 1)}" '
            f'height="16" fill="{fill}" stroke="{color}" stroke-width="2"{dash}/>'
            f'<text x="{bar["x2"] + 8}" y="{bar["y"] + 13}" fill="#1f2328" font-weight="600">'
            f"{escape(bar['value'])}</text><title>{escape(bar['title'])}</title></g>\n"
        )
    out.append("</svg>\n")
    return "".join(out)
