"""The 360° timeline's change entries read as the audit viewer reads them: field labels, dictionary and choice
labels, people by name, in the reader's language — through the viewer's own presenter."""

import pytest
from django.utils import translation

from crm.customers.models import Customer
from crm.customers.services import create_customer, update_customer
from crm.customers.timeline import field_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(rep, other_rep, manager):
    """A rep's customer whose level, stage and owner the manager changed."""
    customer = create_customer(actor=rep, data={"name": "宁波海天贸易", "level": "B"})
    update_customer(actor=manager, customer=customer, data={"level": "A", "lifecycle_stage": "active",
                                                            "owner": other_rep})
    return customer


def change_lines(customer, reader, language: str) -> list[str]:
    with translation.override(language):
        [change, _created] = field_changes(customer, reader, None, 10)
        return change.body.splitlines()


def test_a_change_reads_in_english_with_labels_and_names(changed, manager, rep, other_rep):
    lines = change_lines(changed, manager, "en")
    assert "Level: Regular → Key account" in lines
    assert "Lifecycle stage: Prospect → Active" in lines
    assert f"Owner: {rep.name} → {other_rep.name}" in lines
    assert not any(code in "\n".join(lines) for code in ("prospect", "active", rep.username, other_rep.username))


def test_a_change_reads_in_chinese_with_labels_and_names(changed, manager, rep, other_rep):
    lines = change_lines(changed, manager, "zh-hans")
    with translation.override("zh-hans"):
        stages = (str(Customer.Stage.PROSPECT.label), str(Customer.Stage.ACTIVE.label))
    assert stages != ("Prospect", "Active")  # the catalogue names them
    # The viewer's separator, the catalogue's full-width colon (the viewer's rows put a space after it too).
    assert "级别： 普通客户 → 重要客户" in lines
    assert f"生命周期阶段： {stages[0]} → {stages[1]}" in lines
    assert f"负责人： {rep.name} → {other_rep.name}" in lines


def test_the_record_page_shows_the_change_by_name_not_by_code(changed, manager, client_for):
    manager.language = "en"
    manager.save(update_fields=["language"])
    html = client_for(manager).get(changed.get_absolute_url()).content.decode()
    timeline = html[html.index('id="timeline"'):]
    assert "Level: Regular → Key account" in timeline and ": B → A" not in timeline
