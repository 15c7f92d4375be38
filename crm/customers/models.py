"""Customers (企业或个人客户). The first business model on the data-scope rules; extended by the customers issue."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.bounds import (
    max_days_validator,
    validate_calendar_date,
    validate_follow_up_time,
    validate_next_follow_up_time,
    validate_past_date,
)
from crm.core.concurrency import VersionedModel
from crm.core.contact_points import (
    PhoneValidator,
    mask_email,
    mask_id_number,
    mask_phone,
    normalise_email,
    normalise_phone,
    parse_phone,
)
from crm.core.crypto import EncryptedCharField, blind_index
from crm.core.identity_numbers import NumberValidator, normalise_identity
from crm.core.models import ScopedModel, TimeStampedModel
from crm.core.pinyin import search_text
from crm.core.querysets import ScopedQuerySet
from crm.system.dictionaries import DictionaryCodeValidator, dictionary_label

# Company-form words that do not tell two customers apart: 杭州西湖科技有限公司 and 西湖科技 are one customer.
_NAME_NOISE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|co\.?,?\s*ltd\.?|ltd\.?|inc\.?|corp\.?|llc|gmbh|"
    r"[\s\-_,.，。、()（）·&]+)"
)


def name_key(name: str) -> str:
    """The key two customer names share when they are probably the same customer (the fuzzy duplicate key)."""
    return _NAME_NOISE.sub("", (name or "").strip().lower())[:200]


class Tag(TimeStampedModel):
    """A free label on customers (e.g. 重点客户, 展会2026). Shared by everyone; admins tidy them up."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, blank=True, default="",
                             validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("A colour like #1677ff."))])

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


# What a customer number may look like, whoever wrote it (the sequence, an import file): no spaces, no quotes.
NUMBER_FORMAT = RegexValidator(r"^[\w\-/.]+$", _("A customer number uses letters, digits, - _ / or ."))


class CustomerQuerySet(ScopedQuerySet):
    def alive(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=True)

    def follow_up_due(self, owner) -> CustomerQuerySet:
        """``owner``'s customers whose next follow-up is due by the end of today (overdue included), soonest
        first. Apply after visible_to()."""
        end_of_today = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=999999)
        return self.filter(owner=owner, next_follow_up_at__lte=end_of_today).order_by("next_follow_up_at", "id")

    def in_pool(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=True, owner__isnull=True, pool_entered_at__isnull=False)


