"""The customers' home-page widgets: a rep's day (due follow-ups with a one-step log, returning to the pool,
customers by stage) and a manager's team (follow-ups this week, overdue, stages and pool movements per
person), each within the viewer's data scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.customers.models import Activity, Customer, PoolMovement
from crm.customers.services import create_customer, log_activity
from crm.customers.services.pool import claim_from_pool, release_to_pool
from crm.customers.widgets import (
    pool_flow_widget,
    team_activity_widget,
    team_overdue_widget,
    team_stages_widget,
)

pytestmark = pytest.mark.django_db


def widget_html(response, code: str) -> str:
    return next(w.html for w in response.context["widgets"] if w.code == code)


def widget_codes(response) -> set[str]:
    return {w.code for w in response.context["widgets"]}


@pytest.fixture
def team(org):
    """Two reps of two departments under the manager, with customers in several stages and follow-ups."""
    rep, other = org["sales1"], org["sales2"]
    now = timezone.now()
    mine = [create_customer(actor=rep, data={"name": f"张伟的客户{i}"}) for i in range(3)]
    theirs = [create_customer(actor=other, data={"name": f"李娜的客户{i}"}) for i in range(2)]
    Customer.objects.filter(pk=mine[0].pk).update(lifecycle_stage="active")
    for customer in (mine[0], mine[1], theirs[0]):
        log_activity(actor=customer.owner, customer=customer,
                     data={"kind": "call", "subject": "电话沟通", "occurred_at": now - dt.timedelta(minutes=5)})
    Customer.objects.filter(pk__in=[mine[1].pk, theirs[0].pk]).update(next_follow_up_at=now - dt.timedelta(days=2))
    return {"rep": rep, "other": other, "mine": mine, "theirs": theirs}


def test_a_rep_sees_their_day_and_no_team_widgets(client_for, team):
    response = client_for(team["rep"]).get("/")
    codes = widget_codes(response)
    assert {"customers.due_follow_ups", "customers.by_stage", "customers.returning_soon",
            "notifications.recent", "core.recently_viewed"} <= codes
    assert not codes & {"customers.team_activity", "customers.team_overdue", "customers.team_stages",
                        "customers.pool_flow", "core.task_queue", "accounts.sign_in_security", "audit.exports"}


def test_the_due_widget_logs_a_follow_up_in_one_step_and_comes_back_home(client_for, team):
    rep, due = team["rep"], team["mine"][1]
    client = client_for(rep)
    html = widget_html(client.get("/"), "customers.due_follow_ups")
    assert f'action="/customers/{due.pk}/activities/new/"' in html and 'name="next" value="/"' in html

    next_time = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/customers/{due.pk}/activities/new/",
                           {"kind": "visit", "subject": "上门拜访，确认需求", "next_follow_up_at": next_time,
                            "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    activity = Activity.objects.get(customer=due, subject="上门拜访，确认需求")
    assert activity.kind == "visit" and activity.created_by == rep
    due.refresh_from_db()
    assert due.next_follow_up_at > timezone.now()  # no longer due: it leaves the widget
    assert due.name not in widget_html(client.get("/"), "customers.due_follow_ups")


def test_the_one_step_log_never_sends_the_user_to_another_site(client_for, team):
    due = team["mine"][1]
    response = client_for(team["rep"]).post(f"/customers/{due.pk}/activities/new/",
                                            {"kind": "call", "subject": "回访", "next": "https://evil.example/"})
    assert response["Location"] == f"/customers/{due.pk}/"


def test_a_bad_one_step_log_shows_the_form_with_its_error_and_saves_nothing(client_for, team):
    due = team["mine"][1]
    response = client_for(team["rep"]).post(f"/customers/{due.pk}/activities/new/",
                                            {"kind": "call", "subject": "", "next": "/"})
    assert response.status_code == 200
    assert 'name="next" value="/"' in response.content.decode()  # saving it then still comes back home
    assert not Activity.objects.filter(customer=due, kind="call", subject="").exists()


def test_a_manager_sees_the_team_per_person_within_their_scope(team, org):
    manager = org["manager"]
    activity = {person.name: n for person, n in team_activity_widget(manager)["rows"]}
    assert activity == {"张伟": 2, "李娜": 1}
    overdue = {person.name: n for person, n in team_overdue_widget(manager)["rows"]}
    assert overdue == {"张伟": 1, "李娜": 1}
    stages = {person.name: (counts, total) for person, counts, total in team_stages_widget(manager)["rows"]}
    assert stages["张伟"][1] == 3 and stages["李娜"][1] == 2
    codes = [code for code, _label in Customer.Stage.choices]
    assert stages["张伟"][0][codes.index("active")] >= 1


def test_the_team_widgets_leave_out_a_rep_and_an_outsider(team, org):
    for user in (team["rep"], team["other"]):
        assert team_activity_widget(user) is None
        assert team_stages_widget(user) is None
        assert pool_flow_widget(user) is None


def test_pool_flow_counts_the_teams_releases_and_claims_by_week(team, org):
    rep = team["rep"]
    released = release_to_pool(actor=rep, customer=team["mine"][2], reason="no_contact")
    claim_from_pool(actor=team["other"], customer=Customer.objects.get(pk=released.pk))
    totals = dict(pool_flow_widget(org["manager"])["totals"])
    assert totals[PoolMovement.Action.RELEASED.label] == 1
    assert totals[PoolMovement.Action.CLAIMED.label] == 1
    chart = pool_flow_widget(org["manager"])["chart"].data()
    assert sum(chart["series"][[s["name"] for s in chart["series"]].index(str(PoolMovement.Action.RELEASED.label))]
               ["data"]) == 1


def test_the_manager_home_draws_the_team_charts_from_data_blocks(client_for, team, org):
    response = client_for(org["manager"]).get("/")
    html = response.content.decode()
    for code in ("customers.team_activity", "customers.team_overdue", "customers.team_stages"):
        assert code in widget_codes(response)
    assert 'data-chart="chart-customers-team_activity"' in html
    assert '<script id="chart-customers-team_activity" type="application/json">' in html
    assert "vendor/echarts/echarts.min" in html and "crm/charts" in html


def test_an_admin_who_owns_no_customers_gets_no_empty_personal_widgets(client_for, org, team):
    codes = widget_codes(client_for(org["admin"]).get("/"))
    assert "customers.due_follow_ups" not in codes and "customers.by_stage" not in codes
    assert {"core.task_queue", "accounts.sign_in_security", "audit.exports", "imports.jobs",
            "customers.team_stages"} <= codes


def test_the_home_page_reads_a_fixed_number_of_queries_whatever_the_team_size(client_for, org, team,
                                                                           django_assert_max_num_queries):
    manager = org["manager"]
    client = client_for(manager)
    client.get("/")
    for i in range(10):
        create_customer(actor=team["other"], data={"name": f"更多客户{i}"})
    with django_assert_max_num_queries(40):
        client.get("/")


def test_the_team_stage_counts_are_reused_for_a_while_and_say_when_they_were_counted(client_for, org, team):
    from django.core.cache import cache

    from crm.customers.widgets import team_stages_widget

    manager = org["manager"]
    first = team_stages_widget(manager)
    create_customer(actor=team["rep"], data={"name": "又一个客户"})
    again = team_stages_widget(manager)
    assert again["rows"] == first["rows"] and again["counted_at"] == first["counted_at"]  # not counted again
    html = widget_html(client_for(manager).get("/"), "customers.team_stages")
    assert "as of " in html or "截至" in html
    cache.clear()  # what TEAM_COUNTS_SECONDS later brings
    fresh = {person: total for person, _counts, total in team_stages_widget(manager)["rows"]}
    assert fresh[team["rep"]] == {person: total for person, _c, total in first["rows"]}[team["rep"]] + 1
