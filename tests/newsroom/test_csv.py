"""CSV backfill: every row checked, every bad row named by its line, all or nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from negotiations.models import Entry, Event, Expectation, Proposal, Source, Statement, StatusChange
from tests.factories import ActorFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = "negotiation,type,date,speaker,text,title,kind,proposal,status,source_url,state\n"


@pytest.fixture
def people(db):
    return {
        "witkoff": ActorFactory(slug="witkoff", name="Steve Witkoff", aliases=["Witkoff"]),
        "zelenskyy": ActorFactory(
            slug="zelenskyy", name="Volodymyr Zelenskyy", aliases=["Zelensky"]
        ),
    }


def run(tmp_path, text, *args, encoding="utf-8"):
    path = tmp_path / "entries.csv"
    path.write_bytes(text.encode(encoding))
    out, err = StringIO(), StringIO()
    try:
        call_command("import_entries_csv", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return str(error), out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


GOOD = HEADER + (
    "talks,proposal,2025-02,witkoff,Half the revenue,$500 billion,,,,https://ap.example/1,draft\n"
    "talks,status_change,2025-02-23,,Off the table.,,,$500 billion,withdrawn,https://ap.example/1,\n"
    'talks,statement,2025-02,Zelensky,"I will not sign, ""ten generations""",,direct,'
    "$500 billion,,https://ap.example/1 https://ap.example/2,\n"
    "talks,event,2025-02-28,witkoff;zelenskyy,In Washington,Signing,signing,,,,review\n"
    "talks,expectation,2025-02-25,Steve Witkoff,A deal this week,,,,,,\n"
)


def test_a_good_file_imports_every_kind(tmp_path, negotiation, people):
    known = SourceFactory(url="https://ap.example/2")
    error, out, _ = run(tmp_path, GOOD)
    assert error is None
    assert "Imported 5 entries" in out
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.date.edtf, proposal.proposed_by) == (
        "$500 billion",
        "2025-02",
        people["witkoff"],
    )
    change = StatusChange.objects.get()
    assert (change.proposal, change.status, change.note) == (
        proposal,
        "withdrawn",
        "Off the table.",
    )
    statement = Statement.objects.get()
    assert statement.actor == people["zelenskyy"]
    assert statement.text == 'I will not sign, "ten generations"'
    assert {s.url for s in statement.sources.all()} == {"https://ap.example/1", known.url}
    event = Event.objects.get()
    assert set(event.actors.all()) == set(people.values())
    assert event.state == "review"
    assert Expectation.objects.get().actor == people["witkoff"]
    assert Source.objects.count() == 2  # one new, one reused


def test_one_bad_row_means_nothing_is_imported_and_the_line_is_named(tmp_path, negotiation, people):
    text = GOOD + "talks,statement,2025-02,Nobody Known,Hello,,,,,,\n"
    error, _, err = run(tmp_path, text)
    assert error == "1 of 6 rows is bad; nothing was imported."
    assert err.strip().endswith(
        "line 7: speaker: “Nobody Known” is not a known actor (give a slug, a name or an alias)."
    )
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


def test_every_bad_row_is_reported_with_its_reason(tmp_path, negotiation, people):
    text = HEADER + (
        "talks,statement,2025-13,witkoff,Hello,,,,,,\n"  # line 2
        'talks,statement,2025-02,witkoff,"Two\nlines",,,,,,\n'  # lines 3-4: good
        "talks,status_change,2025-02,,,,,No such deal,withdrawn,,\n"  # line 5
        "talks,event,2025-02,,,,,,,,published\n"  # line 6
        "elsewhere,statement,2025,witkoff,Hi,,,,,,\n"  # line 7
        ",,,,,,,,,,\n"  # line 8: blank, skipped
        "talks,rumour,2025,witkoff,Hi,,,,,,\n"  # line 9
        "talks,statement,2025,witkoff,Hi,,shout,,,,\n"  # line 10
    )
    error, _, err = run(tmp_path, text)
    assert error == "6 of 7 rows are bad; nothing was imported."
    lines = [line.split(", ", 1)[1] for line in err.strip().splitlines()]
    assert lines == [
        'line 2: date: "2025-13" is not a date that exists. '
        'A year, month or day: "2025", "2025-02" or "2025-02-23".',
        "line 5: proposal: no proposal titled “No such deal” in “talks” "
        "(a proposal row earlier in the file counts).",
        "line 6: title: This field cannot be blank.; "
        "source_url: A published entry cites at least one source.",
        "line 7: negotiation: there is no negotiation “elsewhere”.",
        "line 9: type: “rumour” is not one of event, expectation, proposal, statement, "
        "status_change.",
        "line 10: kind: Value 'shout' is not a valid choice.",
    ]
    assert not Entry.objects.exists()


