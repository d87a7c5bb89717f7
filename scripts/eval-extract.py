"""Precision and recall of the article extraction against an annotated set.

    scripts/eval-extract.py tests/data/extraction-articles.json [--split dev|heldout|all]
                            [--verbose] [--json]

The set is ``{"actors": [...], "articles": [{"id", "published", "text", "quotes":
[{"text", "speaker", "kind"}], "paraphrases": [{"speaker", "contains"}], "not_quotes":
[...], "amounts": [{"value", "currency", "contains"}], "dates": [{"phrase", "start",
"end", "precision"}]}]}``; the actors are what the database would know. It scores
what the API answers (``statements[].text/.speaker_name/.kind``, ``amounts[].value/
.currency``, ``dates[].phrase/.start/.end/.precision``):

- quotes: a direct statement whose words equal the annotated ones (whitespace, curly
  quotes and a trailing comma or period aside) with the same speaker;
- paraphrases: reported speech by the same speaker whose text contains the phrase;
- amounts: same value and currency, the phrase or its sentence containing ``contains``;
- dates: a phrase overlapping the annotated one, resolved to the same period and precision.

Each annotation matches at most one answer. Each article names its ``split``: ``dev``
(the rules were tuned on it), ``heldout`` and ``heldout2`` (written before the rules they
were first scored against), ``dev3`` (the third held-out batch, in its own file, tuned on
after its blind score); ``--split`` picks one, ``all`` or ``each`` (the default).
"""

import argparse
import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from negotiations.extraction.mentions import KnownActor
from negotiations.extraction.pipeline import extract


def norm(text):
    text = " ".join((text or "").split())
    for old, new in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(old, new)
    return text.strip().rstrip(",.;: ").strip()


def same_speaker(predicted, gold):
    return (predicted or "").casefold() == (gold or "").casefold()


def match(golds, predictions, matches):
    """Greedy one-to-one matching: (matched gold, matched predictions, misses, extras)."""
    used = set()
    hit = []
    missed = []
    for gold in golds:
        for index, prediction in enumerate(predictions):
            if index not in used and matches(gold, prediction):
                used.add(index)
                hit.append((gold, prediction))
                break
        else:
            missed.append(gold)
    extra = [p for i, p in enumerate(predictions) if i not in used]
    return hit, missed, extra


def score_article(article, actors):
    answer = extract(
        article["text"],
        published=datetime.date.fromisoformat(article["published"]),
        actors=actors,
    )
    direct = [s for s in answer["statements"] if s["kind"] == "direct"]
    reported = [s for s in answer["statements"] if s["kind"] == "paraphrase"]
    results = {}
    results["quotes"] = match(
        article.get("quotes", []),
        direct,
        lambda g, p: (
            norm(g["text"]) == norm(p["text"]) and same_speaker(p["speaker_name"], g["speaker"])
        ),
    )
    results["quote texts"] = match(
        article.get("quotes", []), direct, lambda g, p: norm(g["text"]) == norm(p["text"])
    )
    results["paraphrases"] = match(
        article.get("paraphrases", []),
        reported,
        lambda g, p: (
            norm(g["contains"]).casefold() in norm(p["text"]).casefold()
            and same_speaker(p["speaker_name"], g["speaker"])
        ),
    )
    results["amounts"] = match(
        article.get("amounts", []),
        answer["amounts"],
        lambda g, p: (
            Decimal(g["value"]) == Decimal(p["value"])
            and g["currency"] == p["currency"]
            and (
                norm(g["contains"]).casefold() in norm(p["phrase"]).casefold()
                or norm(g["contains"]).casefold() in norm(p["sentence"]["text"]).casefold()
            )
        ),
    )

    def same_phrase(g, p):
        a, b = g["phrase"].casefold(), p["phrase"].casefold()
        return a in b or b in a

    results["dates"] = match(
        article.get("dates", []),
        answer["dates"],
        lambda g, p: (
            same_phrase(g, p)
            and (g["start"], g["end"], g["precision"]) == (p["start"], p["end"], p["precision"])
        ),
    )
    scare = [
        s
        for s in direct
        for phrase in article.get("not_quotes", [])
        if norm(phrase) in norm(s["text"])
    ]
    return results, scare


def figures(totals):
    hit, gold, predicted = totals
    precision = hit[1] / predicted if predicted else 1.0
    recall = hit[0] / gold if gold else 1.0
    return precision, recall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument(
        "--split", default="each", help="dev, heldout, heldout2, dev3, all, or each (the default)"
    )
    parser.add_argument("--verbose", action="store_true", help="list every miss and extra")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    data = json.loads(Path(args.dataset).read_text())
    actors = [KnownActor.from_spec(i, spec) for i, spec in enumerate(data.get("actors", []), 1)]
    named = list(dict.fromkeys(a.get("split", "dev") for a in data["articles"]))
    splits = {"each": named, "all": ["all"]}.get(args.split, [args.split])
    report = {}
    for split in splits:
        articles = [a for a in data["articles"] if split == "all" or a.get("split", "dev") == split]
        totals = {}
        scare_total = 0
        for article in articles:
            results, scare = score_article(article, actors)
            scare_total += len(scare)
            for name, (hit, missed, extra) in results.items():
                counts = totals.setdefault(name, [[0, 0], 0, 0])
                counts[0][0] += len(hit)
                counts[0][1] += len(hit)
                counts[1] += len(hit) + len(missed)
                counts[2] += len(hit) + len(extra)
                if args.verbose and name != "quote texts" and (missed or extra):
                    print(f"[{split}] {article['id']} {name}", file=sys.stderr)
                    for gold in missed:
                        print(
                            f"    missed: {json.dumps(gold, ensure_ascii=False)}", file=sys.stderr
                        )
                    for prediction in extra:
                        shown = {
                            k: prediction.get(k)
                            for k in (
                                "text",
                                "speaker_name",
                                "value",
                                "currency",
                                "phrase",
                                "start",
                                "end",
                                "precision",
                            )
                            if k in prediction
                        }
                        print(
                            f"    extra:  {json.dumps(shown, ensure_ascii=False)}", file=sys.stderr
                        )
        report[split] = {
            "articles": len(articles),
            "scare quotes taken for statements": scare_total,
            **{
                name: dict(
                    zip(
                        ("precision", "recall", "annotated", "answered"),
                        (*(round(f, 3) for f in figures(counts)), counts[1], counts[2]),
                        strict=True,
                    )
                )
                for name, counts in totals.items()
            },
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for split, figures_ in report.items():
        print(f"{split}: {figures_['articles']} articles")
        print(f"  {'':34} precision  recall  annotated  answered")
        for name, row in figures_.items():
            if isinstance(row, dict):
                label = {
                    "quotes": "quotes (exact text, right speaker)",
                    "quote texts": "quotes (exact text, any speaker)",
                    "paraphrases": "paraphrases (right speaker)",
                    "amounts": "amounts (value and currency)",
                    "dates": "dates (resolved period)",
                }[name]
                print(
                    f"  {label:34} {row['precision']:9.3f} {row['recall']:7.3f} "
                    f"{row['annotated']:10d} {row['answered']:9d}"
                )
        print(
            f"  scare quotes taken for statements: {figures_['scare quotes taken for statements']}"
        )


if __name__ == "__main__":
    main()
