"""The customers' widgets on the home page (registered in CustomersConfig.ready()). Both read only the user's
own customers, through visible_to, by indexed columns (owner + next follow-up; owner)."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.dashboard import Widget
from crm.customers.models import Customer

DUE_SHOWN = 5


def due_follow_ups_widget(user) -> dict:
    due = Customer.objects.visible_to(user).follow_up_due(user)
    now = timezone.now()
    return {"customers": list(due[:DUE_SHOWN]), "overdue": due.filter(next_follow_up_at__lt=now).count(),
            "total": due.count(), "now": now}


def customers_by_stage_widget(user) -> dict:
    counts = dict(Customer.objects.visible_to(user).filter(owner=user).order_by()
                  .values_list("lifecycle_stage").annotate(n=Count("id")))
    return {"stages": [(code, label, counts.get(code, 0)) for code, label in Customer.Stage.choices],
            "total": sum(counts.values())}


DUE_FOLLOW_UPS = Widget(code="customers.due_follow_ups", title=_("My follow-ups due"),
                        template="customers/widgets/_due_follow_ups.html", context=due_follow_ups_widget,
                        module="customers", order=10)
BY_STAGE = Widget(code="customers.by_stage", title=_("My customers by lifecycle stage"),
                  template="customers/widgets/_by_stage.html", context=customers_by_stage_widget,
                  module="customers", order=20)