def test_amounts_in_other_digits_are_refused(tmp_path, negotiation, people):
    """Decimal("٣٠٠") is 300: a number typed so would be stored as another."""
    text = (
        "negotiation,type,date,title,amount,currency\n"
        "talks,proposal,2025-02,Arabic-Indic,٥٠٠,USD\n"
        "talks,proposal,2025-02,Fullwidth,５００,USD\n"
        "talks,proposal,2025-02,Plain,500,USD\n"
    )
    error, _, err = run(tmp_path, text)
    assert error == "2 of 3 rows are bad; nothing was imported."
    assert [line.split(", ", 1)[1] for line in err.strip().splitlines()] == [
        "line 2: amount: “٥٠٠”: Write numbers with the digits 0 to 9.",
        "line 3: amount: “５００”: Write numbers with the digits 0 to 9.",
    ]
    assert not Entry.objects.exists()


def test_rights_apply_to_the_user_named(tmp_path, negotiation, people, journalist):
    text = HEADER + "talks,statement,2025,witkoff,Hi,,,,,https://ap.example/1,published\n"
    error, _, err = run(tmp_path, text, "--user", "jane")
    assert "line 2: Only editors can publish entries." in err
    assert error == "1 of 1 rows is bad; nothing was imported."
    error, _, _ = run(tmp_path, text)  # the system (an operator) may
    assert error is None and Statement.objects.get().state == "published"


def test_a_dry_run_checks_everything_and_imports_nothing(tmp_path, negotiation, people):
    error, out, _ = run(tmp_path, GOOD, "--dry-run")
    assert error is None
    assert "All 5 rows are valid" in out
    assert not Entry.objects.exists()


def test_the_negotiation_can_be_given_once(tmp_path, negotiation, people):
    text = "type,date,speaker,text\nstatement,2025-02-25,witkoff,We are close.\n"
    error, _, _ = run(tmp_path, text, "--negotiation", "talks")
    assert error is None
    assert Statement.objects.get().negotiation == negotiation


def test_a_spreadsheet_bom_is_fine(tmp_path, negotiation, people):
    text = "\ufeff" + HEADER + "talks,statement,2025,witkoff,Hi,,,,,,\n"
    assert run(tmp_path, text)[0] is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The file is empty"),
        ("type,date,colour\n", "Line 1 names unknown columns: colour."),
        ("type,speaker\n", "Line 1 lacks the column(s): date, negotiation."),
        ("type,date,date,negotiation\n", "Line 1 names a column twice: date."),
    ],
)
def test_a_bad_header_is_explained(tmp_path, negotiation, text, words):
    error, _, _ = run(tmp_path, text)
    assert error.startswith("Nothing was imported.")
    assert words in error


def test_a_file_that_is_not_utf8_is_explained(tmp_path, negotiation, people):
    text = HEADER + "talks,statement,2025,witkoff,Café,,,,,,\n"
    error, _, _ = run(tmp_path, text, encoding="latin-1")
    assert error == (
        f"Nothing was imported. Line 2 of {tmp_path / 'entries.csv'} is not UTF-8 text "
        "(save the file as CSV UTF-8)."
    )


def test_a_missing_file_is_explained(tmp_path):
    with pytest.raises(CommandError, match=r"Could not read .*: No such file or directory\."):
        call_command("import_entries_csv", str(tmp_path / "nope.csv"))