class CustomerManager(models.Manager.from_queryset(CustomerQuerySet)):
    """Customers in the recycle bin or merged away are not there for the rest of the app; ``all_objects`` sees
    them (the recycle bin, merge and purge use it)."""

    def get_queryset(self) -> CustomerQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Customer(ScopedModel):
    module = "customers"
    # Soft-deleted customers keep their related records, so a restore brings everything back.
    soft_delete = True
    # Derived columns and bookkeeping: not worth a line in the audit trail (crm.audit.services.snapshot).
    audit_exclude = ("search_text", "name_key", "pool_warned_at", "idle_since")
    # Indexed for search beside search_text, each apart: a role denied one is not matched by it (core/fulltext.py).
    search_index_fields = ("phone", "email")

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    class Stage(models.TextChoices):
        PROSPECT = "prospect", pgettext_lazy("lifecycle stage", "Prospect")
        NEW = "new", pgettext_lazy("lifecycle stage", "New")
        ACTIVE = "active", pgettext_lazy("lifecycle stage", "Active")
        DORMANT = "dormant", pgettext_lazy("lifecycle stage", "Dormant")
        LOST = "lost", pgettext_lazy("lifecycle stage", "Lost")

    # 客户编号: given by create_customer() from the "customers.customer" number sequence (or kept from an
    # import), never changed afterwards. NULL only between the column's migration and its numbering.
    number = models.CharField(_("customer number"), max_length=40, null=True, blank=True, editable=False,
                              validators=[NUMBER_FORMAT])
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[PhoneValidator()])
    # Typed with the phone (0571-88886666 转 86) or on its own; kept apart so the main number is what is found.
    phone_extension = models.CharField(_("extension"), max_length=10, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True)
    customer_type = models.CharField(_("customer type"), max_length=50, blank=True,
                                     validators=[DictionaryCodeValidator("customer_type")])
    industry = models.CharField(_("industry"), max_length=50, blank=True,
                                validators=[DictionaryCodeValidator("industry")])
    scale = models.CharField(_("company size"), max_length=50, blank=True,
                             validators=[DictionaryCodeValidator("company_scale")])
    credit_rating = models.CharField(_("credit rating"), max_length=50, blank=True,
                                     validators=[DictionaryCodeValidator("credit_rating")])
    source = models.CharField(_("source"), max_length=50, blank=True, validators=[DictionaryCodeValidator("source")])
    level = models.CharField(_("level"), max_length=50, blank=True,
                             validators=[DictionaryCodeValidator("customer_level")])
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    remark = models.TextField(_("remark"), blank=True)
    # A company's unified social credit code (统一社会信用代码, GB 32100) and invoicing details (开票信息), which
    # invoices print. The tax number is the credit code for most companies (invoice_tax_number()).
    # max_length leaves room for the spaces a user may type (normalised away by fill_derived()).
    credit_code = models.CharField(_("unified social credit code"), max_length=30, blank=True, default="",
                                   validators=[NumberValidator("credit_code")])
    tax_number = models.CharField(_("taxpayer ID"), max_length=30, blank=True, default="",
                                  validators=[NumberValidator("tax_number")])
    invoice_address = models.CharField(_("registered address"), max_length=200, blank=True, default="")
    invoice_phone = models.CharField(_("registered phone"), max_length=40, blank=True, default="",
                                     validators=[PhoneValidator()])
    bank_name = models.CharField(_("bank"), max_length=100, blank=True, default="")
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True, default="",
                                    validators=[NumberValidator("bank_account")])
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    # Collaborators (协作人) see and work on the customer alongside its owner, whatever their data scope.
    collaborators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("collaborators"), blank=True,
                                           related_name="collaborating_customers")
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=20, choices=Stage.choices,
                                       default=Stage.PROSPECT)
    # Set when someone picks the stage by hand: the scheduled job then leaves it alone.
    lifecycle_locked = models.BooleanField(_("stage set by hand"), default=False)
    # Kept by the orders module; until it lands they can be set by hand or by import.
    first_order_at = models.DateField(_("first order"), null=True, blank=True, validators=[validate_past_date])
    last_order_at = models.DateField(_("last order"), null=True, blank=True, validators=[validate_past_date])
    # Name, pinyin, initials and number in one lower-case column: what anyone who sees the customer may search by.
    search_text = models.TextField(blank=True, default="", editable=False)
    name_key = models.CharField(max_length=200, blank=True, default="", editable=False, db_index=True)
    # Kept up to date by log_activity(): the pool rule and the due list read them without scanning activities.
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True, editable=False)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, editable=False)
    # Public pool (公海): no owner and pool_entered_at set. claimed_at marks a customer its owner took from the
    # pool (counted against the role's claim limit); pool_warned_at stops the warning going out twice.
    pool_entered_at = models.DateTimeField(_("in the pool since"), null=True, blank=True, editable=False)
    pool_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed from the pool"), null=True, blank=True, editable=False)
    # When the pool rule's clock started: the latest of the last follow-up, the claim and the creation
    # (idle_since_of()). Stored and indexed with the owner, so the rule, its warning, the customer page and
    # "returning soon" read one value, from an index.
    idle_since = models.DateTimeField(_("idle since"), null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False)

    objects = CustomerManager()
    all_objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # The default order of every list and export: pages and exports walk it instead of sorting.
            models.Index(fields=["-updated_at", "-id"], name="customer_updated_idx"),
            # The other orders a list offers (with the id as tie-breaker): a page walks one of them, see
            # crm/core/pagination.py. name and created_at have indexes of their own.
            models.Index(fields=["level", "id"], name="customer_level_idx"),
            # created_at has an index of its own, but without the id PostgreSQL sorts the ties (an import writes
            # a hundred thousand customers with one timestamp): 1.6 s for a rep's first page by creation.
            models.Index(fields=["created_at", "id"], name="customer_created_idx"),
            models.Index(fields=["lifecycle_stage", "id"], name="customer_stage_idx"),
            models.Index(fields=["last_follow_up_at", "id"], name="customer_last_follow_up_idx"),
            models.Index(fields=["next_follow_up_at", "id"], name="customer_next_follow_up_idx"),
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_idx"),
            models.Index(fields=["department", "-updated_at"], name="customer_dept_idx"),
            models.Index(fields=["owner", "next_follow_up_at"], name="customer_due_idx"),
            # The pool rule's candidates and "returning soon" (an owner's soonest, in order, from the index).
            models.Index(fields=["owner", "idle_since", "id"], name="customer_idle_idx"),
            # "My customers by stage" on the home page, read from the index alone (a rep of 167,000 customers:
            # 3.3 s when SQLite scanned the whole table along the stage index to group it).
            # With the department in it, a manager's team counts too: the scope's "owner = me OR department IN
            # (…)" is read from the index, not from 500,000 rows (0.66 → 0.11 s at a million).
            models.Index(fields=["owner", "lifecycle_stage", "deleted_at", "department"],
                         name="customer_owner_stage_idx"),
            # Partial: only the few rows in the pool or the recycle bin are indexed, so inserts stay cheap and the
            # planner never mistakes "deleted_at IS NULL" for a selective condition.
            models.Index(fields=["pool_entered_at"], name="customer_in_pool_idx",
                         condition=models.Q(pool_entered_at__isnull=False)),
            # The claim limit counts the customers a user took from the pool (a rep of 167,000: 1 s without it).
            models.Index(fields=["owner"], name="customer_claimed_idx", condition=models.Q(claimed_at__isnull=False)),
            models.Index(fields=["deleted_at"], name="customer_in_bin_idx",
                         condition=models.Q(deleted_at__isnull=False)),
            models.Index(fields=["merged_into"], name="customer_merged_idx",
                         condition=models.Q(merged_into__isnull=False)),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
        ]
        constraints = [
            # Soft-deleted and merged-away customers keep their numbers, so they count. Written as a partial
            # index so that adding it to a million rows is one CREATE INDEX on SQLite, not a table rebuild.
            models.UniqueConstraint(fields=["number"], name="customer_number_unique",
                                    condition=models.Q(number__isnull=False),
                                    violation_error_message=_("Another customer already has this number.")),
        ]

    def __str__(self) -> str:
        return self.name

    # What fill_derived() sets: saved with any update_fields.
    DERIVED_FIELDS = ("phone", "phone_extension", "email", "credit_code", "tax_number", "invoice_phone",
                      "bank_account", "search_text", "name_key", "idle_since")

    def fill_derived(self) -> None:
        """Normalises the phone, e-mail and identity numbers and computes the columns derived from the others.
        The one place they are computed: save() calls it, and so does every bulk write (which does not call
        save())."""
        # Stored normalised, so duplicates and exact search find each other whatever the door.
        phone = parse_phone(self.phone)
        if not phone.fault:
            self.phone = phone.number
            self.phone_extension = phone.extension or self.phone_extension
        self.email = normalise_email(self.email) or self.email
        if self.credit_code or self.tax_number or self.bank_account or self.invoice_phone:  # companies' only
            self.credit_code = normalise_identity(self.credit_code)
            self.tax_number = normalise_identity(self.tax_number)
            self.bank_account = normalise_identity(self.bank_account)
            invoice_phone = parse_phone(self.invoice_phone)
            if self.invoice_phone and not invoice_phone.fault:
                self.invoice_phone = str(invoice_phone)
        self.search_text = search_text(self.name, self.number or "", person=self.kind == "individual")
        self.name_key = name_key(self.name)
        self.idle_since = self.idle_since_of(self.last_follow_up_at, self.claimed_at, self.created_at)

    @staticmethod
    def idle_since_of(last_follow_up_at, claimed_at, created_at) -> dt.datetime:
        """The one definition of "idle since": the latest of the last follow-up, the claim and the creation (a
        customer not yet saved counts from now). ``IDLE_SINCE_SQL`` is the same in SQL, for set-based updates."""
        since = created_at or timezone.now()
        if last_follow_up_at is not None and last_follow_up_at > since:
            since = last_follow_up_at
        return claimed_at if claimed_at is not None and claimed_at > since else since

    def clean(self):
        if self.first_order_at and self.last_order_at and self.first_order_at > self.last_order_at:
            raise ValidationError({"last_order_at": _("The last order cannot come before the first order.")})
        if problem := credit_code_kind_problem(self.kind, self.credit_code):
            raise ValidationError({"credit_code": problem})

    def invoice_tax_number(self) -> str:
        """The taxpayer ID an invoice prints: the one given, else the credit code (the same for most companies)."""
        return self.tax_number or self.credit_code

    def save(self, *args, **kwargs):
        self.fill_derived()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    @classmethod
    def extra_scope_ids(cls, user) -> models.QuerySet:
        """Collaborators reach the customer whatever their data scope: the ids of theirs, as a subquery."""
        return cls.collaborators.through.objects.filter(user_id=user.pk).values("customer_id")

    @classmethod
    def widened_scope_ids(cls, user, action: str) -> models.QuerySet | None:
        """The public pool (公海) is open to everyone with customers.pool, whatever their scope: read-only until
        claimed. ``Customer.objects.in_pool().visible_to(user, "pool")`` is the pool a user may see and claim."""
        return cls.objects.in_pool().values("pk") if action == "pool" else None

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.pool_entered_at is not None

    def get_industry_display(self) -> str:
        return dictionary_label("industry", self.industry)

    def get_customer_type_display(self) -> str:
        return dictionary_label("customer_type", self.customer_type)

    def get_scale_display(self) -> str:
        return dictionary_label("company_scale", self.scale)

    def get_credit_rating_display(self) -> str:
        return dictionary_label("credit_rating", self.credit_rating)

    def get_source_display(self) -> str:
        return dictionary_label("source", self.source)

    def get_level_display(self) -> str:
        return dictionary_label("customer_level", self.level)

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


