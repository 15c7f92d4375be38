"""Document numbers: formats, resets, gap-free under rollback and concurrency, the admin page.

The platform's tests use a sequence of their own (``tests.document``) whose numbers live in a platform column
(dictionary item codes), so nothing here depends on a business module."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.system.models import DictionaryItem, NumberSequence
from crm.system.numbering import SEQUENCES, next_number, next_numbers, register_sequence, sequence_row

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CODE = "tests.document"


def at(year: int, month: int, day: int = 15) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=SHANGHAI)


@pytest.fixture
def sequence():
    """A registered sequence: TD + year + 4 digits, restarting every year; its numbers are dictionary codes."""
    register_sequence(CODE, "Test document", default_prefix="TD", date_part="year", reset="yearly", padding=4,
                      column="system.DictionaryItem.code")
    yield CODE
    SEQUENCES.pop(CODE, None)


def set_format(**fields):
    sequence_row(CODE)
    NumberSequence.objects.filter(code=CODE).update(**fields)


def test_the_registered_format_gives_prefix_year_and_padded_counter(sequence):
    assert next_number(sequence, when=at(2026, 5)) == "TD2026-0001"
    assert next_number(sequence, when=at(2026, 5)) == "TD2026-0002"


def test_formats_follow_the_stored_sequence(sequence):
    next_number(sequence, when=at(2026, 5))
    set_format(prefix="HT/", date_part="month", separator="", padding=6)
    assert next_number(sequence, when=at(2026, 5)) == "HT/202605000002"
    set_format(prefix="Q", date_part="none", reset="never", padding=3)
    assert next_number(sequence, when=at(2026, 5)) == "Q003"


def test_a_counter_outgrowing_its_padding_keeps_counting(sequence):
    set_format(padding=1)
    numbers = next_numbers(sequence, 11, when=at(2026, 5))
    assert numbers[8:] == ["TD2026-9", "TD2026-10", "TD2026-11"] and len(set(numbers)) == 11


def test_the_counter_starts_again_each_year(sequence):
    assert next_numbers(sequence, 2, when=at(2026, 12, 31)) == ["TD2026-0001", "TD2026-0002"]
    assert next_number(sequence, when=at(2027, 1, 1)) == "TD2027-0001"
    # Months within a year do not restart it.
    assert next_number(sequence, when=at(2027, 2)) == "TD2027-0002"


def test_the_counter_starts_again_each_month(sequence):
    set_format(date_part="month", reset="monthly")
    assert next_number(sequence, when=at(2026, 5)) == "TD202605-0001"
    assert next_number(sequence, when=at(2026, 5)) == "TD202605-0002"
    assert next_number(sequence, when=at(2026, 6)) == "TD202606-0001"


def test_a_counter_that_never_restarts_runs_across_years(sequence):
    set_format(reset="never")
    assert next_number(sequence, when=at(2026, 12)) == "TD2026-0001"
    assert next_number(sequence, when=at(2027, 1)) == "TD2027-0002"


def test_periods_never_go_back(sequence):
    next_number(sequence, when=at(2027, 1))
    # A document dated last year still counts in the sequence's current year: 2026-0001 exists already.
    assert next_number(sequence, when=at(2026, 12)) == "TD2027-0002"


def test_the_month_is_the_companys_not_utcs(sequence):
    set_format(date_part="month", reset="monthly")
    # 1 June 00:30 in Shanghai is still 31 May in UTC.
    assert next_number(sequence, when=dt.datetime(2026, 5, 31, 16, 30, tzinfo=dt.UTC)) == "TD202606-0001"


def test_a_rolled_back_transaction_gives_its_number_back(sequence):
    assert next_number(sequence, when=at(2026, 5)) == "TD2026-0001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_numbers(sequence, 3, when=at(2026, 5)) == ["TD2026-0002", "TD2026-0003", "TD2026-0004"]
        raise RuntimeError("the document could not be saved")
    assert next_number(sequence, when=at(2026, 5)) == "TD2026-0002"


def test_a_block_is_taken_by_one_statement(sequence):
    next_number(sequence)  # the row exists
    register_sequence(CODE, "Test document", default_prefix="TD", padding=4)  # no column to check
    with CaptureQueriesContext(connection) as queries:
        numbers = next_numbers(sequence, 5000)
    assert len(numbers) == len(set(numbers)) == 5000
    assert len(queries) == 1 and queries[0]["sql"].lstrip().startswith("UPDATE")


def test_numbers_already_used_are_skipped(sequence, admin_user):
    # E.g. a format changed back to an old one, or a number kept from an import.
    for code in ("TD2026-0002", "TD2026-0003"):
        DictionaryItem.objects.create(kind="industry", code=code, label_zh=code, label_en=code)
    assert next_numbers(sequence, 3, when=at(2026, 5)) == ["TD2026-0001", "TD2026-0004", "TD2026-0005"]


def test_a_reset_needs_the_period_in_the_number():
    with pytest.raises(ValidationError) as error:
        NumberSequence(code="x", prefix="A", date_part="none", reset="yearly", padding=4).full_clean()
    assert "reset" in error.value.message_dict
    with pytest.raises(ValidationError):
        NumberSequence(code="x", prefix="A", date_part="year", reset="monthly", padding=4).full_clean()
    with pytest.raises(ValidationError):
        register_sequence("tests.bad", "Bad", default_prefix="B", date_part="none", reset="monthly")
    assert "tests.bad" not in SEQUENCES


def test_an_unregistered_sequence_is_a_programming_error():
    with pytest.raises(LookupError):
        next_number("tests.unknown")


@pytest.mark.django_db(transaction=True)
def test_numbers_are_taken_inside_the_callers_transaction(sequence):
    with pytest.raises(RuntimeError, match="transaction"):
        next_number(sequence)


# --- concurrency -----------------------------------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer: its test database (shared in-memory) refuses a second writer instead of waiting",
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_get_the_same_number_and_leave_no_gap(sequence):
    with transaction.atomic():
        next_number(sequence)  # the row exists before the race
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        try:
            start.wait()
            for round_ in range(5):
                with transaction.atomic():
                    if (index + round_) % 3 == 0:  # some callers fail after taking numbers
                        try:
                            with transaction.atomic():
                                next_numbers(sequence, 2)
                                raise ValueError
                        except ValueError:
                            pass
                    results.extend(next_numbers(sequence, 1 + index % 2))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    counters = sorted(int(number.rsplit("-", 1)[1]) for number in results)
    assert counters == list(range(2, 2 + len(results)))  # unique and gap-free, whatever rolled back


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_waiting_caller_gets_the_number_a_rolled_back_caller_gave_back(sequence):
    with transaction.atomic():
        next_number(sequence, when=at(2026, 5))
    taken, released, got = threading.Event(), threading.Event(), []

    def first() -> None:
        try:
            with transaction.atomic():
                got.append(("first", next_number(sequence, when=at(2026, 5))))
                taken.set()
                released.wait(10)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def second() -> None:
        try:
            taken.wait(10)
            with transaction.atomic():
                got.append(("second", next_number(sequence, when=at(2026, 5))))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    taken.wait(10)
    threads[1].join(0.5)
    assert threads[1].is_alive()  # waits for the first caller's row lock
    released.set()
    for thread in threads:
        thread.join(10)
    assert got == [("first", "TD2026-0002"), ("second", "TD2026-0002")]


# --- the admin page ----------------------------------------------------------------------------------------------


def test_the_admin_lists_sequences_with_their_next_number(sequence, client_for, admin_user):
    page = client_for(admin_user).get(reverse("system:number_sequences")).content.decode()
    assert "Test document" in page and f"TD{timezone.localdate().year}-0001" in page
    assert not NumberSequence.objects.filter(code=CODE).exists()  # looking changes nothing


def test_the_admin_changes_the_format_and_the_counter_goes_on(sequence, client_for, admin_user):
    with transaction.atomic():
        next_numbers(sequence, 7)
    url = reverse("system:number_sequence_edit", args=[CODE])
    client = client_for(admin_user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"prefix": "DOC", "date_part": "month", "separator": "/", "padding": "5",
                                 "reset": "monthly"})
    assert response.status_code == 302
    stored = NumberSequence.objects.get(code=CODE)
    assert (stored.prefix, stored.date_part, stored.padding, stored.counter) == ("DOC", "month", 5, 7)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(stored.pk)).get()
    assert event.changes["prefix"] == ["TD", "DOC"]
    today = timezone.localdate()
    assert next_number(sequence) == f"DOC{today.year}{today.month:02d}/00008"


def test_a_format_that_would_repeat_numbers_is_refused_with_a_message(sequence, client_for, admin_user):
    url = reverse("system:number_sequence_edit", args=[CODE])
    response = client_for(admin_user).post(url, {"prefix": "TD", "date_part": "none", "separator": "",
                                                 "padding": "4", "reset": "yearly"})
    assert response.status_code == 200
    assert "编号中必须包含年份" in response.content.decode()
    bad = client_for(admin_user).post(url, {"prefix": "T D", "date_part": "year", "separator": "-",
                                            "padding": "40", "reset": "yearly"})
    assert bad.status_code == 200 and "1 到 12 位" in bad.content.decode()
    assert not NumberSequence.objects.filter(code=CODE).exists()


def test_the_live_example_shows_the_format_being_typed(sequence, client_for, admin_user):
    url = reverse("system:number_sequence_preview", args=[CODE])
    client = client_for(admin_user)
    response = client.get(url, {"prefix": "X-", "date_part": "none", "separator": "", "padding": "3",
                                "reset": "never"})
    assert response.content.decode() == "<code>X-001</code>"
    wrong = client.get(url, {"prefix": "X", "date_part": "none", "padding": "3", "reset": "monthly"})
    assert "请先改正格式" in wrong.content.decode()


def test_only_system_edit_may_change_a_format(sequence, client_for, rep, manager):
    url = reverse("system:number_sequence_edit", args=[CODE])
    for user in (rep, manager):
        response = client_for(user).post(url, {"prefix": "HACK", "date_part": "year", "separator": "-",
                                               "padding": "4", "reset": "yearly"})
        assert response.status_code == 403
    assert client_for(rep).get(reverse("system:number_sequences")).status_code == 403
    assert not NumberSequence.objects.filter(code=CODE).exists()


def test_an_unknown_sequence_is_a_404(client_for, admin_user):
    assert client_for(admin_user).get(reverse("system:number_sequence_edit", args=["nope"])).status_code == 404


def test_the_api_reads_and_changes_a_format_for_admins_only(sequence, api_client_for, admin_user, rep):
    url = f"/api/v1/number-sequences/{CODE}/"
    admin = api_client_for(admin_user)
    listed = admin.get("/api/v1/number-sequences/").json()
    assert {"code": CODE, "label": "Test document"}.items() <= next(s for s in listed if s["code"] == CODE).items()
    changed = admin.patch(url, {"prefix": "API", "padding": 3, "counter": 99}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["next_number"] == f"API{timezone.localdate().year}-001"  # the counter is not writable
    refused = admin.patch(url, {"date_part": "none"}, format="json")  # would repeat numbers every year
    assert refused.status_code == 400 and "reset" in refused.json()["error"]["fields"]
    assert api_client_for(rep).get(url).status_code == 403
    assert api_client_for(rep).patch(url, {"prefix": "X"}, format="json").status_code == 403
    assert admin.get("/api/v1/number-sequences/nope/").status_code == 404


def test_numbers_the_caller_is_about_to_write_are_skipped(sequence):
    # An import keeping its file's numbers asks for the rest of the block around them.
    numbers = next_numbers(sequence, 3, when=at(2026, 5), reserved={"TD2026-0001", "TD2026-0003", "OTHER-1"})
    assert numbers == ["TD2026-0002", "TD2026-0004", "TD2026-0005"]
