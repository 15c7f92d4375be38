"""`crm bench-data --customers N`: N realistic Chinese customers with 2 contacts each, for the benchmarks.

Fast by design (a million customers in minutes): rows are built in memory with every derived column (search
text, blind indexes, ciphertext) computed here, then bulk-inserted in large batches inside one transaction per
batch. Pinyin is computed per name part and composed, not per full name.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from crm.accounts.models import User
from crm.core.crypto import blind_index
from crm.core.tasks import refresh_query_statistics
from crm.customers.apps import NUMBER_SEQUENCE
from crm.customers.demo import CITIES, GIVEN, INDUSTRIES, LEVELS, SOURCES, SURNAMES, TRADES, WORDS
from crm.customers.models import Contact, Customer, name_key
from crm.system.numbering import next_numbers

SUFFIX = "有限公司"
STAGES = ["prospect", "new", "active", "active", "dormant", "lost"]


def _py(word: str) -> tuple[str, str]:
    return "".join(lazy_pinyin(word)), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


class Command(BaseCommand):
    help = "Generate N benchmark customers with 2 contacts each."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=20261124)

    def handle(self, *args, customers: int, batch: int, seed: int, **options):
        rng = random.Random(seed)
        owners = list(User.objects.filter(is_active=True).exclude(department=None).values_list("pk", "department_id"))
        if not owners:
            self.stderr.write("Load the demo organisation first: crm demo")
            return
        pinyin = {w: _py(w) for w in {*CITIES, *WORDS, *TRADES, *SURNAMES, *GIVEN, SUFFIX}}
        now = timezone.now()
        started = time.monotonic()
        made = 0
        while made < customers:
            size = min(batch, customers - made)
            rows, people = [], []
            for i in range(size):
                n = made + i
                city, word, trade = rng.choice(CITIES), rng.choice(WORDS), rng.choice(TRADES)
                name = f"{city}{word}{trade}{SUFFIX}{n}"
                parts = (city, word, trade, SUFFIX)
                full = "".join(pinyin[p][0] for p in parts) + str(n)
                initials = "".join(pinyin[p][1] for p in parts) + str(n)
                phone = f"0{rng.randint(10, 999)}{rng.randint(10_000_000, 99_999_999)}"
                owner_id, department_id = rng.choice(owners)
                rows.append(Customer(
                    name=name, kind="company", phone=phone, email=f"info{n}@example.cn",
                    industry=rng.choice(INDUSTRIES), level=rng.choice(LEVELS), source=rng.choice(SOURCES),
                    owner_id=owner_id, department_id=department_id, created_by_id=owner_id,
                    search_text=f"{name.lower()} {full} {initials} {phone} info{n}@example.cn",
                    name_key=name_key(name), last_follow_up_at=now - dt.timedelta(days=rng.randint(0, 400)),
                    lifecycle_stage=rng.choice(STAGES), created_at=now, updated_at=now))
                for _ in range(2):
                    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
                    mobile = f"1{rng.choice('3578')}{rng.randint(100_000_000, 999_999_999)}"
                    email = f"c{n}.{rng.randint(1, 9999)}@example.cn"
                    people.append((n - made, Contact(
                        name=surname + given, mobile=mobile, email=email, mobile_index=blind_index(mobile),
                        email_index=blind_index(email),
                        search_text=f"{surname}{given} {pinyin[surname][0]}{pinyin[given][0]} "
                                    f"{pinyin[surname][1]}{pinyin[given][1]}",
                        created_at=now, updated_at=now)))
            with transaction.atomic():
                # One block of customer numbers per batch, as an import takes them.
                for row, number in zip(rows, next_numbers(NUMBER_SEQUENCE, size), strict=True):
                    row.number, row.search_text = number, f"{row.search_text} {number.lower()}"
                Customer.objects.bulk_create(rows, batch_size=size)
                for index, contact in people:
                    contact.customer_id = rows[index].pk  # the field encrypts mobile and e-mail on insert
                Contact.objects.bulk_create([c for _, c in people], batch_size=size * 2)
            made += size
            if made % (batch * 20) == 0 or made == customers:
                rate = made / (time.monotonic() - started)
                self.stdout.write(f"{made} customers ({rate:,.0f}/s)")
        self.stdout.write(self.style.SUCCESS(f"Done: {made} customers, {2 * made} contacts in "
                                             f"{time.monotonic() - started:.0f}s"))
        # The planner's statistics for the new rows (SQLite keeps none until told); see refresh_statistics.
        analysed = time.monotonic()
        refresh_query_statistics()
        self.stdout.write(f"Statistics refreshed (ANALYZE) in {time.monotonic() - analysed:.0f}s")