# The same as Customer.idle_since_of(), for UPDATEs over many rows (the pool's moves, the migration's backfill).
IDLE_SINCE_SQL = Greatest(Coalesce("last_follow_up_at", "created_at"), Coalesce("claimed_at", "created_at"))


def credit_code_kind_problem(kind: str | None, credit_code: str) -> str | None:
    """Only a company has a unified social credit code: Customer.clean()'s rule, which an import's rows are
    checked by too (a bulk write calls no clean()). The code itself is checked by its field's validator."""
    if credit_code and kind == Customer.Kind.INDIVIDUAL:
        return _("Only a company has a unified social credit code.")
    return None


class ContactQuerySet(ScopedQuerySet):
    def find_by_phone(self, raw: str) -> ContactQuerySet:
        index = blind_index(normalise_phone(raw))
        return self.filter(mobile_index=index) if index else self.none()

    def find_by_email(self, raw: str) -> ContactQuerySet:
        index = blind_index(normalise_email(raw))
        return self.filter(email_index=index) if index else self.none()


class Contact(VersionedModel, TimeStampedModel):
    """A person at a customer (联系人). Phone, e-mail and ID number are encrypted at rest; their blind indexes
    keep exact search and duplicate detection working. Visible to whoever may see the customer."""

    module = "customers"
    scope_through = "customer"
    SENSITIVE_FIELDS = ("mobile", "email", "id_number")
    audit_exclude = ("search_text",)

    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True, default="")
    mobile = EncryptedCharField(_("mobile"), blank=True, validators=[PhoneValidator()])
    # An extension typed with the number (0571-88886666 转 86) is kept here, so the number's blind index finds it.
    phone_extension = models.CharField(_("extension"), max_length=10, blank=True, default="")
    email = EncryptedCharField(_("e-mail"), blank=True)
    id_number = EncryptedCharField(_("ID number"), blank=True, validators=[NumberValidator("resident_id")])
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Name, pinyin and initials only: the phone and e-mail stay encrypted and are found by their blind index.
    search_text = models.TextField(blank=True, default="", editable=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True, validators=[validate_past_date])
    is_primary = models.BooleanField(_("primary contact"), default=False)
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    consent_at = models.DateTimeField(_("consent date"), null=True, blank=True, validators=[validate_calendar_date])
    remark = models.TextField(_("remark"), blank=True)
    # Set when the person's data was erased on request: the row stays so counts and history still add up.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.email and not normalise_email(self.email):
            errors["email"] = _("Enter a valid e-mail address.")
        if errors:
            raise ValidationError(errors)

    def fill_derived(self) -> None:
        """Normalises the mobile and e-mail and computes the blind indexes and search text: the one place, used
        by save() and by every bulk write."""
        # Stored normalised, so every door (page, API, import) yields the same value and blind index.
        phone = parse_phone(self.mobile)
        if not phone.fault:
            self.mobile = phone.number
            self.phone_extension = phone.extension or self.phone_extension
        self.email = normalise_email(self.email) or self.email
        self.id_number = normalise_identity(self.id_number)
        self.mobile_index = blind_index(normalise_phone(self.mobile))
        self.email_index = blind_index(normalise_email(self.email))
        self.id_number_index = blind_index(self.id_number)
        self.search_text = search_text(self.name, person=True)

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        return self.masked("mobile")

    @property
    def masked_email(self) -> str:
        return self.masked("email")

    def masked(self, field: str) -> str:
        value = getattr(self, field)
        return {"mobile": mask_phone, "email": mask_email, "id_number": mask_id_number}[field](value)


