"""How long the article extraction takes: a 2,000-word article on this machine.

    python -m bench.extract [--rounds 30] [--record]      (or: make bench-extract)

The article is the annotated set's stories (tests/data/extraction-articles.json) put
one after the other up to 2,000 words: quotes, reported speech, amounts and dates at
the density of real copy. It is timed as text and as HTML (trafilatura first), with
the set's 16 actors and with 1,000 more (a larger newsroom's record): the first call
in the process (lazy imports, dateparser's language data) and then ``--rounds``
calls, of which the median and the slowest are reported. ``--record`` writes the
table into bench/README.md. No database: the API adds one query for the actors and
one for the negotiation's proposals.
"""

import argparse
import datetime
import html
import json
import platform
import re
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "data" / "extraction-articles.json"
README = ROOT / "bench" / "README.md"
START, END = "<!-- bench:extract:start -->", "<!-- bench:extract:end -->"


def article(words=2_000):
    data = json.loads(DATASET.read_text())
    paragraphs = []
    count = 0
    for item in data["articles"]:
        for paragraph in re.split(r"\n\s*\n", item["text"]):
            if count >= words:
                break
            paragraphs.append(paragraph.strip())
            count += len(paragraph.split())
    return "\n\n".join(paragraphs), count, data["actors"]


KINDS = ("statements", "amounts", "dates", "hints")


def cpu_name():
    with open("/proc/cpuinfo") as cpuinfo:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    return names[0] if names else platform.processor()


def known(actors, extra):
    from negotiations.extraction.mentions import KnownActor

    listed = [KnownActor.from_spec(i, spec) for i, spec in enumerate(actors, 1)]
    listed += [
        KnownActor(
            1_000 + i,
            f"Official{i} Surname{i}",
            "person",
            f"Deputy Minister of Affairs {i}",
            (f"Surname{i}",),
        )
        for i in range(extra)
    ]
    return listed


def timed(call, rounds):
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--record", action="store_true", help="write the table into bench/README.md"
    )
    args = parser.parse_args()

    text, words, actors = article()
    as_html = (
        "<html><body><article>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
        + "</article></body></html>"
    )
    published = datetime.date(2025, 2, 25)
    from negotiations.extraction.pipeline import extract

    rows = []
    for label, content, is_html, extra in [
        ("text, 16 actors", text, False, 0),
        ("HTML, 16 actors", as_html, True, 0),
        ("text, 1,016 actors", text, False, 1_000),
    ]:
        listed = known(actors, extra)
        first, median, slowest = timed(
            lambda c=content, h=is_html, a=listed: extract(
                c, published=published, actors=a, is_html=h
            ),
            args.rounds,
        )
        answer = extract(content, published=published, actors=listed, is_html=is_html)
        found = ", ".join(f"{len(answer[kind])} {kind}" for kind in KINDS)
        rows.append((label, first, median, slowest, found))

    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = cpu_name()
    lines = [
        f"Run of {when} on {platform.node()} ({cpu}), Python {platform.python_version()}; "
        f"a {words:,}-word article, {args.rounds} rounds after a first call.",
        "",
        "| input | first call ms | median ms | slowest ms | found |",
        "|---|---:|---:|---:|---|",
        *(
            f"| {label} | {first * 1000:.0f} | {mid * 1000:.0f} | {slow * 1000:.0f} | {found} |"
            for label, first, mid, slow, found in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)
    if args.record:
        readme = README.read_text()
        before, rest = readme.split(START, 1)
        _, after = rest.split(END, 1)
        README.write_text(f"{before}{START}\n{table}\n{END}{after}")


if __name__ == "__main__":
    main()
