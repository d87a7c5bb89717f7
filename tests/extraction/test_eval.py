"""The seed story and the annotated set, scored as scripts/eval-extract.py scores them."""

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest

from negotiations.extraction.mentions import KnownActor

from .conftest import run

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval-extract.py"


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location("eval_extract", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def known(dataset):
    return [KnownActor.from_spec(i, spec) for i, spec in enumerate(dataset["actors"], 1)]


def test_every_quote_and_amount_of_the_seed_story_with_its_speaker(seed_article, known):
    answer = run(seed_article["text"], seed_article["published"], actors=known)
    quotes = {(s["text"], s["speaker_name"]) for s in answer["statements"] if s["kind"] == "direct"}
    assert quotes == {
        (
            "It can be lithium. It can be titanium, uranium, many others. It’s a lot.",
            "Andriy Yermak",
        ),
        ("that will be paid off by ten generations of Ukrainians.", "Volodymyr Zelenskyy"),
        ("off the table.", "Volodymyr Zelenskyy"),
    }
    amounts = [(Decimal(a["value"]), a["currency"]) for a in answer["amounts"]]
    assert amounts == [(Decimal("500000000000"), "USD")] * 3


DATA = Path(__file__).resolve().parents[1] / "data"
# Batches kept in files of their own (the others are in the main set).
BATCH_FILES = {
    "dev3": DATA / "extraction-heldout-3.json",
    "heldout4": DATA / "extraction-heldout-4.json",
}


# The second held-out batch is left out: its annotations read "by the end of March" as
# the month, where the rules (and dev3's annotator) read the deadline's day (README).
@pytest.mark.parametrize("split", ["dev", "heldout", "dev3", "heldout4"])
def test_the_set_meets_the_targets(evaluation, dataset, known, split):
    if split in BATCH_FILES:
        dataset = json.loads(BATCH_FILES[split].read_text())
        known = [KnownActor.from_spec(i, spec) for i, spec in enumerate(dataset["actors"], 1)]
    totals = {}
    for article in dataset["articles"]:
        if article["split"] != split:
            continue
        results, scare = evaluation.score_article(article, known)
        assert scare == []
        for name, (hit, missed, extra) in results.items():
            counts = totals.setdefault(name, [0, 0, 0])
            counts[0] += len(hit)
            counts[1] += len(hit) + len(missed)
            counts[2] += len(hit) + len(extra)

    def precision_recall(name):
        hit, annotated, answered = totals[name]
        return hit / answered, hit / annotated

    quotes = precision_recall("quotes")
    assert quotes[0] >= 0.9 and quotes[1] >= 0.85, quotes
    assert min(precision_recall("amounts")) >= 0.95
    assert precision_recall("dates")[1] >= 0.9
