"""Customers (企业或个人客户). The first business model on the data-scope rules; extended by the customers issue."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.models import ScopedModel
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

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_idx"),
            models.Index(fields=["department", "-updated_at"], name="customer_dept_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_industry_display(self) -> str:
        return dictionary_label("industry", self.industry)

    def get_source_display(self) -> str:
        return dictionary_label("source", self.source)

    def get_level_display(self) -> str:
        return dictionary_label("customer_level", self.level)

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])
