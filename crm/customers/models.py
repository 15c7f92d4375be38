"""Customers (企业或个人客户). The first business model on the data-scope rules; extended by the customers issue."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.contact_points import mask_email, mask_id_number, mask_phone, normalise_email, normalise_phone
from crm.core.crypto import EncryptedCharField, blind_index
from crm.core.models import ScopedModel, TimeStampedModel
from crm.core.pinyin import search_text
from crm.core.querysets import ScopedQuerySet
from crm.system.dictionaries import DictionaryCodeValidator, dictionary_label


class Customer(ScopedModel):
    module = "customers"

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True,
                                validators=[DictionaryCodeValidator("industry")])
    source = models.CharField(_("source"), max_length=50, blank=True, validators=[DictionaryCodeValidator("source")])
    level = models.CharField(_("level"), max_length=50, blank=True,
                             validators=[DictionaryCodeValidator("customer_level")])
    address = models.CharField(_("address"), max_length=300, blank=True)
    remark = models.TextField(_("remark"), blank=True)
    # Kept up to date by log_activity(): the pool rule and the due list read them without scanning activities.
    # Name, pinyin, initials, phone and e-mail in one lower-case column: what global search matches.
    search_text = models.TextField(blank=True, default="", editable=False)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True, editable=False)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_idx"),
            models.Index(fields=["department", "-updated_at"], name="customer_dept_idx"),
            models.Index(fields=["owner", "next_follow_up_at"], name="customer_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = search_text(self.name, normalise_phone(self.phone), self.email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_industry_display(self) -> str:
        return dictionary_label("industry", self.industry)

    def get_source_display(self) -> str:
        return dictionary_label("source", self.source)

    def get_level_display(self) -> str:
        return dictionary_label("customer_level", self.level)

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class ContactQuerySet(ScopedQuerySet):
    def find_by_phone(self, raw: str) -> ContactQuerySet:
        index = blind_index(normalise_phone(raw))
        return self.filter(mobile_index=index) if index else self.none()

    def find_by_email(self, raw: str) -> ContactQuerySet:
        index = blind_index(normalise_email(raw))
        return self.filter(email_index=index) if index else self.none()


class Contact(TimeStampedModel):
    """A person at a customer (联系人). Phone, e-mail and ID number are encrypted at rest; their blind indexes
    keep exact search and duplicate detection working. Visible to whoever may see the customer."""

    module = "customers"
    scope_through = "customer"
    SENSITIVE_FIELDS = ("mobile", "email", "id_number")

    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True, default="")
    mobile = EncryptedCharField(_("mobile"), blank=True)
    email = EncryptedCharField(_("e-mail"), blank=True)
    id_number = EncryptedCharField(_("ID number"), blank=True)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Name, pinyin and initials only: the phone and e-mail stay encrypted and are found by their blind index.
    search_text = models.TextField(blank=True, default="", editable=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    consent_at = models.DateTimeField(_("consent date"), null=True, blank=True)
    remark = models.TextField(_("remark"), blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.mobile and not normalise_phone(self.mobile):
            errors["mobile"] = _("Enter a phone number, e.g. 13800138000 or 0571-88886666.")
        if self.email and not normalise_email(self.email):
            errors["email"] = _("Enter a valid e-mail address.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Stored normalised, so every door (page, API, import) yields the same value and blind index.
        self.mobile = normalise_phone(self.mobile) or self.mobile
        self.email = normalise_email(self.email) or self.email
        self.mobile_index = blind_index(normalise_phone(self.mobile))
        self.email_index = blind_index(normalise_email(self.email))
        self.id_number_index = blind_index((self.id_number or "").strip().upper())
        self.search_text = search_text(self.name)
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


class Activity(TimeStampedModel):
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
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
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
