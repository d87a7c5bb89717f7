import datetime
import json
from pathlib import Path

import pytest

from negotiations.extraction.mentions import KnownActor
from negotiations.extraction.pipeline import extract

DATASET = Path(__file__).resolve().parents[1] / "data" / "extraction-articles.json"

ACTORS = [
    KnownActor(1, "Donald Trump", "person", "President of the United States", ("Trump",), "US"),
    KnownActor(2, "Volodymyr Zelenskyy", "person", "President of Ukraine", ("Zelensky",), "UA"),
    KnownActor(3, "Scott Bessent", "person", "Secretary of the Treasury", (), "US"),
    KnownActor(4, "Government of Ukraine", "government", "", ("Kyiv",), "UA"),
    KnownActor(5, "Andriy Yermak", "person", "Head of the Office of the President of Ukraine"),
    KnownActor(6, "JD Vance", "person", "Vice President of the United States", (), "US"),
]


@pytest.fixture(scope="session")
def dataset():
    return json.loads(DATASET.read_text())


@pytest.fixture(scope="session")
def seed_article(dataset):
    return next(a for a in dataset["articles"] if a["id"].startswith("seed"))


def run(text, published="2025-02-25", actors=ACTORS, **kwargs):
    return extract(text, published=datetime.date.fromisoformat(published), actors=actors, **kwargs)


def statements(text, **kwargs):
    return [(s["kind"], s["text"], s["speaker_name"]) for s in run(text, **kwargs)["statements"]]
