"""The CRM under a crowd: what bench/bench_load.py runs with locust against a `crm serve` on loopback.

Two kinds of user, pausing 1–3 s between requests the way people and client pools do (gunicorn's old 2 s
keep-alive closed such connections under them):

- ``ApiClient`` (3 of 4): a program with a token — customer lists (plain and sorted), list search and global
  search, a customer's detail, a follow-up, a PATCH of a customer it created, a new customer.
- ``Browser`` (1 of 4): a person signed in through the login page — home, the customer list, a 360° page,
  the top bar's search dropdown (htmx).

Every answer other than the expected status is a failure; nothing is retried. Request names are the URL patterns,
so locust's table has one row per endpoint. Personas and password: BENCH_LOAD_PERSONAS (sales1,sales2,manager,
admin), CRM_DEMO_PASSWORD (demo). Run it through bench/bench_load.py, which starts the server and checks the result.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import uuid

import requests
from locust import HttpUser, between, events, task

PERSONAS = [p.strip() for p in os.environ.get("BENCH_LOAD_PERSONAS", "sales1,sales2,manager,admin").split(",")
            if p.strip()]
PASSWORD = os.environ.get("CRM_DEMO_PASSWORD", "demo")
# Parts of names the demo and `crm bench-data` write, and pinyin initials.
SEARCH_WORDS = ["科技", "贸易", "有限", "zh", "上海", "电子", "wl"]
TOKENS: dict[str, str] = {}
_personas = itertools.cycle(PERSONAS)


@events.test_start.add_listener
def obtain_tokens(environment, **_kwargs) -> None:
    # Once per persona, before the crowd: the token endpoint is rate-limited for anonymous callers. bench_load.py
    # asks before starting locust (BENCH_LOAD_TOKENS="persona:key,…"), so the run's clock is the crowd's alone.
    given = dict(item.split(":", 1) for item in os.environ.get("BENCH_LOAD_TOKENS", "").split(",") if ":" in item)
    TOKENS.update(given)
    for persona in (p for p in PERSONAS if p not in TOKENS):
        response = requests.post(f"{environment.host}/api/v1/auth/token/",
                                 json={"username": persona, "password": PASSWORD}, timeout=30)
        response.raise_for_status()
        TOKENS[persona] = response.json()["token"]


class ApiClient(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.persona = next(_personas)
        self.client.headers["Authorization"] = f"Token {TOKENS[self.persona]}"
        self.client.headers["Accept-Language"] = "zh-hans"
        self.seen: list[int] = []   # customer ids from the lists: for detail pages and follow-ups
        self.mine: list[int] = []   # customers this user created: for PATCH, so users never edit one another's

    def _remember(self, response) -> None:
        if response.ok:
            self.seen = [row["id"] for row in response.json().get("results", [])][:20] or self.seen

    @task(4)
    def customer_list(self) -> None:
        self._remember(self.client.get("/api/v1/customers/?page_size=20", name="GET /api/v1/customers/"))

    @task(1)
    def customer_list_sorted(self) -> None:
        self.client.get("/api/v1/customers/?page_size=20&ordering=-created_at",
                        name="GET /api/v1/customers/?ordering=")

    @task(2)
    def list_search(self) -> None:
        self.client.get(f"/api/v1/customers/?search={random.choice(SEARCH_WORDS)}&page_size=20",
                        name="GET /api/v1/customers/?search=")

    @task(2)
    def global_search(self) -> None:
        self.client.get(f"/api/v1/search/?q={random.choice(SEARCH_WORDS)}", name="GET /api/v1/search/?q=")

    @task(3)
    def customer_detail(self) -> None:
        if self.seen:
            self.client.get(f"/api/v1/customers/{random.choice(self.seen)}/", name="GET /api/v1/customers/{id}/")

    @task(1)
    def follow_up(self) -> None:
        customers = self.mine or self.seen
        if customers:
            self.client.post("/api/v1/activities/", name="POST /api/v1/activities/",
                             json={"customer": random.choice(customers), "kind": "call", "subject": "压测回访"})

    @task(1)
    def patch_customer(self) -> None:
        if not self.mine:
            return
        url = f"/api/v1/customers/{random.choice(self.mine)}/"
        # With a version check (ETag / If-Match) the PATCH names the version it read; without one it simply writes.
        current = self.client.get(url, name="GET /api/v1/customers/{id}/")
        headers = {"If-Match": current.headers["ETag"]} if current.headers.get("ETag") else {}
        self.client.patch(url, json={"remark": f"压测备注 {uuid.uuid4().hex[:8]}"}, headers=headers,
                          name="PATCH /api/v1/customers/{id}/")

    @task(1)
    def create_customer(self) -> None:
        with self.client.post("/api/v1/customers/", name="POST /api/v1/customers/", catch_response=True,
                              json={"name": f"压测客户{uuid.uuid4().hex[:12]}"}) as response:
            if response.status_code == 201:
                self.mine.append(response.json()["id"])
            else:
                response.failure(response.error or f"{response.status_code}: {response.text[:200]}")


class Browser(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.persona = next(_personas)
        self.client.headers["Accept-Language"] = "zh-hans"
        self.client.get("/login/", name="GET /login/")
        with self.client.post("/login/", name="POST /login/", allow_redirects=False, catch_response=True,
                              data={"username": self.persona, "password": PASSWORD,
                                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                              headers={"Referer": f"{self.host}/login/"}) as response:
            if response.status_code != 302:
                response.failure(f"log-in answered {response.status_code}")
        self.seen: list[str] = []

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="GET / (page)")

    @task(3)
    def customer_list(self) -> None:
        response = self.client.get("/customers/", name="GET /customers/ (page)")
        self.seen = re.findall(r'href="(/customers/\d+/)"', response.text)[:20] or self.seen

    @task(2)
    def customer_page(self) -> None:
        if self.seen:
            self.client.get(random.choice(self.seen), name="GET /customers/{id}/ (page)")

    @task(2)
    def search_dropdown(self) -> None:
        self.client.get(f"/search/?q={random.choice(SEARCH_WORDS)}", headers={"HX-Request": "true"},
                        name="GET /search/?q= (htmx)")
