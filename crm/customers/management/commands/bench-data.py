"""`crm bench-data --customers N`: N realistic Chinese customers with 2 contacts each, for the benchmarks.

Fast by design (a million customers in a few minutes): rows are built as plain tuples with every derived column
(search text, blind indexes, ciphertext) computed here and written with one prepared INSERT per table
(``executemany``), one transaction per batch, the search index filled once per batch. The ORM's
``bulk_create`` spent ~90 % of its time assembling SQL for each row (1,200 customers/s), so it is not used.
Pinyin is computed per name part and composed; values that repeat (timestamps) are converted once.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import cached_property
from pypinyin import Style, lazy_pinyin

from crm.accounts.models import User
from crm.core.crypto import blind_index, encrypt
from crm.core.fulltext import search_index_filled_in_bulk
from crm.core.sqlite import larger_page_cache
from crm.core.tasks import refresh_query_statistics
from crm.customers.apps import NUMBER_SEQUENCE
from crm.customers.demo import CITIES, GIVEN, INDUSTRIES, LEVELS, SOURCES, SURNAMES, TRADES, WORDS
from crm.customers.models import Contact, Customer, name_key
from crm.system.numbering import next_numbers

SUFFIX = "有限公司"
STAGES = ["prospect", "new", "active", "active", "dormant", "lost"]


def _py(word: str) -> tuple[str, str]:
    return "".join(lazy_pinyin(word)), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


class _Table:
    """One prepared INSERT for a model: the columns given per row, every other column at its default."""

    def __init__(self, model: type[models.Model], given: list[str]):
        fields = list(model._meta.concrete_fields)
        self.given = given
        # Every other column gets its default; an id left out is the database's to give.
        defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields
                    if f.attname not in given and not f.primary_key}
        self.columns = [*given, *defaults]
        self.tail = tuple(defaults.values())
        quote = connection.ops.quote_name
        self.sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in self.columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(self.columns))})")

    def insert(self, cursor, rows: list[tuple]) -> None:
        cursor.executemany(self.sql, [row + self.tail for row in rows])


class Command(BaseCommand):
    help = "Generate N benchmark customers with 2 contacts each."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--batch", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=20261124)

    def handle(self, *args, customers: int, batch: int, seed: int, **options):
        rng = random.Random(seed)
        owners = list(User.objects.filter(is_active=True).exclude(department=None).values_list("pk", "department_id"))
        if not owners:
            self.stderr.write("Load the demo organisation first: crm demo")
            return
        customer_table = _Table(Customer, ["id", "name", "kind", "phone", "email", "industry", "level", "source",
                                           "owner_id", "department_id", "created_by_id", "search_text",
                                           "name_key", "last_follow_up_at", "lifecycle_stage", "created_at",
                                           "updated_at", "idle_since", "number"])
        contact_table = _Table(Contact, ["customer_id", "name", "mobile", "email", "mobile_index", "email_index",
                                         "search_text", "created_at", "updated_at"])
        # Ids are given, so contacts can point at their customer without reading ids back.
        first_id = (Customer.all_objects.aggregate(top=Max("id"))["top"] or 0) + 1
        started = time.monotonic()
        made = 0
        with larger_page_cache():
            while made < customers:
                rows, people = self._rows(rng, owners, first_id + made, made, min(batch, customers - made))
                with (transaction.atomic(), search_index_filled_in_bulk(Customer),
                      search_index_filled_in_bulk(Contact), connection.cursor() as cursor):
                    # One block of customer numbers per batch, as an import takes them; searchable like any.
                    rows = [(*row[:11], f"{row[11]} {number.lower()}", *row[12:], number)
                            for row, number in zip(rows, next_numbers(NUMBER_SEQUENCE, len(rows)), strict=True)]
                    customer_table.insert(cursor, rows)
                    contact_table.insert(cursor, people)
                made += len(rows)
                if made % (batch * 5) == 0 or made == customers:
                    self.stdout.write(f"{made} customers ({made / (time.monotonic() - started):,.0f}/s)")
        self._reset_sequences()
        self.stdout.write(self.style.SUCCESS(f"Done: {made} customers, {2 * made} contacts in "
                                             f"{time.monotonic() - started:.0f}s"))
        # The planner's statistics for the new rows (SQLite keeps none until told); see refresh_statistics.
        analysed = time.monotonic()
        refresh_query_statistics()
        self.stdout.write(f"Statistics refreshed (ANALYZE) in {time.monotonic() - analysed:.0f}s")

    @cached_property
    def _pinyin(self) -> dict[str, tuple[str, str]]:
        return {w: _py(w) for w in {*CITIES, *WORDS, *TRADES, *SURNAMES, *GIVEN, SUFFIX}}

    @cached_property
    def _times(self) -> tuple[Any, list[Any]]:
        """Now and the 401 possible last follow-ups, in their database form, converted once."""
        now = timezone.now()
        prep = connection.ops.adapt_datetimefield_value
        return prep(now), [prep(now - dt.timedelta(days=days)) for days in range(401)]

    def _rows(self, rng: random.Random, owners: list[tuple[int, int]], first_pk: int, first_n: int,
              size: int) -> tuple[list[tuple], list[tuple]]:
        """One batch: customer rows and their contacts' rows, in the columns of the two _Tables."""
        pinyin = self._pinyin
        now, follow_ups = self._times
        rows: list[tuple] = []
        people: list[tuple] = []
        for i in range(size):
            n, pk = first_n + i, first_pk + i
            city, word, trade = rng.choice(CITIES), rng.choice(WORDS), rng.choice(TRADES)
            name = f"{city}{word}{trade}{SUFFIX}{n}"
            parts = (city, word, trade, SUFFIX)
            full = "".join(pinyin[p][0] for p in parts) + str(n)
            initials = "".join(pinyin[p][1] for p in parts) + str(n)
            phone = f"0{rng.randint(10, 999)}{rng.randint(10_000_000, 99_999_999)}"
            email = f"info{n}@example.cn"
            owner_id, department_id = rng.choice(owners)
            rows.append((pk, name, "company", phone, email, rng.choice(INDUSTRIES), rng.choice(LEVELS),
                         rng.choice(SOURCES), owner_id, department_id, owner_id,
                         f"{name.lower()} {full} {initials}", name_key(name),  # phone, e-mail: indexed apart
                         follow_ups[rng.randint(0, 400)], rng.choice(STAGES), now, now,
                         now))  # idle since: the creation, later than any follow-up drawn
            for _ in range(2):
                surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
                mobile = f"1{rng.choice('3578')}{rng.randint(100_000_000, 999_999_999)}"
                contact_email = f"c{n}.{rng.randint(1, 9999)}@example.cn"
                people.append((pk, surname + given, encrypt(mobile), encrypt(contact_email),
                               blind_index(mobile), blind_index(contact_email),
                               f"{surname}{given} {pinyin[surname][0]}{pinyin[given][0]} "
                               f"{pinyin[surname][1]}{pinyin[given][1]}", now, now))
        return rows, people

    @staticmethod
    def _reset_sequences() -> None:
        """PostgreSQL's id sequence does not know about ids given by hand; SQLite needs nothing."""
        statements = connection.ops.sequence_reset_sql(no_style(), [Customer])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
