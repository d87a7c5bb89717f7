"""The README's API reads run as written on the demo data (its writes were run by hand
against ``make run``; see the commit that wrote them)."""

import re
from pathlib import Path

from tests.api.conftest import API

README = Path(__file__).resolve().parents[2] / "README.md"
READ = re.compile(r'^curl "\$API/(?P<path>[^"]+)"(?:\s+# (?P<status>\d{3}))?')


def api_section():
    text = README.read_text()
    return text[text.index("\n## API\n") : text.index("\n## Reader pages\n")]


def test_the_reads_answer_as_the_readme_says(anon, demo):
    reads = [READ.match(line) for line in api_section().splitlines()]
    reads = [match for match in reads if match]
    assert len(reads) >= 4
    for match in reads:
        response = anon.get(f"{API}{match['path']}")
        expected = int(match["status"] or 200)
        assert response.status_code == expected, (match["path"], response.content[:300])


def test_no_placeholder_address_is_sent_as_a_source():
    for url in re.findall(r'"url": "([^"]+)"', api_section()):
        assert "…" not in url and "..." not in url and "example" not in url, url