class Activity(VersionedModel, TimeStampedModel):
    """A follow-up record (跟进记录): a call, visit, meeting, e-mail or note about a customer."""

    module = "customers"
    scope_through = "customer"

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="activities")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="activities")
    kind = models.CharField(_("type"), max_length=50, validators=[DictionaryCodeValidator("follow_up_type")])
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True, validators=[validate_follow_up_time])
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True,
                                             validators=[validate_next_follow_up_time])
    created_by = models.ForeignKey("accounts.User", verbose_name=_("logged by"), on_delete=models.SET_NULL,
                                   null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="activity_customer_idx")]

    def __str__(self) -> str:
        return self.subject

    def get_kind_display(self) -> str:
        return dictionary_label("follow_up_type", self.kind)

    def clean(self):
        if self.next_follow_up_at and self.occurred_at and self.next_follow_up_at <= self.occurred_at:
            raise ValidationError({"next_follow_up_at": _("The next follow-up must come after this one.")})
        if self.contact_id and self.customer_id and self.contact.customer_id != self.customer_id:
            raise ValidationError({"contact": _("This contact belongs to another customer.")})


class PoolRule(TimeStampedModel):
    """Customers of a level (any level when blank) with no follow-up for ``days`` go back to the public pool;
    their owner is warned ``warn_days`` before."""

    level = models.CharField(_("level"), max_length=50, blank=True, unique=True,
                             validators=[DictionaryCodeValidator("customer_level")])
    days = models.PositiveIntegerField(_("days without follow-up"), validators=[max_days_validator()])
    warn_days = models.PositiveIntegerField(_("warn the owner days before"), default=3,
                                            validators=[max_days_validator()])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")

    def __str__(self) -> str:
        return f"{dictionary_label('customer_level', self.level) if self.level else _('Any level')}: {self.days}"

    def clean(self):
        if self.days is not None and self.warn_days is not None and self.warn_days >= self.days:
            raise ValidationError({"warn_days": _("The warning must come before the customer is returned.")})


