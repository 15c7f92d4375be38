"""Customer care (客户关怀): greeting plans, the days they greet on, and the log of every greeting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.care.rendering import check_template
from crm.core.bounds import validate_calendar_date
from crm.core.models import ScopedModel, TimeStampedModel
from crm.core.querysets import ScopedQuerySet
from crm.customers.models import Customer
from crm.system.dictionaries import DictionaryCodeValidator


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    HOLIDAY = "holiday", _("Holiday")
    ANNIVERSARY = "anniversary", _("First-order anniversary")


class GreetingDay(TimeStampedModel):
    """A day worth a greeting (春节 2027-02-06, 中秋节, 元旦, 圣诞节). Chinese festivals move every year, so
    administrators keep the dates: edit a day's date for the new year, or add the new year's date under the same
    name (plans that greet on that name pick it up)."""

    class Calendar(models.TextChoices):
        CHINESE = "chinese", _("Chinese (lunar)")
        WESTERN = "western", _("Western (Gregorian)")

    name = models.CharField(_("name"), max_length=50)
    date = models.DateField(_("date"), db_index=True, validators=[validate_calendar_date])
    calendar = models.CharField(_("calendar"), max_length=10, choices=Calendar.choices, default=Calendar.WESTERN)

    class Meta:
        ordering = ["date", "name"]
        verbose_name = _("greeting day")
        verbose_name_plural = _("greeting days")
        constraints = [models.UniqueConstraint(fields=["name", "date"], name="greeting_day_unique_name_date")]

    def __str__(self) -> str:
        return f"{self.name} {self.date:%Y-%m-%d}"


class CarePlan(ScopedModel):
    """Who gets which greeting when: one occasion, a subject and body with merge fields, optionally narrowed to
    customer levels, lifecycle stages and tags. A plan greets only customers its owner may see, so a manager's
    plan stays within their department's customers."""

    module = "care"

    name = models.CharField(_("name"), max_length=100)
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    greeting_days = models.ManyToManyField(GreetingDay, verbose_name=_("greeting days"), blank=True,
                                           related_name="plans",
                                           help_text=_("For holiday plans: the days this plan greets on."))
    subject_template = models.CharField(_("subject"), max_length=200)
    body_template = models.TextField(_("body"), max_length=10000)
    levels = models.JSONField(_("customer levels"), default=list, blank=True,
                              help_text=_("Only customers of these levels; none ticked means every level."))
    lifecycle_stages = models.JSONField(_("lifecycle stages"), default=list, blank=True,
                                        help_text=_("Only customers in these stages; none ticked means every stage."))
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("tags"), blank=True, related_name="+",
                                  help_text=_("Only customers with one of these tags; none means any customer."))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("care:plan_preview", args=[self.pk])

    def clean(self):
        errors: dict[str, list] = {}
        for field in ("subject_template", "body_template"):
            try:
                check_template(getattr(self, field) or "")
            except ValidationError as error:
                errors[field] = error.messages
        levels = self.levels if isinstance(self.levels, list) else None
        stages = self.lifecycle_stages if isinstance(self.lifecycle_stages, list) else None
        if levels is None:
            errors["levels"] = [_("A list of customer level codes.")]
        else:
            for code in levels:
                try:
                    DictionaryCodeValidator("customer_level")(code)
                except ValidationError as error:
                    errors["levels"] = error.messages
        if stages is None or any(stage not in Customer.Stage.values for stage in stages):
            errors["lifecycle_stages"] = [_("Choose stages from the list.")]
        if errors:
            raise ValidationError(errors)


class CareLog(models.Model):
    """One greeting to one contact for one occasion: sent, failed (with the error) or skipped (with why).

    The unique (plan, contact, occasion date) row is claimed before the mail goes out, so a greeting is never
    sent twice, however often or concurrently the job runs. Only the masked address is kept: erasing a person's
    data leaves nothing readable here.
    """

    module = "care"
    scope_through = "customer"
    MAX_ATTEMPTS = 3

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class Reason(models.TextChoices):
        NONE = "", "—"
        NO_CONSENT = "no_consent", _("No consent to greetings")
        NO_EMAIL = "no_email", _("No e-mail address")
        DELIVERY = "delivery", _("The mail server refused or failed")
        TEMPLATE = "template", _("The template could not be rendered")

    plan = models.ForeignKey(CarePlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="logs")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE,
                                related_name="+")
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    occasion_date = models.DateField(_("occasion date"))
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True, default="")
    error = models.CharField(_("error"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occasion_date", "-id"]
        verbose_name = _("care log entry")
        verbose_name_plural = _("care log")
        constraints = [models.UniqueConstraint(fields=["plan", "contact", "occasion_date"],
                                               name="care_log_once_per_occasion")]
        indexes = [models.Index(fields=["plan", "occasion_date"], name="care_log_plan_date_idx")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.occasion_date:%Y-%m-%d} · {self.get_status_display()}"
