"""Integers, ids and dates from query strings: Unicode digits, 65-bit ids and impossible days are "not given"."""

import datetime as dt

import pytest

from crm.core.parsing import MAX_ID, parse_datetime_param, parse_id, parse_ids, parse_int


@pytest.mark.parametrize("raw", ["²", "²²²²", "①", "١٢", "1²", "", " ", None, "1.5", "0x10", "1e3", "--1", True])
def test_what_is_not_an_ascii_integer_is_not_an_integer(raw):
    assert parse_int(raw) is None
    assert parse_int(raw, default=7) == 7


def test_ascii_integers_within_bounds_are_read():
    assert parse_int(" 42 ") == 42
    assert parse_int("-3") == -3
    assert parse_int("5", min_value=1, max_value=10) == 5
    assert parse_int("11", min_value=1, max_value=10) is None
    assert parse_int(12) == 12


def test_ids_are_positive_and_fit_the_database():
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_id("99999999999999999999") is None
    assert parse_id("0") is None and parse_id("-1") is None
    assert parse_ids(["3", "²", "3", "99999999999999999999", "1"]) == [3, 1]


@pytest.mark.parametrize("raw", ["2024-13-45T00:00:00", "2026-02-30T10:00", "0001-01-01T00:00:00", "x", ""])
def test_a_cursor_that_names_no_moment_is_none(raw):
    assert parse_datetime_param(raw) is None


def test_a_cursor_is_read_in_the_current_time_zone():
    moment = parse_datetime_param("2026-03-01T10:00:00")
    assert moment is not None and moment.tzinfo is not None
    assert parse_datetime_param("2026-03-01T10:00:00+00:00") == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
