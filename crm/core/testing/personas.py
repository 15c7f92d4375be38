"""The persona matrix: one reusable test case that proves, for a model, who may do what through every door.

A module's tests subclass ``PersonaMatrixTestCase`` with a few declarations (the model, its URLs, how to make a
record owned by a user, what each persona may do with a record of the rep's) and get, per persona of the demo
organisation (rep, a rep of another department, the manager, marketing, the administrator):

- the list page and the API list show the record exactly to those who may view it, and answer 403 to those
  without the module's permission;
- the detail page, the API detail, the edit page, an edit (form POST and API PATCH) and a delete (POST and API
  DELETE) succeed for those allowed, answer 404 to those with the permission but not the record (out of scope)
  and 403 to those without the permission — and a refused write changes nothing;
- the page export and the API export hold the record exactly for those who may view and export it;
- global search (page and API) finds it exactly for those who may view it;
- field rules: a role denied reading ``hidden_field`` never sees its value through any of those doors (checked
  against the administrator, who does), nor finds a record by ``hidden_search_field`` through the list search,
  the exports' search or global search; a role denied editing ``readonly_field`` gets a disabled input on the
  form and a 400 naming the field from the API, the value unchanged;
- no lost update (a versioned model): an API PATCH based on an old version is refused (``If-Match``: 412, a body
  ``version``: 409) and the edit form sent from an old version shows the message and a link to reload, changing
  nothing;
- the list page and the API list run a number of queries that does not grow with the rows shown, under a fixed
  bound.

Every door is optional: leave its URL empty and its tests pass trivially. The data is made once per class
(``setUpTestData``); each test runs in a transaction rolled back after it, so a test may change or delete rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import connection, models
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.core.concurrency import bump_version, is_versioned, stale_message

# Persona -> user name in the demo organisation (crm/accounts/demo.py).
PERSONAS: dict[str, str] = {
    "rep": "sales1",  # sales rep of 销售一部, scope: own records
    "other_rep": "sales2",  # sales rep of 销售二部, scope: own records
    "manager": "manager",  # sales manager of 销售部, scope: the department and its sub-departments
    "marketing": "marketing1",  # marketing of 市场部, scope: own department
    "admin": "admin",  # superuser
}
EVERYTHING = frozenset({"view", "edit", "delete"})
NOTHING: frozenset[str] = frozenset()
# What each persona may do with a record the rep owns, under the demo roles: the usual answer for a scoped model.
OWNED_BY_REP: dict[str, frozenset[str]] = {
    "rep": frozenset({"view", "edit"}),  # reps may not delete
    "other_rep": NOTHING,
    "manager": EVERYTHING,
    "marketing": NOTHING,
    "admin": EVERYTHING,
}
PASSWORD = "persona-Passw0rd"
RESTRICTED = "restricted"  # the extra persona of the field-rule tests


class PersonaMatrixTestCase(TestCase):
    """Subclass with ``model``, ``make_record`` and the URLs of the doors the model has. See the module docstring.

    URLs are paths; ``{pk}`` is replaced by the record's primary key.
    """

    __test__ = False  # the base class itself has nothing to test; subclasses that name a model do

    model: ClassVar[type[models.Model]]
    module: ClassVar[str] = ""  # the permission module; default: the model's ``module``
    owner: ClassVar[str] = "rep"  # the persona make_record() is given as owner
    expected: ClassVar[dict[str, frozenset[str]]] = OWNED_BY_REP
    label: ClassVar[str] = "Quokka persona record"  # a text the record shows on pages and in files

    list_url: ClassVar[str] = ""
    list_action: ClassVar[str] = "view"  # the permission the list needs (the pool: "pool")
    detail_url: ClassVar[str] = ""
    detail_action: ClassVar[str] = "view"  # the permission the detail page and the API detail need
    edit_url: ClassVar[str] = ""
    delete_url: ClassVar[str] = ""  # answered to POST
    export_url: ClassVar[str] = ""  # "?format=csv" is appended
    api_list_url: ClassVar[str] = ""
    api_list_by_id: ClassVar[bool] = True  # the API list's rows carry the record's "id"; else its text is looked for
    api_detail_url: ClassVar[str] = ""
    api_edit: ClassVar[bool] = True  # PATCH api_detail_url with api_edit_data()
    api_delete: ClassVar[bool] = True  # DELETE api_detail_url
    api_export_url: ClassVar[str] = ""
    search_entity: ClassVar[str] = ""  # the entity of the model's global-search provider

    hidden_field: ClassVar[str] = ""  # a protected field; make_record() gives it a distinctive value
    # A protected field the search index holds (make_record() gives it a distinctive value): denied to the
    # restricted persona too, who must not find a record by it through any search door.
    hidden_search_field: ClassVar[str] = ""
    list_search_param: ClassVar[str] = "q"  # the list page's search box (and its export's)
    readonly_field: ClassVar[str] = ""
    readonly_value: ClassVar[Any] = None  # what the API tries to write into readonly_field

    max_list_queries: ClassVar[int] = 30
    max_api_list_queries: ClassVar[int] = 20
    extra_rows: ClassVar[int] = 4  # rows added between the two counts of the query-count test

    # Made by setUpTestData: persona -> user, persona -> API token key, the rep's record, the restricted one's.
    users: ClassVar[dict[str, Any]]
    tokens: ClassVar[dict[str, str]]
    record: ClassVar[Any]
    restricted_record: ClassVar[Any]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A subclass that names a model is a test; one that only adds defaults for others stays abstract.
        cls.__test__ = "model" in cls.__dict__

    # --- what a subclass provides ------------------------------------------------------------------------------
    @classmethod
    def make_record(cls, owner, label: str) -> models.Model:
        """A record owned by ``owner`` (through the module's own service) that shows ``label``."""
        raise NotImplementedError

    @classmethod
    def set_up_data(cls) -> None:
        """More shared data, after the organisation and before the records (picklists, a parent record…)."""

    edit_form_changes: ClassVar[dict[str, Any]] = {}

    def edit_form_data(self, record) -> dict[str, Any] | None:
        """A valid POST of the edit form: by default the form as the administrator gets it, with
        ``edit_form_changes`` on top; None (no changes declared) tests only the form page."""
        if not self.edit_form_changes:
            return None
        response = self.page("admin").get(self.url(self.edit_url, record))
        return {**form_values(response.context["form"]), **self.edit_form_changes}

    def api_edit_data(self, record) -> dict[str, Any]:
        """A valid PATCH body; {} skips the API edit."""
        return {}

    def is_gone(self, record) -> bool:
        """After a delete: the record is no longer listed for anybody (deleted or in a recycle bin)."""
        return not type(record).objects.filter(pk=record.pk).exists()

    def record_text(self, record) -> str:
        """What shows the record in a page, a file or a search result."""
        return self.label if getattr(record, "_persona_label", None) is None else record._persona_label

    # --- shared data --------------------------------------------------------------------------------------------
    @classmethod
    def setUpTestData(cls):
        from crm.accounts.demo import load_organisation
        from crm.system.demo import load as load_dictionaries

        users = load_organisation(PASSWORD)
        load_dictionaries(users)
        cls.users = {persona: users[name] for persona, name in PERSONAS.items()}
        cls.set_up_data()
        if cls.hidden_field or cls.readonly_field or cls.hidden_search_field:
            cls.users[RESTRICTED] = cls._restricted_persona()
        cls.tokens = {persona: Token.objects.get_or_create(user=user)[0].key for persona, user in cls.users.items()}
        cls.record = cls._make(cls.users[cls.owner], cls.label)
        if RESTRICTED in cls.users:
            cls.restricted_record = cls._make(cls.users[RESTRICTED], f"{cls.label} restricted")

    @classmethod
    def _make(cls, owner, label: str):
        record = cls.make_record(owner, label)
        record._persona_label = label  # type: ignore[attr-defined]  # what record_text() looks for
        return record

    @classmethod
    def _restricted_persona(cls):
        """A copy of the owner's roles that denies reading ``hidden_field`` and editing ``readonly_field``, held by
        a user of the owner's department."""
        from crm.accounts.models import Role, User

        owner = cls.users[cls.owner]
        label = cls.model._meta.label_lower
        base = owner.roles.first()
        role = Role.objects.create(
            code="persona_restricted", name="persona restricted", data_scope=base.data_scope,
            permissions=base.permissions,
            denied_read_fields=[f"{label}.{name}" for name in (cls.hidden_field, cls.hidden_search_field) if name],
            denied_edit_fields=[f"{label}.{cls.readonly_field}"] if cls.readonly_field else [])
        user = User.objects.create_user(username="persona_restricted", password=PASSWORD, name="受限",
                                        department=owner.department, manager=owner.manager)
        user.roles.add(role)
        return user

    # --- helpers -----------------------------------------------------------------------------------------------
    def page(self, persona: str):
        self.client.force_login(self.users[persona])
        return self.client

    def api(self, persona: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[persona]}")
        return client

    def get_module(self) -> str:
        return self.module or getattr(self.model, "module", "")

    def may(self, persona: str, action: str) -> bool:
        """The persona's role grants ``module.action`` (the functional permission, before any scope)."""
        user = type(self.users[persona]).objects.get(pk=self.users[persona].pk)  # fresh: no cached role rows
        module = self.get_module()
        return not module or user.has_module_perm(module, action)

    def expected_status(self, persona: str, action: str, success: int | Iterable[int],
                        permission: str = "") -> set[int]:
        """Success if the persona may do ``action`` (view, edit, delete) on the record; else 403 without the
        door's ``permission`` (default: the action), 404 with it (a record out of scope does not exist for
        them)."""
        permission = permission or action
        if action in self.expected.get(persona, NOTHING) and self.may(persona, permission):
            return {success} if isinstance(success, int) else set(success)
        return {404} if self.may(persona, permission) else {403}

    def url(self, template: str, record=None) -> str:
        return template.format(pk=(record or self.record).pk)

    def personas(self) -> list[str]:
        return list(PERSONAS)

    @staticmethod
    def body(response) -> str:
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content).decode("utf-8-sig")
        return response.content.decode()

    @staticmethod
    def api_ids(response) -> set[int]:
        data = response.json()
        rows = data.get("results", data) if isinstance(data, dict) else data
        return {row["id"] for row in rows if isinstance(row, dict) and "id" in row}

    def check(self, failures: list[str]) -> None:
        self.assertFalse(failures, "\n" + "\n".join(failures))

    def fresh(self, persona: str | None = None, suffix: str = "fresh"):
        return self._make(self.users[persona or self.owner], f"{self.label} {suffix}")

    # --- lists -------------------------------------------------------------------------------------------------
    def test_list_page_shows_the_record_to_whom_may_see_it(self):
        if not self.list_url:
            return
        failures = []
        for persona in self.personas():
            response = self.page(persona).get(self.list_url)
            if not self.may(persona, self.list_action):
                if response.status_code != 403:
                    failures.append(f"{persona}: list page {response.status_code}, expected 403")
                continue
            shown = self.record_text(self.record) in self.body(response)
            if response.status_code != 200 or shown != ("view" in self.expected.get(persona, NOTHING)):
                failures.append(f"{persona}: list page {response.status_code}, record shown: {shown}")
        self.check(failures)

    def test_api_list_holds_the_record_for_whom_may_see_it(self):
        if not self.api_list_url:
            return
        failures = []
        for persona in self.personas():
            response = self.api(persona).get(self.api_list_url)
            if not self.may(persona, self.list_action):
                if response.status_code != 403:
                    failures.append(f"{persona}: API list {response.status_code}, expected 403")
                continue
            listed = response.status_code == 200 and (
                self.record.pk in self.api_ids(response) if self.api_list_by_id
                else self.record_text(self.record) in self.body(response))
            if response.status_code != 200 or listed != ("view" in self.expected.get(persona, NOTHING)):
                failures.append(f"{persona}: API list {response.status_code}, record listed: {listed}")
        self.check(failures)

    # --- one record --------------------------------------------------------------------------------------------
    def test_detail_page_opens_only_in_scope(self):
        self._get_each("detail page", self.detail_url, "view", page=True, permission=self.detail_action)

    def test_api_detail_answers_only_in_scope(self):
        self._get_each("API detail", self.api_detail_url, "view", page=False, permission=self.detail_action)

    def test_edit_page_opens_only_for_whom_may_edit(self):
        self._get_each("edit page", self.edit_url, "edit", page=True)

    def _get_each(self, door: str, url: str, action: str, page: bool, permission: str = "") -> None:
        if not url:
            return
        failures = []
        for persona in self.personas():
            client = self.page(persona) if page else self.api(persona)
            response = client.get(self.url(url))
            expected = self.expected_status(persona, action, 200, permission)
            if response.status_code not in expected:
                failures.append(f"{persona}: {door} {response.status_code}, expected {sorted(expected)}")
            elif response.status_code == 200 and page and self.record_text(self.record) not in self.body(response):
                failures.append(f"{persona}: {door} does not show the record")
        self.check(failures)

    def test_edit_form_saves_only_for_whom_may_edit(self):
        if not self.edit_url:
            return
        failures = []
        for persona in self.personas():
            record = self.fresh(suffix=f"edit {persona}")
            data = self.edit_form_data(record)
            if data is None:
                return
            before = self._stored(record)
            response = self.page(persona).post(self.url(self.edit_url, record), data)
            expected = self.expected_status(persona, "edit", 302)
            changed = self._stored(record) != before
            if response.status_code not in expected or changed != (302 in expected):
                failures.append(f"{persona}: edit POST {response.status_code} (expected {sorted(expected)}), "
                                f"record changed: {changed}")
        self.check(failures)

    def test_api_edit_changes_only_for_whom_may_edit(self):
        if not (self.api_detail_url and self.api_edit):
            return
        failures = []
        for persona in self.personas():
            record = self.fresh(suffix=f"api edit {persona}")
            data = self.api_edit_data(record)
            if not data:
                return
            before = self._stored(record)
            response = self.api(persona).patch(self.url(self.api_detail_url, record), data, format="json")
            expected = self.expected_status(persona, "edit", 200)
            changed = self._stored(record) != before
            if response.status_code not in expected or changed != (200 in expected):
                failures.append(f"{persona}: API PATCH {response.status_code} (expected {sorted(expected)}), "
                                f"record changed: {changed}")
        self.check(failures)

    # --- no lost update (versioned models: crm.core.concurrency) -------------------------------------------------
    def _someone_else_changes(self, record) -> None:
        """Another user's save meanwhile: the record's version moves on."""
        type(record)._base_manager.filter(pk=record.pk).update(**bump_version())

    def test_a_stale_api_edit_is_refused_and_changes_nothing(self):
        if not (self.api_detail_url and self.api_edit and is_versioned(self.model)):
            return
        record = self.fresh(suffix="stale api edit")
        data = self.api_edit_data(record)
        if not data:
            return
        client = self.api("admin")
        read = client.get(self.url(self.api_detail_url, record))
        self.assertEqual(read["ETag"], f'"{read.json()["version"]}"')
        self._someone_else_changes(record)
        before = self._stored(record)
        refused = client.patch(self.url(self.api_detail_url, record), data, format="json", HTTP_IF_MATCH=read["ETag"])
        self.assertEqual((refused.status_code, refused.json()["error"]["code"]), (412, "precondition_failed"))
        refused = client.patch(self.url(self.api_detail_url, record), {**data, "version": read.json()["version"]},
                               format="json")
        self.assertEqual((refused.status_code, refused.json()["error"]["code"]), (409, "conflict"))
        self.assertEqual(self._stored(record), before)
        current = client.get(self.url(self.api_detail_url, record))["ETag"]
        applied = client.patch(self.url(self.api_detail_url, record), data, format="json", HTTP_IF_MATCH=current)
        self.assertEqual(applied.status_code, 200)
        self.assertNotEqual(applied["ETag"], current)

    def test_a_stale_edit_form_is_refused_with_a_reload_link(self):
        if not (self.edit_url and is_versioned(self.model)):
            return
        record = self.fresh(suffix="stale form")
        data = self.edit_form_data(record)
        if data is None:
            return
        url = self.url(self.edit_url, record)
        opened = type(record)._base_manager.get(pk=record.pk).version
        self.assertIn(f'name="version" value="{opened}"', self.body(self.page("admin").get(url)))
        data = {**data, "version": str(opened)}  # the form as it was opened
        self._someone_else_changes(record)
        before = self._stored(record)
        response = self.page("admin").post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn(stale_message(), response.context["form"].non_field_errors())
        self.assertIn(f'href="{url}" id="reload-record"', self.body(response))
        self.assertEqual(self._stored(record), before)

    def test_delete_works_only_for_whom_may_delete(self):
        self._delete_each("delete POST", self.delete_url, page=True)

    def test_api_delete_works_only_for_whom_may_delete(self):
        self._delete_each("API DELETE", self.api_detail_url if self.api_delete else "", page=False)

    def _delete_each(self, door: str, url: str, page: bool) -> None:
        if not url:
            return
        failures = []
        for persona in self.personas():
            record = self.fresh(suffix=f"delete {persona}")
            if page:
                response = self.page(persona).post(self.url(url, record))
            else:
                response = self.api(persona).delete(self.url(url, record))
            expected = self.expected_status(persona, "delete", {302} if page else {200, 204})
            gone = self.is_gone(record)
            if response.status_code not in expected or gone != bool(expected & {200, 204, 302}):
                failures.append(f"{persona}: {door} {response.status_code} (expected {sorted(expected)}), "
                                f"record gone: {gone}")
        self.check(failures)

    def _stored(self, record) -> tuple:
        """The record's stored field values (what an edit would change)."""
        stored = type(record)._base_manager.filter(pk=record.pk).values().first() or {}
        return tuple(sorted((k, str(v)) for k, v in stored.items() if k != "updated_at"))

    # --- export and search -------------------------------------------------------------------------------------
    def test_page_export_holds_the_record_for_whom_may_see_and_export_it(self):
        self._export_each("page export", self.export_url, page=True)

    def test_api_export_holds_the_record_for_whom_may_see_and_export_it(self):
        self._export_each("API export", self.api_export_url, page=False)

    def _export_each(self, door: str, url: str, page: bool) -> None:
        if not url:
            return
        failures = []
        for persona in self.personas():
            client = self.page(persona) if page else self.api(persona)
            response = client.get(f"{url}?format=csv")
            if not self.may(persona, "export"):
                if response.status_code != 403:
                    failures.append(f"{persona}: {door} {response.status_code}, expected 403")
                continue
            held = response.status_code == 200 and self.record_text(self.record) in self.body(response)
            if response.status_code != 200 or held != ("view" in self.expected.get(persona, NOTHING)):
                failures.append(f"{persona}: {door} {response.status_code}, record in the file: {held}")
        self.check(failures)

    def test_global_search_finds_the_record_only_for_whom_may_see_it(self):
        if not self.search_entity:
            return
        failures = []
        text = self.record_text(self.record)
        for persona in self.personas():
            visible = "view" in self.expected.get(persona, NOTHING) and self.may(persona, "view")
            response = self.api(persona).get("/api/v1/search/", {"q": text})
            found = {(hit["entity"], hit["id"]) for hit in response.json()["results"]} \
                if response.status_code == 200 else set()
            if response.status_code != 200 or ((self.search_entity, self.record.pk) in found) != visible:
                failures.append(f"{persona}: API search {response.status_code}, found: {not visible}")
            page = self.page(persona).get("/search/", {"q": text})
            shown = {(hit.entity, hit.id) for _provider, hits in page.context["results"] for hit in hits} \
                if page.status_code == 200 else set()
            if page.status_code != 200 or ((self.search_entity, self.record.pk) in shown) != visible:
                failures.append(f"{persona}: search page {page.status_code}, found: {not visible}")
        self.check(failures)

    # --- field rules -------------------------------------------------------------------------------------------
    def _field_doors(self, record) -> list[tuple[str, str, bool]]:
        """(door, url, page?) of every door that can show a field of ``record``."""
        doors = [("list page", self.list_url, True), ("detail page", self.detail_url, True),
                 ("edit page", self.edit_url, True), ("API list", self.api_list_url, False),
                 ("API detail", self.api_detail_url, False)]
        doors += [("page export", f"{self.export_url}?format=csv", True) if self.export_url else ("", "", True),
                  ("API export", f"{self.api_export_url}?format=csv", False) if self.api_export_url else ("", "", True)]
        return [(door, self.url(url, record), page) for door, url, page in doors if url]

    def test_a_hidden_field_leaves_by_no_door(self):
        if not self.hidden_field:
            return
        from crm.core.permissions import modules

        protected = {f"{label}.{name}" for m in modules() for label, names in m.protected_fields.items()
                     for name in names}
        self.assertIn(f"{self.model._meta.label_lower}.{self.hidden_field}", protected,
                      "a field rule needs the field among its module's protected_fields")
        record = self.restricted_record
        value = str(getattr(record, self.hidden_field))
        shown_to_admin, failures = [], []
        for door, url, page in self._field_doors(record):
            admin = (self.page("admin") if page else self.api("admin")).get(url)
            if value in self.body(admin):
                shown_to_admin.append(door)
            response = (self.page(RESTRICTED) if page else self.api(RESTRICTED)).get(url)
            text = self.body(response)
            if response.status_code != 200 or value in text:
                failures.append(f"{door}: {response.status_code}, hidden value shown: {value in text}")
            if door.startswith("API") and response.status_code == 200 and "export" not in door:
                data = response.json()
                rows = data if isinstance(data, list) else data.get("results", [data])
                if any(self.hidden_field in row for row in rows if isinstance(row, dict)):
                    failures.append(f"{door}: the hidden field is a key of the answer")
            if door == "edit page" and re.search(rf'name="{self.hidden_field}"', text):
                failures.append("edit page: the hidden field has an input")
        self.assertTrue(shown_to_admin, f"the administrator sees {value!r} nowhere: the test would prove nothing")
        self.check(failures)

    def test_a_hidden_field_cannot_be_searched_by(self):
        """Neither the list's search, its export's, nor global search finds a record by a field the role may
        not read (hits and misses would rebuild the value); the administrator finds it so by every door."""
        if not self.hidden_search_field:
            return
        record = self.restricted_record
        value = str(getattr(record, self.hidden_search_field))
        text = self.record_text(record)
        doors: list[tuple[str, str, bool, str]] = []
        if self.list_url:
            doors.append(("list page", f"{self.list_url}?{self.list_search_param}={value}", True, "text"))
        if self.export_url:
            doors.append(("page export", f"{self.export_url}?format=csv&{self.list_search_param}={value}", True,
                          "text"))
        if self.api_list_url:
            doors.append(("API list", f"{self.api_list_url}?search={value}", False, "ids"))
        if self.api_export_url:
            doors.append(("API export", f"{self.api_export_url}?format=csv&search={value}", False, "text"))
        if self.search_entity:
            doors += [("API search", f"/api/v1/search/?q={value}", False, "hits"),
                      ("search page", f"/search/?q={value}", True, "hits")]

        def found(persona: str, url: str, page: bool, kind: str) -> bool:
            response = (self.page(persona) if page else self.api(persona)).get(url)
            self.assertEqual(response.status_code, 200, f"{persona}: {url}")
            if kind == "ids":
                return record.pk in self.api_ids(response)
            if kind == "hits":
                hits = ({(hit.entity, hit.id) for _provider, hits in response.context["results"] for hit in hits}
                        if page else {(hit["entity"], hit["id"]) for hit in response.json()["results"]})
                return (self.search_entity, record.pk) in hits
            return text in self.body(response)

        failures = []
        for door, url, page, kind in doors:
            if not found("admin", url, page, kind):
                failures.append(f"{door}: the administrator does not find it by {value!r} (the test proves nothing)")
            if found(RESTRICTED, url, page, kind):
                failures.append(f"{door}: found by the hidden {self.hidden_search_field} {value!r}")
        self.assertTrue(doors, "no search door declared")
        self.check(failures)

    def test_a_read_only_field_cannot_be_changed(self):
        if not self.readonly_field:
            return
        record, failures = self.restricted_record, []
        if self.edit_url:
            html = self.body(self.page(RESTRICTED).get(self.url(self.edit_url, record)))
            field = re.search(rf'<(input|select|textarea)[^>]*name="{self.readonly_field}"[^>]*>', html)
            if field is None or "disabled" not in field.group(0):
                failures.append(f"edit page: the input of {self.readonly_field} is not disabled: {field}")
            data = self.edit_form_data(record)
            if data is not None:
                before = getattr(record, self.readonly_field)
                self.page(RESTRICTED).post(self.url(self.edit_url, record),
                                           {**data, self.readonly_field: self.readonly_value})
                record.refresh_from_db()
                if getattr(record, self.readonly_field) != before:
                    failures.append("edit POST changed the read-only field")
        if self.api_detail_url:
            before = self._stored(record)
            response = self.api(RESTRICTED).patch(self.url(self.api_detail_url, record),
                                                  {self.readonly_field: self.readonly_value}, format="json")
            fields = response.json().get("error", {}).get("fields", {}) if response.status_code == 400 else {}
            if self.readonly_field not in fields or self._stored(record) != before:
                failures.append(f"API PATCH of the read-only field: {response.status_code} {json.dumps(fields)}")
            control = self.api("admin").patch(self.url(self.api_detail_url, record),
                                              {self.readonly_field: self.readonly_value}, format="json")
            if control.status_code != 200:
                failures.append(f"the administrator cannot write the field either ({control.status_code}): "
                                "the test would prove nothing")
        self.check(failures)

    # --- query counts ------------------------------------------------------------------------------------------
    def test_list_page_queries_do_not_grow_with_the_rows(self):
        self._count_each("list page", self.list_url, self.max_list_queries, page=True)

    def test_api_list_queries_do_not_grow_with_the_rows(self):
        self._count_each("API list", self.api_list_url, self.max_api_list_queries, page=False)

    def add_rows(self, count: int) -> None:
        """More rows in the lists of the query-count test: records of the owner by default."""
        for number in range(count):
            self.fresh(suffix=f"row {number}")

    def _count_each(self, door: str, url: str, bound: int, page: bool) -> None:
        if not url:
            return
        counting = [p for p in self.personas() if self.may(p, self.list_action)]
        clients = {p: (self.page(p) if page else self.api(p)) for p in counting}

        def count(persona: str) -> int:
            client = clients[persona]
            if page:
                client.force_login(self.users[persona])
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                self.body(response)  # a streamed page runs its queries while it is read
            self.assertEqual(response.status_code, 200, f"{persona}: {door}")
            return len(queries)

        for persona in counting:
            count(persona)  # warm: per-process caches (content types, picklists) are not the list's queries
        before = {persona: count(persona) for persona in counting}
        self.add_rows(self.extra_rows)
        after = {persona: count(persona) for persona in counting}
        failures = [f"{p}: {door} ran {before[p]} queries, then {after[p]} with {self.extra_rows} rows more "
                    f"(bound {bound})" for p in counting if after[p] > before[p] or after[p] > bound]
        self.check(failures)


def form_values(form) -> dict[str, Any]:
    """What a browser posts for ``form`` as rendered (its initial values): lists for multiple choices, checked
    boxes only, empty strings for empty values."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data
