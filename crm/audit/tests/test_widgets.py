"""The home page's "recent exports" reads each export as the audit viewer summarises it, in the reader's language,
not the message its writer stored in theirs."""

import pytest

from crm.audit.services import record_export
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def exports_widget(client, user, language: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    response = client.get("/")
    return next(w.html for w in response.context["widgets"] if w.code == "audit.exports")


def test_an_export_reads_as_its_summary_in_english_and_in_chinese(admin_user, manager, client_for):
    record_export(actor=manager, model=Customer, count=1204, filters={"level": "A", "format": "csv"})
    client = client_for(admin_user)

    english = exports_widget(client, admin_user, "en")
    assert "Exported 1,204 rows of customers (CSV; filters: Level = Key account)" in english
    assert manager.name in english and f">{manager.username} " not in english

    chinese = exports_widget(client, admin_user, "zh-hans")
    assert "1,204" in chinese and "重要客户" in chinese and "Key account" not in chinese
    assert "customers: 1204" not in chinese and "客户: 1204" not in chinese  # the stored message
