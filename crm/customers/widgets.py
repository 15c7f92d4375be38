"""The customers' widgets on the home page (registered in CustomersConfig.ready()).

A rep's widgets read only their own customers; a manager's read the team their data scope reaches
(``team_in_scope``), always through ``visible_to``, and leave themselves out for a user with no team. Every
query is a grouped count along an index led by the owner (or the time of the event), so the home page stays
fast at a million customers (bench/bench_home.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.charts import Chart, Series
from crm.core.dashboard import Widget
from crm.core.querysets import team_in_scope
from crm.customers.models import Activity, Customer, PoolMovement
from crm.customers.services import pool
from crm.system.dictionaries import dictionary_choices

DUE_SHOWN = 5
RETURNING_SHOWN = 5
TEAM_SHOWN = 15  # people on a team chart; the rest are summed up in a line below it
POOL_WEEKS = 8
# How long the team's customers-per-stage counts are reused (per viewer); the widget says when it counted.
TEAM_COUNTS_SECONDS = 300

# Colours of the lifecycle stages, the same in every chart (calm for the living, warm for those slipping away).
STAGE_COLOURS = {"prospect": "#9ec5fe", "new": "#0d6efd", "active": "#198754", "dormant": "#ffc107",
                 "lost": "#adb5bd"}
POOL_COLOURS = {PoolMovement.Action.RETURNED: "#fd7e14", PoolMovement.Action.RELEASED: "#ffc107",
                PoolMovement.Action.CLAIMED: "#198754", PoolMovement.Action.ASSIGNED: "#0d6efd"}


# --- A rep's day ---------------------------------------------------------------------------------------------


def _no_desk_of_their_own(user) -> bool:
    """A manager or admin who owns no customers: the personal widgets would only say "nothing" to them (a new
    rep, who has no team, still gets them, with what to do first). Asked once per request and user."""
    if not hasattr(user, "_dashboard_no_desk"):
        user._dashboard_no_desk = _team(user) is not None and not Customer.objects.filter(owner=user).exists()
    return user._dashboard_no_desk


def due_follow_ups_widget(user) -> dict | None:
    if _no_desk_of_their_own(user):
        return None
    due = Customer.objects.visible_to(user).follow_up_due(user)
    now = timezone.now()
    shown = list(due[:DUE_SHOWN])
    return {"customers": shown, "overdue": due.filter(next_follow_up_at__lt=now).count(),
            "total": len(shown) if len(shown) < DUE_SHOWN else due.count(), "now": now,
            "kinds": dictionary_choices("follow_up_type"), "can_log": user.has_module_perm("customers", "edit")}


def returning_soon_widget(user) -> dict | None:
    if _no_desk_of_their_own(user):
        return None
    returning = pool.customers_returning_soon(user, limit=RETURNING_SHOWN)
    return {"returning": returning[:RETURNING_SHOWN], "more": len(returning) > RETURNING_SHOWN}


def customers_by_stage_widget(user) -> dict | None:
    if _no_desk_of_their_own(user):
        return None
    counts = dict(Customer.objects.visible_to(user).filter(owner=user).order_by()
                  .values_list("lifecycle_stage").annotate(n=Count("id")))
    stages = [(code, label, counts.get(code, 0), STAGE_COLOURS.get(code, "")) for code, label in Customer.Stage.choices]
    chart = Chart("customers.by_stage", "donut", [label for _code, label, _n, _c in stages],
                  [Series(_("Customers"), [n for _code, _label, n, _c in stages],
                          colors=[colour for _code, _label, _n, colour in stages])],
                  label=_("My customers by lifecycle stage"))
    return {"stages": stages, "total": sum(counts.values()), "chart": chart}


# --- A manager's team ----------------------------------------------------------------------------------------


def _team(user) -> list[Any] | None:
    """The people whose records ``user``'s scope reaches (themselves included), or None for a rep. Read once per
    request and user: four widgets ask."""
    if not hasattr(user, "_dashboard_team"):
        team = team_in_scope(user)
        user._dashboard_team = None if team is None else list(team[0].select_related(None).only("id", "name",
                                                                                                  "username"))
    return user._dashboard_team


def _top(people: list[Any], totals: dict[int, int]) -> tuple[list[Any], int]:
    """The TEAM_SHOWN people with the largest totals (names for ties), and how many more have any."""
    ranked = sorted((p for p in people if totals.get(p.pk)), key=lambda p: (-totals[p.pk], str(p)))
    return ranked[:TEAM_SHOWN], max(len(ranked) - TEAM_SHOWN, 0)


def start_of_week(now: dt.datetime) -> dt.datetime:
    """Monday 00:00 of this week, local time (the Chinese working week)."""
    local = timezone.localtime(now)
    return (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def team_activity_widget(user) -> dict | None:
    people = _team(user)
    if people is None:
        return None
    since = start_of_week(timezone.now())
    counts = dict(Activity.objects.visible_to(user).filter(occurred_at__gte=since, created_by__in=people)
                  .order_by().values_list("created_by").annotate(n=Count("id")))
    shown, more = _top(people, counts)
    rows = [(person, counts[person.pk]) for person in shown]
    chart = Chart("customers.team_activity", "hbar", [str(p) for p, _n in rows],
                  [Series(_("Follow-ups"), [n for _p, n in rows], color="#0d6efd")],
                  label=_("Follow-ups logged this week, per person"))
    return {"rows": rows, "more": more, "since": since, "total": sum(counts.values()), "chart": chart}


def _team_stage_counts(user, people: list[Any]) -> tuple[dict[int, dict[str, int]], dt.datetime]:
    """{owner id: {stage: customers}} across the team, and when that was counted. Counted at most every
    TEAM_COUNTS_SECONDS per viewer: at a million customers the count reads every index entry of the scope
    (0.1–0.2 s on SQLite, bench/bench_home.py), too much for each visit of a chart of the month, not the minute."""
    key = f"customers.team_stages:{user.pk}"
    if (cached := cache.get(key)) is not None:
        return cached
    per_owner: dict[int, dict[str, int]] = defaultdict(dict)
    for owner_id, stage, n in (Customer.objects.visible_to(user).filter(owner__in=people).order_by()
                               .values_list("owner", "lifecycle_stage").annotate(n=Count("id"))):
        per_owner[owner_id][stage] = n
    counted = (dict(per_owner), timezone.now())
    cache.set(key, counted, TEAM_COUNTS_SECONDS)
    return counted


def team_stages_widget(user) -> dict | None:
    people = _team(user)
    if people is None:
        return None
    counts, counted_at = _team_stage_counts(user, people)
    per_owner: dict[int, dict[str, int]] = defaultdict(dict, counts)
    shown, more = _top(people, {owner: sum(stages.values()) for owner, stages in per_owner.items()})
    stages = Customer.Stage.choices
    chart = Chart("customers.team_stages", "stacked-hbar", [str(p) for p in shown],
                  [Series(label, [per_owner[p.pk].get(code, 0) for p in shown], color=STAGE_COLOURS.get(code, ""))
                   for code, label in stages],
                  label=_("Customers by lifecycle stage, per person"))
    rows = [(person, [per_owner[person.pk].get(code, 0) for code, _label in stages],
             sum(per_owner[person.pk].values())) for person in shown]
    return {"rows": rows, "stages": stages, "more": more, "chart": chart, "counted_at": counted_at}


def team_overdue_widget(user) -> dict | None:
    people = _team(user)
    if people is None:
        return None
    counts = dict(Customer.objects.visible_to(user).filter(owner__in=people, next_follow_up_at__lt=timezone.now())
                  .order_by().values_list("owner").annotate(n=Count("id")))
    shown, more = _top(people, counts)
    rows = [(person, counts[person.pk]) for person in shown]
    chart = Chart("customers.team_overdue", "hbar", [str(p) for p, _n in rows],
                  [Series(_("Overdue"), [n for _p, n in rows], color="#dc3545")],
                  label=_("Overdue follow-ups, per person"))
    return {"rows": rows, "more": more, "total": sum(counts.values()), "chart": chart}


def pool_flow_widget(user) -> dict | None:
    """Customers that went into the pool (returned by the rule, released) and came out of it (claimed,
    assigned) in the last weeks: the team's own, by the person who held or took them."""
    people = _team(user)
    if people is None:
        return None
    today = timezone.localdate()
    first_week = today - dt.timedelta(days=today.weekday() + 7 * (POOL_WEEKS - 1))
    since = timezone.make_aware(dt.datetime.combine(first_week, dt.time.min))
    ids = [p.pk for p in people]
    moves = (PoolMovement.objects.filter(created_at__gte=since)
             .filter(Q(previous_owner__in=ids) | Q(actor__in=ids)).order_by()
             .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
             .values_list("day", "action").annotate(n=Count("id")))
    weeks = [first_week + dt.timedelta(days=7 * i) for i in range(POOL_WEEKS)]
    per_week: dict[str, list[int]] = {action: [0] * POOL_WEEKS for action in PoolMovement.Action.values}
    for day, action, n in moves:
        per_week.setdefault(action, [0] * POOL_WEEKS)[min((day - first_week).days // 7, POOL_WEEKS - 1)] += n
    labels = [f"{week:%m-%d}" for week in weeks]
    series = [Series(label, per_week[code], color=POOL_COLOURS.get(code, ""))
              for code, label in PoolMovement.Action.choices]
    chart = Chart("customers.pool_flow", "stacked-bar", labels, series,
                  label=_("Customers into and out of the pool, per week"))
    totals = [(label, sum(per_week[code])) for code, label in PoolMovement.Action.choices]
    return {"chart": chart, "totals": totals, "since": first_week}


DUE_FOLLOW_UPS = Widget(code="customers.due_follow_ups", title=_("My follow-ups due"),
                        template="customers/widgets/_due_follow_ups.html", context=due_follow_ups_widget,
                        module="customers", order=10)
RETURNING_SOON = Widget(code="customers.returning_soon", title=_("Returning to the pool soon"),
                        template="customers/widgets/_returning_soon.html", context=returning_soon_widget,
                        module="customers", order=40, size="third")
BY_STAGE = Widget(code="customers.by_stage", title=_("My customers by lifecycle stage"),
                  template="customers/widgets/_by_stage.html", context=customers_by_stage_widget,
                  module="customers", order=20)
TEAM_ACTIVITY = Widget(code="customers.team_activity", title=_("The team's follow-ups this week"),
                       template="customers/widgets/_team_activity.html", context=team_activity_widget,
                       module="customers", order=30)
TEAM_OVERDUE = Widget(code="customers.team_overdue", title=_("Overdue follow-ups per person"),
                      template="customers/widgets/_team_overdue.html", context=team_overdue_widget,
                      module="customers", order=32)
TEAM_STAGES = Widget(code="customers.team_stages", title=_("Customers by stage per person"),
                     template="customers/widgets/_team_stages.html", context=team_stages_widget,
                     module="customers", order=34)
POOL_FLOW = Widget(code="customers.pool_flow", title=_("Pool inflow and claims"),
                   template="customers/widgets/_pool_flow.html", context=pool_flow_widget,
                   module="customers", order=36)
WIDGETS = [DUE_FOLLOW_UPS, RETURNING_SOON, BY_STAGE, TEAM_ACTIVITY, TEAM_OVERDUE, TEAM_STAGES, POOL_FLOW]
