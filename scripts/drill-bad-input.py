"""Nasty input against a live Parley: huge and deeply nested bodies, NUL bytes, odd Unicode.

    scripts/drill-bad-input.py --base http://127.0.0.1:PORT

Run by scripts/api-fuzz.sh against its server, after schemathesis; it reads the
same database through the ORM (DATABASE_URL and DJANGO_SETTINGS_MODULE from the
environment) and creates its own journalist and editor. Each case is one
request with what a hostile or careless client sends — bodies over 1 MB (with
and without Content-Length), JSON nested 100,000 deep, NUL bytes in fields,
keys and query strings, invalid UTF-8, lone surrogates, wrong content types,
boundary dates, amounts and ids, over-long headers, half-valid writes (a good
new source next to a bad one), format characters in date filters, concurrent
PATCHes naming one If-Match — and the claims are:

- no answer is a 5xx, none shows a traceback, and each is one the case allows
  (400/413/415/404… for bad input);
- a refused write leaves every table exactly as it was (row counts of every
  model, history and change log included): nothing half-written;
- accepted Unicode (Cyrillic, right-to-left with bidi controls, emoji with ZWJ
  and flags, combining marks, astral characters) reads back exactly as sent.

Exits 1 with the first problem; prints how many cases ran and what they got.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from drill_common import DEMO_SLUG, fail, run_main, say

REFUSED = {400, 404, 405, 411, 413, 415}
MB = 1024 * 1024
# Other scripts' digits, which int() and Decimal() read as 0–9: Arabic-Indic, fullwidth,
# Devanagari.
DIGITS = ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९")


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.development")
    import django

    django.setup()


def row_counts():
    from django.apps import apps

    return {
        model._meta.label: model._base_manager.count()
        for config in ("negotiations", "auth", "authtoken")
        for model in apps.get_app_config(config).get_models()
    }


def users_and_ids():
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from negotiations.models import Actor, Negotiation, Proposal

    tokens = {}
    for name, group in (("bad-input-journalist", "Journalists"), ("bad-input-editor", "Editors")):
        user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
        user.groups.add(Group.objects.get(name=group))
        tokens[name] = Token.objects.get_or_create(user=user)[0].key
    negotiation = Negotiation.objects.get(slug=DEMO_SLUG)
    return tokens, {
        "negotiation": negotiation.pk,
        "actors": list(Actor.objects.order_by("pk").values_list("pk", flat=True)),
        "actor_slug": Actor.objects.order_by("pk").first().slug,
        "proposal": Proposal.objects.order_by("pk").first().pk,
    }


class Battery:
    def __init__(self, base, tokens):
        self.base = base
        self.tokens = tokens
        self.problems = []
        self.notes = []
        self.statuses = collections.Counter()
        self.cases = 0

    def send(
        self,
        name,
        method,
        path,
        *,
        expected,
        body=None,
        json_body=None,
        headers=None,
        as_user="bad-input-journalist",
        written=False,
        odd=False,
    ):
        """One case; ``written`` says the case may store something (else nothing may change).

        ``odd``: a 2xx is not a failure of the claims (no 5xx, nothing half-written) but
        an input the API should arguably refuse; it is printed as a note.
        """
        self.cases += 1
        headers = dict(headers or {})
        if as_user:
            headers["Authorization"] = f"Token {self.tokens[as_user]}"
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        before = row_counts()
        try:
            response = requests.request(
                method, self.base + path, data=body, headers=headers, timeout=60
            )
        except requests.RequestException as error:
            self.problems.append(f"{name}: no answer ({type(error).__name__}: {error})")
            return None
        status = response.status_code
        self.statuses[status] += 1
        text = response.text
        if status >= 500:
            self.problems.append(f"{name}: {method} {path[:80]} answered {status}")
        elif odd and 200 <= status < 300:
            self.notes.append(f"{name}: accepted ({status}) {text[:160]!r}")
            return response
        elif status not in expected:
            self.problems.append(
                f"{name}: {method} {path[:80]} answered {status}, expected one of "
                f"{sorted(expected)}: {text[:200]!r}"
            )
        if "Traceback" in text or "Exception Value" in text:
            self.problems.append(f"{name}: the answer shows a traceback")
        if not (written and 200 <= status < 300):
            after = row_counts()
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            if changed:
                self.problems.append(f"{name}: answered {status} but changed rows {changed}")
        return response


def statement(ids, **overrides):
    body = {
        "negotiation": ids["negotiation"],
        "date": "2025-02-26",
        "actor": ids["actors"][0],
        "kind": "paraphrase",
        "text": "A statement.",
        "sources": [{"url": "https://example.org/bad-input/known"}],
    }
    body.update(overrides)
    return body


def chunks(total, size=64 * 1024):
    yield b'{"text": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


def run_battery(b, ids):
    n = ids["negotiation"]
    post = "/api/v1/statements/"

    # --- size --------------------------------------------------------------- #
    big = json.dumps(statement(ids, text="a" * (2 * MB))).encode()
    b.send(
        "2 MB body",
        "POST",
        post,
        expected={413},
        body=big,
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "2 MB body, chunked (no Content-Length)",
        "POST",
        post,
        expected={400, 411, 413},
        body=chunks(2 * MB),
        headers={"Content-Type": "application/json"},
    )
    just_over = b'{"text": "' + b"a" * (MB - 11) + b'"}'
    b.send(
        "1 MB + 1 byte",
        "POST",
        post,
        expected={413},
        body=just_over,
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "10,001-character text",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, text="я" * 10_001),
    )
    b.send(
        "2,000 invalid sources",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, sources=[{"url": f"javascript:alert({i})"} for i in range(2000)]),
    )
    b.send(
        "huge query string",
        "GET",
        "/api/v1/statements/?" + "&".join(["type=x"] * 5000),
        expected={200, 400, 414},
        as_user=None,
    )
    b.send(
        "1,100 query fields",
        "GET",
        f"/api/v1/negotiations/{n}/timeline/?" + "&".join(["a="] * 1100),
        expected={200, 400, 414},
        as_user=None,
    )
    b.send(
        "8 KB If-Match",
        "PATCH",
        f"/api/v1/proposals/{ids['proposal']}/",
        expected={400, 412, 431},
        json_body={"title": "x"},
        headers={"If-Match": '"' + "9" * 8000 + '"'},
    )

    # --- nesting ---------------------------------------------------------- #
    depth = 100_000
    b.send(
        "arrays nested 100,000 deep",
        "POST",
        post,
        expected={400},
        body=("[" * depth + "]" * depth).encode(),
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "objects nested 100,000 deep",
        "POST",
        post,
        expected={400},
        body=('{"a":' * depth + "1" + "}" * depth).encode(),
        headers={"Content-Type": "application/json"},
    )
    deep_list = "[" * 5000 + "]" * 5000
    nested_field = f'{{"negotiation": {n}, "date": "2025", "text": {deep_list}}}'
    b.send(
        "a field nested 5,000 deep",
        "POST",
        post,
        expected={400},
        body=nested_field.encode(),
        headers={"Content-Type": "application/json"},
    )
    nested = "x"
    for _ in range(200):
        nested = [nested]
    b.send(
        "a field nested 200 deep",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, text=nested),
    )
    b.send(
        "sources nested in sources",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, sources=[{"url": [{"url": [{"url": "x"}]}]}]),
    )

    # --- NUL bytes, bad encodings ------------------------------------------ #
    b.send("NUL in text", "POST", post, expected={400}, json_body=statement(ids, text="a\x00b"))
    b.send(
        "NUL in a source URL",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, sources=[{"url": "https://example.org/\x00"}]),
    )
    b.send(
        "NUL in a source title",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, sources=[{"url": "https://example.org/nul", "title": "\x00"}]),
    )
    b.send("NUL in a date", "POST", post, expected={400}, json_body=statement(ids, date="2025\x00"))
    b.send(
        "NUL in a key",
        "POST",
        post,
        expected={400},
        json_body={"te\x00xt": "x", "negotiation": n, "date": "2025"},
    )
    b.send(
        "NUL in actor aliases",
        "POST",
        "/api/v1/actors/",
        expected={400},
        json_body={"name": "Nul", "slug": "nul-actor", "kind": "person", "aliases": ["a\x00"]},
        as_user="bad-input-editor",
    )
    b.send(
        "lone surrogate in text",
        "POST",
        post,
        expected={400},
        body=b'{"negotiation": %d, "date": "2025", "actor": %d, "text": "\\ud800 x"}'
        % (n, ids["actors"][0]),
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "invalid UTF-8 body",
        "POST",
        post,
        expected={400},
        body=b'{"text": "\xff\xfe\xfa"}',
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "UTF-16 body",
        "POST",
        post,
        expected={400, 415},
        body=json.dumps(statement(ids)).encode("utf-16"),
        headers={"Content-Type": "application/json"},
    )
    b.send(
        "BOM before JSON",
        "POST",
        post,
        expected={400, 201},
        written=True,
        body=b"\xef\xbb\xbf" + json.dumps(statement(ids, text="BOM")).encode(),
        headers={"Content-Type": "application/json"},
    )
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/xml",
        "",
    ):
        b.send(
            f"Content-Type {content_type or '(none)'}",
            "POST",
            post,
            expected={400, 415},
            body=b"text=a&negotiation=1",
            headers={"Content-Type": content_type},
        )
    for top in ("[]", '"x"', "1", "null", "true", "", "{", '{"a": NaN}', '{"a": Infinity}'):
        b.send(
            f"top-level {top or '(empty)'}",
            "POST",
            post,
            expected={400},
            body=top.encode(),
            headers={"Content-Type": "application/json"},
        )

    # --- query strings and paths ------------------------------------------- #
    queries = [
        "/api/v1/statements/?q=%00",
        "/api/v1/statements/?q=a%00b&actor=%00&since=%00&until=2025%00",
        f"/api/v1/negotiations/{n}/timeline/?q=%00&type=%00&actor=%00",
        f"/api/v1/negotiations/{n}/timeline/?q=%F0%9F%98%80%CC%81%D8%A7%00",
        "/api/v1/changes/?since=2025%00",
        "/api/v1/changes/?since=%ED%A0%80",
        "/api/v1/actors/?q=%FF%FE",
        "/api/v1/proposals/?status=%00&ordering=%00",
        "/api/v1/statements/?ordering=-text,%00,__class__",
        "/api/v1/statements/?cursor=%00",
        "/api/v1/statements/?cursor=eyJvIjpbImRhdGVfc3RhcnQiXSwidiI6WyIwMDAwLTAwLTAwIl19",
        "/api/v1/statements/?cursor=" + "A" * 3000,
        "/api/v1/statements/?page_size=0",
        "/api/v1/statements/?page_size=-1",
        "/api/v1/statements/?page_size=99999999999999999999999",
        "/api/v1/statements/?negotiation=99999999999999999999",
        "/api/v1/statements/?actor=-1&proposal=1.5",
        "/api/v1/statements/99999999999999999999/",
        "/api/v1/statements/0/",
        "/api/v1/statements/%00/",
        "/api/v1/changes/?since=0001-01-01T00:00:00Z",
        "/api/v1/changes/?since=9999-12-31T23:59:59Z",
        "/api/v1/changes/?since=0000-01-01T00:00:00Z",
        "/api/v1/changes/?since=%2B275760-09-13T00:00:00Z",
        "/api/v1/changes/?since=2025-02-30T00:00:00Z",
        f"/api/v1/negotiations/{n}/timeline/?since=0001&until=9999",
        f"/api/v1/negotiations/{n}/timeline/?since=0000&until=10000",
        f"/api/v1/negotiations/{n}/timeline/?since=-0001",
        f"/api/v1/negotiations/{n}/timeline/?q=" + "ab " * 400,
        f"/negotiations/{DEMO_SLUG}/?q=%00&type=%00&actor=%00&since=%00",
        f"/negotiations/{DEMO_SLUG}/?q=%F0%9F%98%80&since=0000&until=99999",
        f"/negotiations/{DEMO_SLUG}/?since=0001-01-01&until=9999-12-31",
        f"/negotiations/{DEMO_SLUG}/feed/?q=%00",
        f"/negotiations/{DEMO_SLUG}/calendar.ics?x=%00",
        "/negotiations/%D0%BA%D0%B8%D1%97%D0%B2/",
        "/negotiations/%00/",
        "/actors/%F0%9F%98%80/",
        f"/actors/{ids['actor_slug']}/?q=%00",
        f"/embed/negotiations/{DEMO_SLUG}/?type=%00",
    ]
    for path in queries:
        b.send(f"GET {path[:60]}", "GET", path, expected={200, 400, 404}, as_user=None)
        b.send(
            f"GET as editor {path[:60]}",
            "GET",
            path,
            expected={200, 400, 404},
            as_user="bad-input-editor",
        )

    # --- format characters in date filters: a 400 naming the filter ---------- #
    api_date_filters = [
        f"/api/v1/{name}/?{parameter}="
        for name in ("statements", "proposals", "status-changes", "events", "expectations")
        for parameter in ("since", "until")
    ]
    api_date_filters += [
        "/api/v1/sources/?since=",
        "/api/v1/sources/?until=",
        "/api/v1/changes/?since=",
        f"/api/v1/negotiations/{n}/timeline/?since=",
        f"/api/v1/negotiations/{n}/timeline/?until=",
    ]
    for value in ("%25", "%25s", "%25(x)s", "2025-%2502d"):
        for path in api_date_filters:
            for user in (None, "bad-input-editor"):
                response = b.send(
                    f"date filter {path[8:40]}{value} as {user or 'anonymous'}",
                    "GET",
                    path + value,
                    expected={400},
                    as_user=user,
                )
                name = path.rsplit("?", 1)[1].rstrip("=")
                refused = response is not None and response.status_code == 400
                if refused and list(response.json()) != [name]:
                    b.problems.append(f"{path}{value}: the 400 names {list(response.json())}")
        # The reader pages show the error beside the field (and apply the other filters).
        for path in (
            f"/negotiations/{DEMO_SLUG}/?from={value}&to={value}",
            f"/negotiations/{DEMO_SLUG}/changes/?since={value}",
        ):
            b.send(f"reader date {path[14:60]}", "GET", path, expected={200}, as_user=None)

    # --- ids beyond 64 bits in addresses: nothing there (404) ---------------- #
    for pk in (2**63, 2**64, 10**20):
        for path in (
            f"/negotiations/{DEMO_SLUG}/proposals/{pk}/",
            f"/negotiations/{pk}/",
            f"/actors/{pk}/",
            f"/embed/negotiations/{pk}/",
            f"/api/v1/negotiations/{pk}/timeline/",
            *(f"/api/v1/{name}/{pk}/" for name in ("actors", "sources", "proposals", "events")),
        ):
            b.send(f"id {pk} in {path[:50]}", "GET", path, expected={404}, as_user=None)
        for method in ("PATCH", "DELETE"):
            b.send(
                f"{method} id {pk}",
                method,
                f"/api/v1/statements/{pk}/",
                expected={404},
                json_body={"text": "x"},
                as_user="bad-input-editor",
            )
        # A permalink or cursor that cannot be read: the latest entries, and a notice.
        for query in (f"?entry={pk}", f"?before=2025-02-23.1.{pk}"):
            b.send(f"cursor {query}", "GET", f"/negotiations/{DEMO_SLUG}/{query}", expected={200})

    # --- boundary values refused ------------------------------------------- #
    for date in (
        "10000",
        "-0001",
        "0000",
        "2025-02-29",
        "2025-13-40",
        "2025-00",
        "9999-12-32",
        "",
        " ",
        "yesterday",
        "2025-W09",
        "2025-02-26T10:00",
        "２０２５-٠٢",
        "1e3",
    ):
        b.send(
            f"date {date!r}",
            "POST",
            post,
            expected={400},
            json_body=statement(ids, date=date),
            odd=not date.isascii(),  # Unicode digits: the schema says [0-9]
        )
    for value in (
        None,
        1.5,
        True,
        [],
        {},
        "1; DROP TABLE",
        -1,
        0,
        2**63,
        2**64,
        "99999999999999999999",
        float(ids["actors"][0]),  # 1.0: read as id 1 once
        ids["actors"][0] + 0.5,
        f"{ids['actors'][0]}.5",
        *(str(ids["actors"][0]).translate(str.maketrans("0123456789", d)) for d in DIGITS),
    ):
        b.send(
            f"actor id {value!r}",
            "POST",
            post,
            expected={400},
            json_body=statement(ids, actor=value),
        )
    for digits in DIGITS:  # a filter by an id in other digits: a 400, not that record's list
        actor = str(ids["actors"][0]).translate(str.maketrans("0123456789", digits))
        b.send(
            f"filter by actor {actor!r}",
            "GET",
            f"/api/v1/statements/?actor={actor}",
            expected={400},
            as_user=None,
        )
    proposal = {
        "negotiation": n,
        "date": "2025-02",
        "title": "Bad amount",
        "sources": [{"url": "https://example.org/bad-input/known"}],
    }
    for amount, currency in (
        ("-1", "USD"),
        ("1e309", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("1" * 40, "USD"),
        ("0.001", "USD"),
        ("12", None),
        ("12", "XYZ"),
        ("12", "usd"),
        ("12", "US$"),
        ("12", "\x00SD"),
        (1e308, "USD"),
        ("1,000", "USD"),
        ("٣", "USD"),
        ("５００", "USD"),
        ("1٣", "USD"),
        ("१२.५", "USD"),
    ):
        b.send(
            f"amount {amount!r} {currency!r}",
            "POST",
            "/api/v1/proposals/",
            expected={400},
            json_body={**proposal, "amount": amount, "currency": currency},
            odd=currency == "usd",
        )
    event = {
        "negotiation": n,
        "date": "2025-03-01",
        "kind": "meeting",
        "title": "Meeting",
        "sources": [{"url": "https://example.org/bad-input/known"}],
    }
    for time_value, zone in (
        ("24:00", "UTC"),
        ("23:59:60", "UTC"),
        ("14:30", "Mars/Olympus"),
        ("14:30", "../../etc/passwd"),
        ("14:30", "\x00"),
        ("99:99", None),
        ("14:30", "localtime"),
        ("14:30", "posixrules"),
        ("14:30", "Factory"),
        ("14:30", "right/UTC"),
        ("14:30", "US/Eastern"),
    ):
        b.send(
            f"time {time_value!r} zone {zone!r}",
            "POST",
            "/api/v1/events/",
            expected={400},
            json_body={**event, "time": time_value, "timezone": zone},
        )
    b.send(
        "unicode slug",
        "POST",
        "/api/v1/actors/",
        expected={400},
        as_user="bad-input-editor",
        json_body={"name": "Київ", "slug": "київ", "kind": "government"},
    )
    b.send("PROPFIND", "PROPFIND", post, expected={400, 405})

    # --- half-valid writes: nothing of them may stay ------------------------ #
    fresh = "https://example.org/bad-input/half-written"
    b.send(
        "good new source + bad source",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, sources=[{"url": fresh}, {"url": "javascript:x"}]),
    )
    b.send(
        "good new source + bad date",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, date="2025-02-30", sources=[{"url": fresh + "/2"}]),
    )
    b.send(
        "good new source + unknown proposal",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, proposal=2**62, sources=[{"url": fresh + "/3"}]),
    )
    b.send(
        "good new source + over-long context",
        "POST",
        post,
        expected={400},
        json_body=statement(ids, context="c" * 10_001, sources=[{"url": fresh + "/4"}]),
    )
    b.send(
        "journalist publishing with a new source",
        "POST",
        post,
        expected={403},
        json_body=statement(ids, published=True, sources=[{"url": fresh + "/5"}]),
    )
    b.send(
        "event with good actors + one unknown",
        "POST",
        "/api/v1/events/",
        expected={400},
        json_body={
            **event,
            "actors": [*ids["actors"][:2], 2**62],
            "sources": [{"url": fresh + "/6"}],
        },
    )

    # --- Unicode that must be stored exactly ------------------------------- #
    voices = {
        "Cyrillic": "Зеленський: «Я не можу продати нашу державу» — ґанок, їжак, ЁЖ",
        "right-to-left": (
            "\u202bقال المتحدث إن الاتفاق لم يكتمل بعد\u202c \u05e9\u05dc\u05d5\u05dd \u200f!"
        ),
        "bidi override": "file\u202egpj.exe \u2066isolate\u2069 \u061c",
        "emoji": (
            "🤝 \U0001f1fa\U0001f1e6 \U0001f469\U0001f3fd\u200d\U0001f4bb "
            "\U0001f3f3\ufe0f\u200d\U0001f308 1\ufe0f\u20e3"
        ),
        "combining marks": "Zoe\u0301 cafe\u0301 Z\u0337\u0321\u031ba\u0338l\u0336g\u0335o\u0334",
        "astral": "𠜎𠜱𠝹 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd",
        "zero-width": "a\u200bb\u200cc\u200dd\u2060e\ufeff",
        "newlines": "line 1\r\nline 2\u2028line 3\u2029\tend",
    }
    for label, text in voices.items():
        response = b.send(
            f"Unicode {label}",
            "POST",
            post,
            expected={201},
            written=True,
            json_body=statement(ids, text=text, context=text[:200]),
        )
        if response is not None and response.status_code == 201:
            stored = requests.get(
                response.json()["url"].replace("https://", "http://", 1),
                headers={"Authorization": f"Token {b.tokens['bad-input-journalist']}"},
                timeout=30,
            ).json()
            if stored.get("text") != text or stored.get("context") != text[:200]:
                b.problems.append(
                    f"Unicode {label}: read back {stored.get('text')!r}, not {text!r}"
                )
    for date in ("0001", "0001-01-01", "9999", "9999-12-31", "2024-02-29"):
        response = b.send(
            f"boundary date {date}",
            "POST",
            post,
            expected={201},
            written=True,
            json_body=statement(ids, date=date),
        )
        if response is not None and response.status_code == 201 and response.json()["date"] != date:
            b.problems.append(f"date {date} read back as {response.json()['date']}")
    for amount in ("0", "0.01", "999999999999999.99"):
        response = b.send(
            f"boundary amount {amount}",
            "POST",
            "/api/v1/proposals/",
            expected={201, 400},
            written=True,
            json_body={**proposal, "amount": amount, "currency": "UAH"},
        )
        if response is not None and response.status_code == 201:
            stored = response.json()["amount"]
            if stored is None or float(stored) != float(amount):
                b.problems.append(f"amount {amount} read back as {stored}")


def source_spellings(b, ids):
    """A known source's URL with its scheme and host in another case is the same source:
    refused as a new one, reused when an entry cites it."""
    known = "https://example.org/bad-input/known"
    for spelling in ("HTTPS://EXAMPLE.ORG/bad-input/known", "https://Example.Org/bad-input/known"):
        b.send(
            f"new source {spelling}",
            "POST",
            "/api/v1/sources/",
            expected={400},
            json_body={"url": spelling},
            as_user="bad-input-editor",
        )
        sources = row_counts()["negotiations.Source"]
        response = b.send(
            f"entry citing {spelling}",
            "POST",
            "/api/v1/statements/",
            expected={201},
            written=True,
            json_body=statement(ids, sources=[{"url": spelling}]),
        )
        if row_counts()["negotiations.Source"] != sources:
            b.problems.append(f"citing {spelling} created a second source for {known}")
        if response is not None and response.status_code == 201:
            cited = [source["url"] for source in response.json()["sources"]]
            if cited != [known]:
                b.problems.append(f"citing {spelling} cited {cited}, not {known}")


def direct_quotes(b, ids):
    """A direct quote typed with its own marks reads back without them (pages add “…”)."""
    for typed in ("“Yes.”", '"Yes."', "«Yes.»", "„Yes.“", "‘Yes.’", "'Yes.'", "‹Yes.›", "「Yes.」"):
        response = b.send(
            f"direct quote {typed}",
            "POST",
            "/api/v1/statements/",
            expected={201},
            written=True,
            json_body=statement(ids, kind="direct", text=f"  {typed} "),
        )
        stored = response.json()["text"] if response is not None and response.ok else "Yes."
        if stored != "Yes.":
            b.problems.append(f"direct quote {typed} stored as {stored!r}")
    b.send(
        "direct quote of marks only",
        "POST",
        "/api/v1/statements/",
        expected={400},
        json_body=statement(ids, kind="direct", text="“”"),
    )


def race(b, ids, writers=8, rounds=3):
    """Concurrent PATCHes of one proposal, all with the If-Match they read: each round one
    wins (200), every other is refused (412, or 409 with a sentence), none is a 5xx."""
    url = f"{b.base}/api/v1/proposals/{ids['proposal']}/"
    headers = {"Authorization": f"Token {b.tokens['bad-input-editor']}"}
    for round_ in range(rounds):
        version = requests.get(url, headers=headers, timeout=30).json()["version"]

        def patch(i, version=version, round_=round_):
            with requests.Session() as client:
                return client.patch(
                    url,
                    json={
                        "summary": f"Concurrent edit, round {round_}, writer {i}.",
                        "minor_fix": True,
                    },
                    headers={**headers, "If-Match": f'"{version}"'},
                    timeout=60,
                )

        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            answers = list(pool.map(patch, range(writers)))
        statuses = sorted(answer.status_code for answer in answers)
        b.cases += writers
        b.statuses.update(statuses)
        if any(status >= 500 for status in statuses) or statuses.count(200) != 1:
            b.problems.append(
                f"{writers} concurrent PATCHes with one If-Match answered {statuses}: "
                "expected one 200 and 412s"
            )
        for answer in answers:
            if answer.status_code == 409 and not answer.json().get("detail"):
                b.problems.append("a concurrent PATCH got a 409 without a sentence")
            if answer.status_code not in (200, 409, 412) and answer.status_code < 500:
                b.problems.append(f"a concurrent PATCH answered {answer.status_code}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8000")
    args = parser.parse_args()
    if not args.base.startswith(("http://127.0.0.1:", "http://localhost:")):
        fail("The bad-input battery runs against a server on this machine only.")
    setup_django()
    tokens, ids = users_and_ids()
    battery = Battery(args.base.rstrip("/"), tokens)
    run_battery(battery, ids)
    source_spellings(battery, ids)
    direct_quotes(battery, ids)
    race(battery, ids)
    say(
        f"bad input: {battery.cases} cases, answers {dict(sorted(battery.statuses.items()))}, "
        f"5xx: {sum(c for s, c in battery.statuses.items() if s >= 500)}"
    )
    for note in battery.notes:
        say(f"  note (accepted, arguably should be a 400): {note}")
    if battery.problems:
        for problem in battery.problems[:30]:
            say(f"  problem: {problem}")
        fail(f"{len(battery.problems)} bad-input case(s) went wrong, first: {battery.problems[0]}")
    say("PASSED: no 5xx, no traceback, nothing half-written, Unicode stored exactly.")


if __name__ == "__main__":
    run_main(main)
