"""Who a plan greets on a given day. Queries only: sending (and its log) is in services.py."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from crm.care.models import CarePlan, Occasion
from crm.customers.models import Contact, Customer


@dataclass(frozen=True)
class Greeting:
    """One contact due a greeting under a plan today, with the occasion's own merge values."""

    contact: Contact
    customer: Customer
    holiday: str = ""
    years: int | None = None


def same_day_of_year(field: str, today: dt.date) -> Q:
    """Dates in ``field`` falling on today's month and day. On 28 February of a common year, 29 February counts
    too, so people born on a leap day are greeted every year."""
    q = Q(**{f"{field}__month": today.month, f"{field}__day": today.day})
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        q |= Q(**{f"{field}__month": 2, f"{field}__day": 29})
    return q


def plan_customers(plan: CarePlan) -> QuerySet[Customer]:
    """The customers a plan reaches: not deleted, within its owner's data scope, narrowed by its filters."""
    # Customer.objects leaves out the recycle bin; a plan without an owner is company-wide.
    customers = Customer.objects.all() if plan.owner is None else Customer.objects.visible_to(plan.owner, "view")
    if plan.levels:
        customers = customers.filter(level__in=plan.levels)
    if plan.lifecycle_stages:
        customers = customers.filter(lifecycle_stage__in=plan.lifecycle_stages)
    tag_ids = [tag.pk for tag in plan.tags.all()]
    if tag_ids:
        customers = customers.filter(pk__in=Customer.tags.through.objects.filter(tag_id__in=tag_ids)
                                     .values("customer_id"))
    return customers


def _reachable_contacts(plan: CarePlan) -> QuerySet[Contact]:
    """Contacts of the plan's customers who have an e-mail address and whose data has not been erased."""
    return (Contact.objects.filter(customer__in=plan_customers(plan).values("pk"), erased_at__isnull=True)
            .exclude(email_index="").select_related("customer"))


def _in_batches(contacts: QuerySet[Contact], size: int = 500) -> Iterator[Contact]:
    """Contacts in id order, fetched a batch at a time: a holiday can reach every contact there is, and the
    sender writes its log between batches."""
    ids = list(contacts.order_by("id").values_list("pk", flat=True))
    for start in range(0, len(ids), size):
        yield from contacts.filter(pk__in=ids[start:start + size]).order_by("id")


def holiday_today(plan: CarePlan, today: dt.date) -> str:
    """The name of the plan's greeting day falling on ``today``, or "" when there is none."""
    day = plan.greeting_days.filter(date=today).order_by("name").first()
    return day.name if day else ""


def due_greetings(plan: CarePlan, today: dt.date) -> Iterator[Greeting]:
    """Every contact the plan greets on ``today`` (consent is checked by the sender, which logs a skip)."""
    if plan.occasion == Occasion.BIRTHDAY:
        for contact in _in_batches(_reachable_contacts(plan).filter(same_day_of_year("birthday", today))):
            yield Greeting(contact=contact, customer=contact.customer)
    elif plan.occasion == Occasion.HOLIDAY:
        if holiday := holiday_today(plan, today):
            for contact in _in_batches(_reachable_contacts(plan)):
                yield Greeting(contact=contact, customer=contact.customer, holiday=holiday)
    elif plan.occasion == Occasion.ANNIVERSARY:
        customers = (plan_customers(plan).filter(same_day_of_year("first_order_at", today))
                     .filter(first_order_at__year__lt=today.year))
        contacts = (_reachable_contacts(plan).filter(customer__in=customers.values("pk"))
                    .order_by("customer_id", "-is_primary", "id"))
        seen: set[int] = set()
        for contact in contacts:
            # One greeting per customer: to its primary contact, or else the first contact with an e-mail.
            if contact.customer_id in seen:
                continue
            seen.add(contact.customer_id)
            years = today.year - contact.customer.first_order_at.year
            yield Greeting(contact=contact, customer=contact.customer, years=years)
