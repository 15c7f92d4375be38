"""The customer number (客户编号) column of an import: an exported file carries it and keeps it; a new customer
keeps a number it is given when the number is well-formed and free, else the row gets a clear error; without one
the sequence numbers it, stepping over the numbers the file gives."""

import pytest
from django.utils import translation

from crm.customers.models import Customer
from crm.customers.services import create_customer, delete_customer
from crm.imports.tests.sample_files import csv_upload, preview, rows_by_action, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def messages(job, row: int) -> list[str]:
    return next(issue["messages"] for issue in job.issues if issue["row"] == row)


def test_a_new_customer_keeps_the_number_the_file_gives_and_the_sequence_steps_over_it(
    rep, django_capture_on_commit_callbacks
):
    # Given the sequence's next two numbers, and a file giving the second of them to its first row
    first = create_customer(actor=rep, data={"name": "先建的客户"}).number
    prefix, counter = first.rsplit("-", 1)
    following = [f"{prefix}-{int(counter) + n:06d}" for n in (1, 2, 3)]
    rows = [["客户名称", "客户编号"], ["甲有编号有限公司", following[1]], ["乙无编号有限公司", ""],
            ["丙自编号有限公司", "OLD/2019-007"]]

    # When it is imported (the 客户编号 heading is recognised by itself)
    job = preview(rep, csv_upload(rows))
    assert job.mapping == {"客户名称": "name", "客户编号": "number"} and job.error_count == 0
    run(rep, job, django_capture_on_commit_callbacks)

    # Then the given numbers are kept and the row without one got the next free number of the sequence
    numbers = dict(Customer.objects.filter(name__in=[r[0] for r in rows[1:]]).values_list("name", "number"))
    assert numbers == {"甲有编号有限公司": following[1], "乙无编号有限公司": following[0],
                       "丙自编号有限公司": "OLD/2019-007"}
    # and the sequence goes on past both
    assert create_customer(actor=rep, data={"name": "后建的客户"}).number == following[2]


def test_a_number_that_is_malformed_taken_or_given_twice_is_a_row_error(rep, other_rep):
    taken = create_customer(actor=other_rep, data={"name": "别人的客户"}).number  # not even visible to the rep
    binned = create_customer(actor=rep, data={"name": "回收站里的客户"})
    delete_customer(actor=rep, customer=binned)  # in the recycle bin, it keeps its number
    rows = [["客户名称", "客户编号"], ["一号公司", "KH 0001"], ["二号公司", taken], ["三号公司", binned.number],
            ["四号公司", "X-1"], ["五号公司", "X-1"], ["六号公司", "X-2"]]

    job = preview(rep, csv_upload(rows))

    assert rows_by_action(job) == {"error": {2, 3, 4, 6}}
    assert messages(job, 2) == ["Customer number: A customer number uses letters, digits, - _ / or ."]
    assert messages(job, 3) == messages(job, 4) == ["Customer number: Another customer already has this number."]
    assert messages(job, 6) == ["Customer number: Row 5 of this file has this number already."]
    assert job.created_count == 2


def test_an_update_keeps_the_number_and_refuses_another(rep, django_capture_on_commit_callbacks):
    own = create_customer(actor=rep, data={"name": "自己的客户有限公司", "level": "C"})
    other = create_customer(actor=rep, data={"name": "另一家有限公司", "level": "C"})
    rows = [["编号", "客户编号", "客户名称", "级别"], [own.pk, own.number, own.name, "B"],
            [other.pk, "KH-CHANGED-1", other.name, "A"]]

    job = preview(rep, csv_upload([[str(cell) for cell in row] for row in rows]), policy="update")

    assert rows_by_action(job) == {"update": {2}, "error": {3}}
    assert messages(job, 3) == ["Customer number: The customer number cannot be changed."]
    run(rep, job, django_capture_on_commit_callbacks)
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.level, other.level, other.number) == ("B", "C", Customer.objects.get(pk=other.pk).number)
    assert other.number != "KH-CHANGED-1"


def test_a_number_taken_between_the_preview_and_the_run_is_reported_and_the_rest_imported(
    rep, django_capture_on_commit_callbacks
):
    job = preview(rep, csv_upload([["客户名称", "客户编号"], ["早到公司", "ZD-1"], ["其他公司", "ZD-2"]]))
    assert job.error_count == 0
    create_customer(actor=rep, data={"name": "抢先的客户", "number": "ZD-1"})

    job = run(rep, job, django_capture_on_commit_callbacks)

    assert job.status == "done" and job.created_count == 1
    assert rows_by_action(job) == {"error": {2}}
    assert messages(job, 2) == ["Customer number: Another customer already has this number."]
    assert Customer.objects.get(number="ZD-2").name == "其他公司"
    assert Customer.objects.get(number="ZD-1").name == "抢先的客户"


def test_a_new_customer_that_became_a_duplicate_after_the_preview_is_not_given_the_files_number(
    rep, django_capture_on_commit_callbacks
):
    # Given a file creating a customer with a number of its own, checked while nobody else has that customer
    job = preview(rep, csv_upload([["客户名称", "客户编号"], ["迟到的重复客户有限公司", "LATE-1"]]), policy="update")
    assert job.error_count == 0
    # When someone creates the same customer (another number) before the import runs
    twin = create_customer(actor=rep, data={"name": "迟到的重复客户有限公司"})

    job = run(rep, job, django_capture_on_commit_callbacks)

    # Then the row would update it with another number: an error, and the customer keeps its number
    assert rows_by_action(job) == {"error": {2}}
    assert messages(job, 2) == ["Customer number: The customer number cannot be changed."]
    assert Customer.objects.get(pk=twin.pk).number == twin.number
