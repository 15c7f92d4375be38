"""Tests with real threads against the real database, on PostgreSQL and on SQLite alike.

The suite's SQLite test database lives in memory with a shared cache, where a second writer is refused at once
("database table is locked") instead of waiting, unlike the file in WAL mode the CRM runs on. The
``threads_database`` fixture copies that test database into a file of the test's own and points the connections
at it for the test, so threads meet SQLite's real locking (busy timeout, ``BEGIN IMMEDIATE``); on PostgreSQL it
changes nothing. Use it with ``@pytest.mark.django_db(transaction=True)``, before fixtures that write::

    from crm.core.testing.threads import run_together, threads_database  # noqa: F401 - the fixture

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.usefixtures("threads_database")
    def test_…(org): …
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.db import connection, connections


@pytest.fixture
def threads_database(transactional_db, tmp_path) -> Iterator[None]:
    settings = connections.settings["default"]
    name = str(settings["NAME"])
    if connection.vendor != "sqlite" or not cast(Any, connection).is_in_memory_db():
        yield
        return
    keeper = sqlite3.connect(name, uri=True)  # keeps the in-memory test database alive meanwhile
    path = tmp_path / "threads.sqlite3"
    target = sqlite3.connect(path)
    keeper.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    settings["NAME"] = str(path)
    connection.close()  # (refused while the name was the in-memory one: Django keeps that database open)
    try:
        yield
    finally:
        connection.close()
        settings["NAME"] = name
        connection.ensure_connection()  # the in-memory database lives as long as one connection to it does
        keeper.close()


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Runs the jobs in threads released at the same moment and returns their results in order, or raises the
    first error. Each thread has its own database connection, closed when it ends."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
