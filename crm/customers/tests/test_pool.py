"""The public pool (公海): the rule returns exactly the idle customers per level, owners are warned once in one
message, reps claim within their limit and never both, releases need a reason, everything is audited, and every
door (page, API) shows the pool to pool users only."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts.models import Role
from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.customers.models import IDLE_SINCE_SQL, Customer, LifecyclePolicy, PoolAuditAction, PoolMovement, PoolRule
from crm.customers.services import create_customer, delete_customer, log_activity
from crm.customers.services.pool import (
    assign_from_pool,
    claim_from_pool,
    customers_returning_soon,
    release_to_pool,
    return_idle_customers,
    warn_owners_before_return,
)
from crm.customers.tasks import run_pool_rules
from crm.notifications.models import Notification

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def rules(db):
    """Default: 30 days, warned 5 before. Key accounts (A): 60 days, warned 10 before. D: own rule, switched off."""
    return [
        PoolRule.objects.create(level="", days=30, warn_days=5),
        PoolRule.objects.create(level="A", days=60, warn_days=10),
        PoolRule.objects.create(level="D", days=10, warn_days=2, is_active=False),
    ]


def make(owner, name: str, *, idle: float | None = None, level: str = "B", created: float = 500) -> Customer:
    """A customer of ``owner`` last followed up ``idle`` days ago (never, when None), created ``created`` days ago."""
    customer = create_customer(actor=owner, data={"name": name, "level": level})
    Customer.objects.filter(pk=customer.pk).update(
        created_at=days_ago(created), last_follow_up_at=days_ago(idle) if idle is not None else None
    )
    backdated(customer)
    customer.refresh_from_db()
    return customer


def backdated(customer: Customer) -> None:
    """After a test moved a customer's dates behind the domain's back: its idle_since as the domain keeps it."""
    Customer.objects.filter(pk=customer.pk).update(idle_since=IDLE_SINCE_SQL)


def in_pool(customer: Customer) -> Customer:
    """Puts a customer straight into the pool, as the rule would have."""
    return_idle_customers_for(customer)
    customer.refresh_from_db()
    return customer


def return_idle_customers_for(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=days_ago(1000), created_at=days_ago(1000))
    backdated(customer)
    PoolRule.objects.get_or_create(level="", defaults={"days": 30, "warn_days": 5})
    return_idle_customers(NOW)


def set_claim_limit(user, limit):
    for role in Role.objects.filter(users=user):
        role.settings = {**role.settings, "customers.pool_claim_limit": limit}
        role.save(update_fields=["settings"])
    user.__dict__.pop("_role_rows", None)


# --- The rule --------------------------------------------------------------------------------------------------


def test_the_rule_returns_exactly_the_idle_customers_of_each_level(rules, rep, other_rep):
    expected_back = {
        make(rep, "B级31天", idle=31),
        make(other_rep, "C级40天", idle=40, level="C"),
        make(rep, "A级61天", idle=61, level="A"),
        make(rep, "从未跟进", created=40),
    }
    stays = {
        make(rep, "B级29天", idle=29),
        make(rep, "A级45天", idle=45, level="A"),
        make(rep, "D级豁免", idle=400, level="D"),
        make(rep, "新建未跟进", created=20),
    }
    claimed_lately = make(rep, "刚领取", idle=100)
    Customer.objects.filter(pk=claimed_lately.pk).update(claimed_at=days_ago(10))
    backdated(claimed_lately)
    deleted = make(rep, "已删除", idle=100)
    delete_customer(actor=rep, customer=deleted)

    assert return_idle_customers(NOW) == len(expected_back)

    pool = set(Customer.all_objects.in_pool())
    assert pool == expected_back
    assert not pool & (stays | {claimed_lately, deleted})
    returned = Customer.objects.get(pk=next(iter(c.pk for c in expected_back if c.name == "B级31天")))
    assert returned.owner is None and returned.pool_entered_at == NOW and returned.department == rep.department
    assert return_idle_customers(NOW) == 0  # nothing left to return


def test_a_return_is_recorded_in_the_pool_history_and_the_audit_trail(rules, rep, other_rep):
    customer = make(rep, "回收客户", idle=45)
    customer.collaborators.add(other_rep)
    return_idle_customers(NOW)

    movement = PoolMovement.objects.get(customer=customer)
    assert (movement.action, movement.actor, movement.previous_owner) == (PoolMovement.Action.RETURNED, None, rep)
    event = AuditEvent.objects.get(object_id=str(customer.pk), action=PoolAuditAction.POOL_RETURN)
    assert event.actor is None and event.changes["owner"] == [str(rep), None]
    assert not customer.collaborators.exists()  # the old team lets go too
    notice = Notification.objects.get(recipient=rep)
    assert "1" in notice.display_title and notice.url == "/customers/pool/"


def test_the_rule_writes_its_audit_rows_in_bulk_not_one_insert_per_customer(rules, rep, other_rep):
    from django.test.utils import CaptureQueriesContext

    idle = [make(rep if i % 2 else other_rep, f"批量回收{i}", idle=45) for i in range(30)]
    with CaptureQueriesContext(connection) as queries:
        assert return_idle_customers(NOW) == 30
    audit_inserts = [q for q in queries.captured_queries if 'INSERT INTO "audit_auditevent"' in q["sql"]]
    assert len(audit_inserts) == 1
    events = AuditEvent.objects.filter(action=PoolAuditAction.POOL_RETURN)
    assert sorted(int(e.object_id) for e in events) == sorted(c.pk for c in idle)
    assert {e.object_id: e.changes["owner"][0] for e in events} == {str(c.pk): str(c.owner) for c in idle}
    reason = _("No follow-up for %(days)d days") % {"days": 30}
    assert {(e.actor_id, e.actor_name, e.message) for e in events} == {(None, "", reason)}


def test_owners_are_warned_once_in_one_message_each(rules, rep, other_rep, smtp,
                                                    django_capture_on_commit_callbacks):
    mine = [make(rep, f"即将回收{n}", idle=27 + n * 0.5) for n in range(3)]
    key_account = make(rep, "A级即将回收", idle=52, level="A")
    make(rep, "还早", idle=20)
    theirs = make(other_rep, "李娜的客户", idle=26)

    with django_capture_on_commit_callbacks(execute=True):
        assert warn_owners_before_return(NOW) == 5

    notice = Notification.objects.get(recipient=rep)
    assert notice.level == Notification.Level.WARNING and notice.url == "/customers/pool/returning/"
    for customer in [*mine, key_account]:
        assert customer.name in notice.display_body
    assert "还早" not in notice.display_body
    assert Notification.objects.get(recipient=other_rep).display_body.count(theirs.name) == 1
    # One e-mail per owner, through a real SMTP server.
    assert sorted(rcpt for e in smtp.envelopes for rcpt in e.rcpt_tos) == sorted([rep.email, other_rep.email])
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_owners_before_return(NOW + dt.timedelta(hours=1)) == 0  # each customer once
    assert Notification.objects.count() == 2 and len(smtp.envelopes) == 2


def test_a_follow_up_after_the_warning_keeps_the_customer_and_rearms_the_warning(rules, rep):
    customer = make(rep, "保住的客户", idle=27)
    warn_owners_before_return(NOW)
    log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": "回访", "occurred_at": NOW})
    customer.refresh_from_db()
    assert customer.pool_warned_at is None
    assert return_idle_customers(NOW + dt.timedelta(days=5)) == 0
    assert return_idle_customers(NOW + dt.timedelta(days=31)) == 1


def test_the_nightly_task_returns_then_warns(rules, rep):
    gone, next_in_line = make(rep, "今晚回收", idle=35), make(rep, "下批回收", idle=27)
    assert run_pool_rules.call_local() == {"returned": 1, "warned": 1}
    assert Customer.objects.get(pk=gone.pk).in_pool
    assert Customer.objects.get(pk=next_in_line.pk).pool_warned_at is not None


def test_the_returning_soon_list_shows_the_owners_customers_soonest_first(rules, rep, other_rep, client_for):
    later, sooner = make(rep, "五天后", idle=25.5), make(rep, "明天", idle=29)
    make(rep, "还早", idle=10)
    make(other_rep, "别人的", idle=29)
    assert [c for c, _when in customers_returning_soon(rep, NOW)] == [sooner, later]
    page = client_for(rep).get("/customers/pool/returning/").content.decode()
    assert page.index("明天") < page.index("五天后") and "还早" not in page and "别人的" not in page


def test_the_returning_soon_list_reads_only_the_soonest(rules, rep, client_for, monkeypatch):
    """A rep with very many idle customers gets the soonest few, and the page says more follow (it once loaded
    and rendered every idle customer: 3.5 minutes for 167,000)."""
    made = [make(rep, f"待回收{n}", idle=29 - n * 0.1) for n in range(5)]
    assert [c for c, _when in customers_returning_soon(rep, NOW, limit=2)] == made[:3]  # one more: "more follow"
    from crm.customers.services import pool as pool_service

    monkeypatch.setattr(pool_service, "RETURNING_SHOWN", 2)
    page = client_for(rep).get("/customers/pool/returning/").content.decode()
    assert "待回收0" in page and "待回收1" in page and "待回收2" not in page and 'id="more-returning"' in page


# --- Claim -------------------------------------------------------------------------------------------------------


def test_a_rep_of_another_department_claims_a_pool_customer(rules, rep, other_rep):
    customer = in_pool(make(rep, "公海客户", idle=90))
    claim_from_pool(actor=other_rep, customer=customer, now=NOW)
    customer.refresh_from_db()
    assert customer.owner == other_rep and customer.department == other_rep.department
    assert customer.claimed_at == NOW and customer.pool_entered_at is None
    assert Customer.objects.visible_to(other_rep).filter(pk=customer.pk).exists()
    assert not Customer.objects.visible_to(rep).filter(pk=customer.pk).exists()
    movement = PoolMovement.objects.filter(customer=customer).first()
    assert (movement.action, movement.actor) == (PoolMovement.Action.CLAIMED, other_rep)
    event = AuditEvent.objects.get(object_id=str(customer.pk), action=PoolAuditAction.POOL_CLAIM)
    assert event.actor == other_rep and event.changes["owner"] == [None, str(other_rep)]


def test_the_claim_limit_counts_customers_held_from_the_pool(rules, rep, other_rep):
    set_claim_limit(other_rep, 2)
    customers = [in_pool(make(rep, f"公海{n}", idle=90)) for n in range(3)]
    claim_from_pool(actor=other_rep, customer=customers[0])
    claim_from_pool(actor=other_rep, customer=customers[1])
    with pytest.raises(DomainError) as refused:
        claim_from_pool(actor=other_rep, customer=customers[2])
    assert refused.value.code == "claim_limit" and "2" in refused.value.message
    assert Customer.objects.get(pk=customers[2].pk).in_pool
    release_to_pool(actor=other_rep, customer=Customer.objects.get(pk=customers[0].pk), reason="暂无需求")
    claim_from_pool(actor=other_rep, customer=customers[2])  # room again
    assert Customer.objects.filter(owner=other_rep, claimed_at__isnull=False).count() == 2


def test_of_two_claims_on_a_stale_page_one_wins_and_the_other_is_told(rules, rep, other_rep, manager):
    customer = in_pool(make(rep, "抢手客户", idle=90))
    seen_by_manager = Customer.objects.get(pk=customer.pk)  # both loaded the pool page
    claim_from_pool(actor=other_rep, customer=customer)
    with pytest.raises(DomainError) as lost:
        claim_from_pool(actor=manager, customer=seen_by_manager)
    assert lost.value.code == "conflict"
    assert Customer.objects.get(pk=customer.pk).owner == other_rep
    assert PoolMovement.objects.filter(customer=customer, action=PoolMovement.Action.CLAIMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_one_wins(rules, rep, other_rep, manager):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite database has no concurrent writers; PostgreSQL runs this")
    customer = in_pool(make(rep, "同时领取", idle=90))
    start, outcomes = threading.Barrier(2), {}

    def claim(user):
        from django.db import connection as thread_connection

        try:
            start.wait()
            claim_from_pool(actor=user, customer=Customer.objects.get(pk=customer.pk))
            outcomes[user.username] = "won"
        except DomainError as error:
            outcomes[user.username] = error.code
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in (other_rep, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert Customer.objects.get(pk=customer.pk).owner.username == winner
    assert PoolMovement.objects.filter(customer=customer, action=PoolMovement.Action.CLAIMED).count() == 1


def test_a_rep_cannot_claim_back_at_once_what_left_their_hands(rules, rep, other_rep):
    customer = make(rep, "刚放弃", idle=1)
    release_to_pool(actor=rep, customer=customer, reason="暂无需求")
    with pytest.raises(DomainError) as refused:
        claim_from_pool(actor=rep, customer=customer)
    assert refused.value.code == "reclaim_blocked"
    claim_from_pool(actor=other_rep, customer=customer)
    assert Customer.objects.get(pk=customer.pk).owner == other_rep


def test_a_manager_assigns_from_the_pool_within_the_assignees_limit(rules, rep, other_rep, manager):
    first, second = in_pool(make(rep, "分配一", idle=90)), in_pool(make(rep, "分配二", idle=90))
    with pytest.raises(DomainError):
        assign_from_pool(actor=other_rep, customer=first, owner=other_rep)  # a rep may not assign
    set_claim_limit(other_rep, 1)
    assign_from_pool(actor=manager, customer=first, owner=other_rep)
    assert Customer.objects.get(pk=first.pk).owner == other_rep
    assert PoolMovement.objects.filter(customer=first).first().action == PoolMovement.Action.ASSIGNED
    with pytest.raises(DomainError) as refused:
        assign_from_pool(actor=manager, customer=second, owner=other_rep)
    assert refused.value.field == "owner"


# --- Release -----------------------------------------------------------------------------------------------------


def test_releasing_needs_a_reason_and_changes_nothing_without_one(rep):
    customer = make(rep, "要放弃的", idle=1)
    for blank in ("", "   "):
        with pytest.raises(DomainError) as refused:
            release_to_pool(actor=rep, customer=customer, reason=blank)
        assert refused.value.field == "reason"
    customer.refresh_from_db()
    assert customer.owner == rep and not PoolMovement.objects.exists()


def test_a_release_is_recorded_with_its_reason(rep):
    customer = make(rep, "放弃的", idle=1)
    release_to_pool(actor=rep, customer=customer, reason="长期联系不上")
    customer.refresh_from_db()
    assert customer.in_pool and customer.department == rep.department
    movement = PoolMovement.objects.get(customer=customer)
    assert (movement.action, movement.actor, movement.previous_owner, movement.reason) == (
        PoolMovement.Action.RELEASED,
        rep,
        rep,
        "长期联系不上",
    )
    event = AuditEvent.objects.get(object_id=str(customer.pk), action=PoolAuditAction.POOL_RELEASE)
    assert event.actor == rep and event.message == "长期联系不上"
    with pytest.raises(DomainError):
        release_to_pool(actor=rep, customer=customer, reason="again")


def test_only_the_owner_or_a_manager_over_them_may_release(rep, other_rep, manager):
    customer = make(rep, "别人不能放", idle=1)
    with pytest.raises(DomainError):
        release_to_pool(actor=other_rep, customer=customer, reason="抢")
    release_to_pool(actor=manager, customer=customer, reason="工作调整")
    assert Customer.objects.get(pk=customer.pk).in_pool


# --- Who sees the pool ---------------------------------------------------------------------------------------


def test_the_pool_is_company_wide_for_pool_users_only_and_the_scope_is_unchanged(rules, org, rep, other_rep):
    pooled = in_pool(make(rep, "公海里的", idle=90))
    owned = make(rep, "张伟自己的", idle=1)
    assert list(Customer.objects.in_pool().visible_to(other_rep, "pool")) == [pooled]
    assert not Customer.objects.visible_to(other_rep).filter(pk__in=[pooled.pk, owned.pk]).exists()
    assert not Customer.objects.in_pool().visible_to(org["marketing1"], "pool").exists()  # no customers.pool


def test_a_manager_finds_pool_customers_of_their_departments_in_the_customer_list(rules, rep, manager, api_client_for):
    pooled, owned = in_pool(make(rep, "部门公海", idle=90)), make(rep, "部门自有", idle=1)
    client = api_client_for(manager)
    assert [row["id"] for row in client.get("/api/v1/customers/?in_pool=true").json()["results"]] == [pooled.pk]
    assert owned.pk in [row["id"] for row in client.get("/api/v1/customers/?in_pool=false").json()["results"]]


def test_the_pool_page_lists_filters_and_claims(rules, org, rep, other_rep, client_for):
    key = in_pool(make(rep, "重点公海客户", idle=200, level="A"))
    small = in_pool(make(rep, "小公海客户", idle=200, level="C"))
    make(rep, "张伟自己的", idle=1)
    client = client_for(other_rep)
    page = client.get("/customers/pool/").content.decode()
    assert "重点公海客户" in page and "小公海客户" in page and "张伟自己的" not in page
    page = client.get("/customers/pool/?level=A").content.decode()
    assert "重点公海客户" in page and "小公海客户" not in page
    assert client.get("/customers/pool/?level=ZZZ").status_code == 200  # a bad filter is ignored, not a 500

    # Read-only 360° page until claimed; the normal page stays out of reach.
    preview = client.get(f"/customers/pool/{key.pk}/")
    assert preview.status_code == 200 and 'id="claim-customer"' in preview.content.decode()
    assert 'id="edit-customer"' not in preview.content.decode()
    assert client.get(f"/customers/{key.pk}/").status_code == 404
    assert client.get(f"/customers/pool/{rep.pk + 10_000}/").status_code == 404

    response = client.post(f"/customers/pool/{key.pk}/claim/")
    assert response.status_code == 302 and response["Location"] == key.get_absolute_url()
    assert client.get(key.get_absolute_url()).status_code == 200
    assert client.get(f"/customers/pool/{key.pk}/").status_code == 404  # no longer in the pool
    assert client_for(org["marketing1"]).get("/customers/pool/").status_code == 403
    assert small.pk  # still in the pool for others


def test_the_release_dialog_posts_a_reason_and_refuses_a_blank_one(rep, client_for):
    customer = make(rep, "对话框客户", idle=1)
    client = client_for(rep)
    assert 'id="release-dialog"' in client.get(customer.get_absolute_url()).content.decode()
    response = client.post(f"/customers/{customer.pk}/release/", {"reason": ""}, follow=True)
    with translation.override("zh-hans"):
        assert _("Give a reason for releasing this customer to the pool.") in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).owner == rep
    client.post(f"/customers/{customer.pk}/release/", {"reason": "暂无需求"})
    assert Customer.objects.get(pk=customer.pk).in_pool


def test_administrators_edit_the_rules_and_others_may_not(rules, rep, admin_user, client_for):
    client = client_for(admin_user)
    assert client.get("/customers/pool/rules/").status_code == 200
    response = client.post(
        "/customers/pool/rules/new/", {"level": "C", "days": "10", "warn_days": "20", "is_active": "on"}
    )
    assert response.status_code == 200 and not PoolRule.objects.filter(level="C").exists()  # warning after return
    client.post("/customers/pool/rules/new/", {"level": "C", "days": "20", "warn_days": "3", "is_active": "on"})
    rule = PoolRule.objects.get(level="C")
    assert rule.days == 20
    page = client.get("/customers/pool/rules/").content.decode()
    assert 'id="pool-rules"' in page and 'id="lifecycle-policy"' in page
    assert client.get(f"/customers/pool/rules/{rule.pk}/").status_code == 200
    client.post(f"/customers/pool/rules/{rule.pk}/delete/")
    assert not PoolRule.objects.filter(level="C").exists()
    assert client.get("/customers/pool/lifecycle-policy/").status_code == 200
    response = client.post(
        "/customers/pool/lifecycle-policy/", {"new_days": "50", "active_days": "40", "lost_days": "300"}
    )
    assert response.status_code == 200 and LifecyclePolicy.current().new_days == 30  # must grow: refused
    client.post("/customers/pool/lifecycle-policy/", {"new_days": "20", "active_days": "60", "lost_days": "300"})
    assert LifecyclePolicy.current().active_days == 60
    assert client_for(rep).get("/customers/pool/rules/").status_code == 403
    assert client_for(rep).post("/customers/pool/lifecycle-policy/", {"new_days": "1"}).status_code == 403


# --- API ---------------------------------------------------------------------------------------------------------


def test_the_api_lists_and_claims_with_clear_errors(rules, org, rep, other_rep, manager, api_client_for):
    customer = in_pool(make(rep, "接口公海", idle=90, level="A"))
    client = api_client_for(other_rep)
    listing = client.get("/api/v1/pool/?level=A").json()
    assert listing["count"] == 1 and listing["results"][0]["name"] == "接口公海"
    assert "phone" not in listing["results"][0]
    assert client.get("/api/v1/pool/?level=B").json()["count"] == 0

    response = client.post(f"/api/v1/pool/{customer.pk}/claim/")
    assert response.status_code == 200 and response.json()["owner"] == other_rep.pk
    response = api_client_for(manager).post(f"/api/v1/pool/{customer.pk}/claim/")
    assert response.status_code == 404  # no longer in the pool
    assert client.post("/api/v1/pool/999999/claim/").status_code == 404
    assert api_client_for(org["marketing1"]).get("/api/v1/pool/").status_code == 403


def test_the_api_refuses_a_claim_over_the_limit_with_a_message(rules, rep, other_rep, api_client_for):
    set_claim_limit(other_rep, 0)
    customer = in_pool(make(rep, "超额", idle=90))
    response = api_client_for(other_rep).post(f"/api/v1/pool/{customer.pk}/claim/")
    assert response.status_code == 400 and response.json()["error"]["message"]
    assert Customer.objects.get(pk=customer.pk).in_pool


def test_the_api_releases_with_a_reason_and_refuses_without(rep, other_rep, manager, api_client_for):
    customer = make(rep, "接口放弃", idle=1)
    client = api_client_for(rep)
    response = client.post(f"/api/v1/customers/{customer.pk}/release/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = client.post(f"/api/v1/customers/{customer.pk}/release/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"/api/v1/customers/{customer.pk}/release/", {"reason": ["a", "b"]}, format="json")
    assert response.status_code == 400
    assert (
        api_client_for(other_rep)
        .post(f"/api/v1/customers/{customer.pk}/release/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    response = client.post(f"/api/v1/customers/{customer.pk}/release/", {"reason": "暂无需求"}, format="json")
    assert response.status_code == 200 and response.json()["owner"] is None
    assert Customer.objects.get(pk=customer.pk).in_pool


def test_the_api_assigns_from_the_pool_for_managers(rules, rep, other_rep, manager, api_client_for):
    customer = in_pool(make(rep, "接口分配", idle=90))
    url = f"/api/v1/pool/{customer.pk}/assign/"
    assert api_client_for(other_rep).post(url, {"owner": other_rep.pk}, format="json").status_code == 403
    response = api_client_for(manager).post(url, {"owner": "nobody"}, format="json")
    assert response.status_code == 400 and "owner" in response.json()["error"]["fields"]
    response = api_client_for(manager).post(url, {"owner": other_rep.pk}, format="json")
    assert response.status_code == 200 and Customer.objects.get(pk=customer.pk).owner == other_rep


def test_the_rules_api_is_for_administrators(rules, rep, admin_user, api_client_for):
    admin = api_client_for(admin_user)
    assert len(admin.get("/api/v1/pool-rules/").json()) == 3
    default = PoolRule.objects.get(level="")
    response = admin.put(
        f"/api/v1/pool-rules/{default.pk}/", {"level": "", "days": 45, "warn_days": 7, "is_active": True}, format="json"
    )
    assert response.status_code == 200 and PoolRule.objects.get(pk=default.pk).days == 45
    response = admin.patch(f"/api/v1/pool-rules/{default.pk}/", {"warn_days": 50}, format="json")
    assert response.status_code == 400 and "warn_days" in response.json()["error"]["fields"]
    response = admin.post("/api/v1/pool-rules/", {"level": "NOPE", "days": 5}, format="json")
    assert response.status_code == 400 and "level" in response.json()["error"]["fields"]
    response = admin.post("/api/v1/pool-rules/", {"level": "A", "days": 5, "warn_days": 1}, format="json")
    assert response.status_code == 400  # one rule per level
    response = admin.post("/api/v1/pool-rules/", {"level": "C", "days": -1}, format="json")
    assert response.status_code == 400
    rep_client = api_client_for(rep)
    assert rep_client.put(f"/api/v1/pool-rules/{default.pk}/", {"days": 1}, format="json").status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(default.pk)).exists()


# --- In the browser ---------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_after_the_rule_runs_the_other_rep_claims_the_customer_from_the_pool_page(org, page, login):
    PoolRule.objects.create(level="", days=30, warn_days=5)
    customer = create_customer(actor=org["sales1"], data={"name": "杭州云帆科技", "level": "B"})
    log_activity(
        actor=org["sales1"],
        customer=customer,
        data={"kind": "call", "subject": "初次沟通", "occurred_at": days_ago(40)},
    )
    # Idle since the latest of follow-up, claim and creation: created long ago, too.
    Customer.objects.filter(pk=customer.pk).update(created_at=days_ago(45), idle_since=days_ago(40))

    assert return_idle_customers() == 1

    login("sales2")
    page.goto(f"{page.base_url}/customers/pool/")
    row = page.locator(f"#pool-customer-{customer.pk}")
    assert row.get_by_text("杭州云帆科技").is_visible()
    row.get_by_role("button").click()
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    assert page.locator("h1, #page-heading").first.inner_text().strip().startswith("杭州云帆科技")
    assert page.locator("#customer-fields").get_by_text("李娜").is_visible()
    assert Customer.objects.get(pk=customer.pk).owner == org["sales2"]

    # She gives it up again through the dialog: a blank reason is refused, a reason is kept.
    page.click("#release-customer")
    page.click("#release-submit")
    page.wait_for_selector(".alert-danger")
    assert Customer.objects.get(pk=customer.pk).owner == org["sales2"]
    page.click("#release-customer")
    page.fill("#release-reason", "暂无需求")
    page.click("#release-submit")
    page.wait_for_url(re.compile(r"/customers/$"))
    assert Customer.objects.get(pk=customer.pk).in_pool