class PoolAuditAction(models.TextChoices):
    """The audit actions customers adds to the platform's (registered in CustomersConfig.ready())."""

    POOL_RETURN = "pool_return", _("Returned to the pool")
    POOL_RELEASE = "pool_release", _("Released to the pool")
    POOL_CLAIM = "pool_claim", _("Claimed from the pool")


class PoolMovement(models.Model):
    """Each entry to and exit from the public pool, with who and why: the pool's own history."""

    class Action(models.TextChoices):
        RETURNED = "returned", _("Returned by the rule")
        RELEASED = "released", _("Released")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned from the pool")

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="pool_movements")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    previous_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("previous owner"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pool movement")
        verbose_name_plural = _("pool movements")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.customer_id}"


class LifecyclePolicy(TimeStampedModel):
    """Admin-set thresholds for the lifecycle stage (潜在 → 新 → 活跃 → 沉睡 → 流失); one row."""

    new_days = models.PositiveIntegerField(
        _("new for days"), default=30, validators=[max_days_validator()],
        help_text=_("A customer with a first order or follow-up this recent is new."))
    active_days = models.PositiveIntegerField(
        _("active within days"), default=90, validators=[max_days_validator()],
        help_text=_("A follow-up or order within this many days keeps a customer active."))
    lost_days = models.PositiveIntegerField(
        _("lost after days"), default=365, validators=[max_days_validator()],
        help_text=_("No follow-up or order for this long and a customer is lost; in between it is dormant."))

    class Meta:
        verbose_name = _("lifecycle policy")
        verbose_name_plural = _("lifecycle policy")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def clean(self):
        if not (self.new_days <= self.active_days < self.lost_days):
            raise ValidationError(_("The thresholds must grow: new ≤ active < lost."))

    @classmethod
    def current(cls) -> LifecyclePolicy:
        return cls.objects.order_by("id").first() or cls.objects.create()
