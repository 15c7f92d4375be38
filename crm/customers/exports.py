"""What an export of customers and of contacts holds (see crm/core/exports.py for how it is written)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.core.contact_points import mask_email, mask_phone
from crm.core.exports import Column, ExportSpec, choice_labels, dictionary_labels, first_filled, joined
from crm.customers.models import Contact, Customer


def customer_tag_names(customer_ids: list[Any]) -> dict[Any, list[str]]:
    """{customer id: [tag names]} for one chunk of an export: one query, not one per customer."""
    names: dict[Any, list[str]] = defaultdict(list)
    links = (
        Customer.tags.through.objects.filter(customer_id__in=customer_ids)
        .order_by("tag__name")
        .values_list("customer_id", "tag__name")
    )
    for customer_id, name in links:
        names[customer_id].append(name)
    return names


CUSTOMER_EXPORT = ExportSpec(
    model=Customer,
    title=_("customers"),
    columns=(
        Column("id", _("ID"), width=10),
        Column("number", _("Customer number"), width=16),
        Column("name", _("Name"), width=32),
        Column("kind", _("Kind"), display=choice_labels(Customer.Kind.choices), width=10),
        Column("phone", _("Phone")),
        Column("phone_extension", _("Extension"), width=8),
        Column("email", _("E-mail"), width=24),
        Column("customer_type", _("Customer type"), display=dictionary_labels("customer_type")),
        Column("industry", _("Industry"), display=dictionary_labels("industry")),
        Column("scale", _("Company size"), display=dictionary_labels("company_scale")),
        Column("source", _("Source"), display=dictionary_labels("source")),
        Column("level", _("Level"), display=dictionary_labels("customer_level"), width=10),
        Column("credit_rating", _("Credit rating"), display=dictionary_labels("credit_rating"), width=10),
        Column("city", _("City"), width=10),
        Column("lifecycle_stage", _("Lifecycle stage"), display=choice_labels(Customer.Stage.choices), width=12),
        Column("tags", _("Tags"), related=customer_tag_names, display=joined(), width=24),
        Column("owner", _("Owner"), source=("owner__name", "owner__username"), display=first_filled(), width=12),
        Column("department", _("Department"), source="department__name"),
        Column("address", _("Address"), width=40),
        Column("last_follow_up_at", _("Last follow-up"), width=20),
        Column("next_follow_up_at", _("Next follow-up"), width=20),
        Column("first_order_at", _("First order"), width=12),
        Column("last_order_at", _("Last order"), width=12),
        Column("created_at", _("Created"), width=20),
        Column("updated_at", _("Updated"), width=20),
        Column("remark", _("Remark"), width=40),
        Column("credit_code", _("Unified social credit code"), width=22),
        Column("tax_number", _("Taxpayer ID"), width=22),
        Column("invoice_address", _("Registered address"), width=40),
        Column("invoice_phone", _("Registered phone")),
        Column("bank_name", _("Bank"), width=24),
        Column("bank_account", _("Bank account"), width=24),
    ),
)

# Contacts: the ID number never leaves in an export, masked or not; mobile and e-mail come masked unless the
# user has customers.unmask.
CONTACT_EXPORT = ExportSpec(
    model=Contact,
    title=_("contacts"),
    columns=(
        Column("id", _("ID"), width=10),
        Column("customer", _("Customer"), source="customer__name", width=32),
        Column("name", _("Name"), width=14),
        Column("title", _("Job title")),
        Column("gender", _("Gender"), display=choice_labels(Contact.Gender.choices), width=8),
        Column("mobile", _("Mobile"), mask=mask_phone),
        Column("phone_extension", _("Extension"), width=8),
        Column("email", _("E-mail"), mask=mask_email, width=24),
        Column("birthday", _("Birthday"), width=12),
        Column("is_primary", _("Primary contact"), width=10),
        Column("consent_given", _("Consent given"), width=10),
        Column("consent_source", _("Consent source")),
        Column("consent_at", _("Consent date"), width=20),
        Column("remark", _("Remark"), width=40),
        Column("created_at", _("Created"), width=20),
    ),
)
