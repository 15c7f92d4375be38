"""Every change to care plans and greeting days, and the sending of greetings, whichever door it came by."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.care.models import CareLog, CarePlan, GreetingDay, Occasion
from crm.care.occasions import Greeting, due_greetings, holiday_today
from crm.care.rendering import GreetingTemplate, GreetingTooLong, RenderedGreeting, merge_values, sample_values
from crm.core.concurrency import lock_for_update
from crm.core.contact_points import mask_email
from crm.core.errors import DomainError
from crm.customers.models import Contact
from crm.system.models import SystemSettings

logger = logging.getLogger(__name__)


# --- Plans ---------------------------------------------------------------------------------------------------

def _plan_relations(plan: CarePlan) -> dict[str, list[str]]:
    """Greeting days and tags as the audit trail shows them (many-to-many fields are not in snapshot())."""
    return {"greeting_days": [str(day) for day in plan.greeting_days.all()],
            "tags": sorted(tag.name for tag in plan.tags.all())}


def _check_greeting_days(occasion: str, greeting_days: Any) -> None:
    if occasion == Occasion.HOLIDAY and not list(greeting_days or []):
        raise DomainError(_("Choose at least one greeting day for a holiday plan."), field="greeting_days")


@transaction.atomic
def create_care_plan(*, actor: User, data: dict[str, Any]) -> CarePlan:
    """Creates a plan owned by the actor, in the actor's department (which decides who sees the plan and which
    customers it greets)."""
    fields = dict(data)
    greeting_days, tags = fields.pop("greeting_days", None) or [], fields.pop("tags", None) or []
    plan = CarePlan(**fields, owner=actor, department_id=actor.department_id, created_by=actor)
    plan.full_clean()
    _check_greeting_days(plan.occasion, greeting_days)
    plan.save()
    plan.greeting_days.set(greeting_days)
    plan.tags.set(tags)
    event = audit.record_create(actor=actor, instance=plan)
    event.changes.update({name: [None, value] for name, value in _plan_relations(plan).items() if value})
    event.save(update_fields=["changes"])
    return plan


@transaction.atomic
def update_care_plan(*, actor: User, plan: CarePlan, data: dict[str, Any]) -> CarePlan:
    lock_for_update(plan)  # the change and the audit's "from" apply to the plan as it is now
    fields = dict(data)
    greeting_days, tags = fields.pop("greeting_days", None), fields.pop("tags", None)
    before = {**audit.snapshot(plan), **_plan_relations(plan)}
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    _check_greeting_days(plan.occasion, plan.greeting_days.all() if greeting_days is None else greeting_days)
    plan.save()
    if greeting_days is not None:
        plan.greeting_days.set(greeting_days)
    if tags is not None:
        plan.tags.set(tags)
    changes = audit.diff(before, {**audit.snapshot(plan), **_plan_relations(plan)})
    if changes:
        audit.record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=plan, changes=changes)
    return plan


@transaction.atomic
def delete_care_plan(*, actor: User, plan: CarePlan) -> None:
    """Deletes a plan that has not greeted anyone yet; one with a log is deactivated instead, so the log stays."""
    if plan.logs.exists():
        raise DomainError(_("This plan has already sent greetings: deactivate it instead, so its log stays."),
                          code="has_log")
    audit.record_delete(actor=actor, instance=plan)
    plan.delete()


# --- Greeting days -------------------------------------------------------------------------------------------

@transaction.atomic
def create_greeting_day(*, actor: User, data: dict[str, Any]) -> GreetingDay:
    """Adds a greeting day. Plans already greeting on a day of the same name (last year's 春节) take the new
    date too, so a new year needs only its dates entered."""
    day = GreetingDay(**data)
    day.full_clean()
    day.save()
    plans = list(CarePlan.objects.filter(greeting_days__name=day.name).distinct())
    for plan in plans:
        plan.greeting_days.add(day)
    event = audit.record_create(actor=actor, instance=day)
    if plans:
        event.changes["plans"] = [None, [plan.name for plan in plans]]
        event.save(update_fields=["changes"])
    return day


@transaction.atomic
def update_greeting_day(*, actor: User, day: GreetingDay, data: dict[str, Any]) -> GreetingDay:
    return audit.save_with_audit(actor=actor, instance=day, data=data)


@transaction.atomic
def delete_greeting_day(*, actor: User, day: GreetingDay) -> None:
    """Removes a day from the calendar and from every plan; greetings already sent keep their log."""
    audit.record_delete(actor=actor, instance=day)
    day.delete()


# --- Rendering -----------------------------------------------------------------------------------------------

def company_today() -> dt.date:
    """Today in the company's time zone (system settings): birthdays begin at the company's midnight."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(SystemSettings.current().time_zone)).date()


def _values_for(greeting: Greeting, company: str, today: dt.date) -> dict[str, Any]:
    return merge_values(contact_name=greeting.contact.name, contact_title=greeting.contact.title,
                        customer_name=greeting.customer.name, company=company, holiday=greeting.holiday,
                        years=greeting.years, today=today)


def preview_care_plan(plan: CarePlan, contact: Contact | None = None, *, today: dt.date | None = None
                      ) -> RenderedGreeting:
    """The greeting as ``contact`` would get it (sample values without one). The holiday is the plan's next
    greeting day, the years those since the customer's first order; nothing is sent or logged."""
    today = today or company_today()
    company = SystemSettings.current().company_name
    if contact is None:
        values = sample_values(company=company, today=today)
    else:
        next_day = plan.greeting_days.filter(date__gte=today).order_by("date").first() or \
            plan.greeting_days.order_by("-date").first()
        first_order = contact.customer.first_order_at
        years = max(today.year - first_order.year, 1) if first_order else None
        values = _values_for(Greeting(contact=contact, customer=contact.customer,
                                      holiday=next_day.name if next_day else "", years=years), company, today)
    try:
        return GreetingTemplate(plan.subject_template, plan.body_template).render(values)
    except GreetingTooLong as error:
        raise DomainError(str(error), field="body_template") from error


# --- Sending -------------------------------------------------------------------------------------------------

@dataclass
class GreetingRun:
    """What one run of send_due_greetings did."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    already_done: int = 0
    # Set when the mail server could not be reached: the run stopped, the rest waits for the next run.
    stopped_by: str = ""

    def as_dict(self) -> dict[str, int | str]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped, "already_done": self.already_done,
                "stopped_by": self.stopped_by}


class MailServerUnavailable(Exception):
    """No connection to the mail server: trying the remaining greetings now would only wait out the timeout
    for each of them."""


def _claim(plan: CarePlan, greeting: Greeting, today: dt.date, recipient: str) -> CareLog | None:
    """Takes the (plan, contact, date) slot for sending, or None when it is taken.

    A new slot is a row inserted with status "sending": the unique constraint lets exactly one of several
    concurrent runs insert it. A slot that was skipped, or failed with attempts left, is taken back by a
    conditional update that likewise only one run can win. A row left in "sending" (a run that died mid-send)
    is never taken again: a greeting may be lost, but never sent twice.
    """
    try:
        with transaction.atomic():
            return CareLog.objects.create(plan=plan, contact=greeting.contact, customer=greeting.customer,
                                          occasion=plan.occasion, occasion_date=today, recipient=recipient,
                                          status=CareLog.Status.SENDING, attempts=1)
    except IntegrityError:
        pass
    retryable = Q(status=CareLog.Status.SKIPPED) | Q(status=CareLog.Status.FAILED,
                                                     attempts__lt=CareLog.MAX_ATTEMPTS)
    slot = CareLog.objects.filter(plan=plan, contact=greeting.contact, occasion_date=today)
    if not slot.filter(retryable).update(status=CareLog.Status.SENDING, attempts=F("attempts") + 1, reason="",
                                         error="", recipient=recipient, updated_at=timezone.now()):
        return None
    return slot.get()


def _skip(plan: CarePlan, greeting: Greeting, today: dt.date, reason: str, recipient: str) -> bool:
    """Logs that the contact was passed over, unless the slot already holds a greeting. True if logged."""
    log, created = CareLog.objects.get_or_create(
        plan=plan, contact=greeting.contact, occasion_date=today,
        defaults={"customer": greeting.customer, "occasion": plan.occasion, "recipient": recipient,
                  "status": CareLog.Status.SKIPPED, "reason": reason})
    return created


def _finish(log: CareLog, status: str, *, reason: str = "", error: str = "") -> None:
    now = timezone.now()
    CareLog.objects.filter(pk=log.pk).update(status=status, reason=reason, error=error[:500], updated_at=now,
                                             sent_at=now if status == CareLog.Status.SENT else None)


class _Mailer:
    """One SMTP connection for a whole run, opened again after a failure so one bad recipient or a dropped
    connection does not fail everyone after it."""

    def __init__(self, company: str):
        self.connection = get_connection()
        # Greetings come from the company by name (示例科技有限公司 <crm@…>), at the configured address.
        default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        self.sender = formataddr((company or default_name, address))

    def send(self, to: str, greeting: RenderedGreeting) -> None:
        message = EmailMultiAlternatives(greeting.subject, greeting.text, self.sender, [to],
                                         connection=self.connection)
        message.attach_alternative(greeting.html, "text/html")
        try:
            self.connection.open()  # kept open across messages: a no-op once connected
        except Exception as error:
            self.close()
            raise MailServerUnavailable(f"{error.__class__.__name__}: {error}") from error
        try:
            message.send()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - a connection that is already broken needs no clean close
            logger.warning("Closing the mail connection failed", exc_info=True)


def _send_plan(plan: CarePlan, today: dt.date, company: str, mailer: _Mailer, run: GreetingRun) -> None:
    template = GreetingTemplate(plan.subject_template, plan.body_template)
    # What this plan already did today, read once: a rerun passes over those contacts without a write.
    done = {contact_id: (status, attempts) for contact_id, status, attempts in
            CareLog.objects.filter(plan=plan, occasion_date=today).values_list("contact_id", "status", "attempts")}
    for greeting in due_greetings(plan, today):
        contact = greeting.contact
        status, attempts = done.get(contact.pk, (None, 0))
        if status in (CareLog.Status.SENT, CareLog.Status.SENDING) or (
                status == CareLog.Status.FAILED and attempts >= CareLog.MAX_ATTEMPTS):
            run.already_done += 1
            continue
        recipient = mask_email(contact.email)
        if not contact.consent_given:
            # Greetings are marketing mail: no consent recorded, no mail (see docs/care.md).
            if status is None and _skip(plan, greeting, today, CareLog.Reason.NO_CONSENT, recipient):
                run.skipped += 1
            else:
                run.already_done += 1
            continue
        log = _claim(plan, greeting, today, recipient)
        if log is None:
            run.already_done += 1
            continue
        try:
            rendered = template.render(_values_for(greeting, company, today))
        except Exception as error:  # noqa: BLE001 - one broken render must not stop the others
            _finish(log, CareLog.Status.FAILED, reason=CareLog.Reason.TEMPLATE, error=str(error))
            run.failed += 1
            continue
        try:
            mailer.send(contact.email, rendered)
        except MailServerUnavailable as error:
            _finish(log, CareLog.Status.FAILED, reason=CareLog.Reason.DELIVERY, error=str(error))
            run.failed += 1
            raise
        except Exception as error:  # noqa: BLE001 - SMTP refusals, timeouts, dropped connections: log, go on
            # Refusals quote the address: the log (and the server log) keep only its masked form.
            message = f"{error.__class__.__name__}: {error}".replace(contact.email, recipient)
            logger.warning("Greeting of plan %s to contact %s failed: %s", plan.pk, contact.pk, message)
            _finish(log, CareLog.Status.FAILED, reason=CareLog.Reason.DELIVERY, error=message)
            run.failed += 1
            continue
        _finish(log, CareLog.Status.SENT)
        run.sent += 1


def send_due_greetings(*, today: dt.date | None = None) -> GreetingRun:
    """Sends today's greetings of every active plan and logs each one (sent, failed or skipped).

    Safe to run again or concurrently: each greeting's log row is claimed before its mail goes out (see
    _claim). Deliberately not one transaction: every claim and result is committed as it happens, so a crash
    half-way keeps what was already sent on record. Failed greetings are tried again by a later run of the
    same day, up to CareLog.MAX_ATTEMPTS times. When the mail server cannot be reached at all the run stops
    (``stopped_by`` says why) and leaves the remaining greetings to the next run.
    """
    today = today or company_today()
    company = SystemSettings.current().company_name
    run = GreetingRun()
    mailer = _Mailer(company)
    try:
        plans = CarePlan.objects.filter(is_active=True).select_related("owner").prefetch_related("tags")
        for plan in plans:
            if plan.occasion == Occasion.HOLIDAY and not holiday_today(plan, today):
                continue
            _send_plan(plan, today, company, mailer, run)
    except MailServerUnavailable as error:
        run.stopped_by = str(error)
        logger.error("Greetings for %s stopped, the mail server is unavailable: %s", today, error)
    finally:
        mailer.close()
    logger.info("Greetings for %s: %s", today, run.as_dict())
    return run
