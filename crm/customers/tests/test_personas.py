"""The persona matrix (crm/core/testing) on every list and record of customers: customers, contacts, follow-ups,
the public pool, the recycle bin and the duplicate finder."""

import hashlib

from crm.core.testing import PersonaMatrixTestCase
from crm.core.testing.personas import NOTHING
from crm.customers import services
from crm.customers.models import Activity, Contact, Customer
from crm.customers.services.pool import release_to_pool

# Who holds customers.pool (marketing does not): the whole pool is open to them, whoever owned the customer.
POOL_USERS = {"rep": frozenset({"view"}), "other_rep": frozenset({"view"}), "manager": frozenset({"view"}),
              "marketing": NOTHING, "admin": frozenset({"view"})}


def a_customer(owner, name: str) -> Customer:
    # A phone of its own per name: the field-search test looks a customer up by it.
    phone = "139" + str(int(hashlib.sha256(name.encode()).hexdigest(), 16))[:8]
    return services.create_customer(actor=owner, data={
        "name": name, "remark": f"备注 {name} 7Q9", "address": f"杭州 {name}", "phone": phone})


class CustomerPersonaTest(PersonaMatrixTestCase):
    model = Customer
    list_url = "/customers/"
    detail_url = "/customers/{pk}/"
    edit_url = "/customers/{pk}/edit/"
    delete_url = "/customers/{pk}/delete/"
    export_url = "/customers/export/"
    api_list_url = "/api/v1/customers/"
    api_detail_url = "/api/v1/customers/{pk}/"
    api_export_url = "/api/v1/customers/export/"
    search_entity = "customer"
    hidden_field = "remark"
    hidden_search_field = "phone"
    readonly_field, readonly_value = "address", "上海 新地址"
    edit_form_changes = {"level": "B"}

    @classmethod
    def make_record(cls, owner, label):
        return a_customer(owner, label)

    def api_edit_data(self, record):
        return {"level": "B"}


class ContactPersonaTest(PersonaMatrixTestCase):
    """Scoped through the customer; the contact form is its page."""

    model = Contact
    module = "customers"
    edit_url = "/customers/contacts/{pk}/"
    export_url = "/customers/contacts/export/"
    api_list_url = "/api/v1/contacts/"
    api_detail_url = "/api/v1/contacts/{pk}/"
    api_export_url = "/api/v1/contacts/export/"
    search_entity = "contact"
    edit_form_changes = {"title": "采购经理"}

    @classmethod
    def make_record(cls, owner, label):
        return services.create_contact(actor=owner, customer=a_customer(owner, f"{label} 公司"),
                                       data={"name": label})

    def api_edit_data(self, record):
        return {"title": "采购经理"}


class ActivityPersonaTest(PersonaMatrixTestCase):
    """Follow-ups are logged, never edited or deleted."""

    model = Activity
    module = "customers"
    api_list_url = "/api/v1/activities/"
    api_detail_url = "/api/v1/activities/{pk}/"
    api_edit = api_delete = False

    @classmethod
    def make_record(cls, owner, label):
        return services.log_activity(actor=owner, customer=a_customer(owner, f"{label} 公司"),
                                     data={"kind": "call", "subject": label})


class PoolPersonaTest(PersonaMatrixTestCase):
    """A customer the rep released: every holder of customers.pool sees it in the pool, nobody edits it there."""

    model = Customer
    expected = POOL_USERS
    list_url = "/customers/pool/"
    list_action = detail_action = "pool"
    detail_url = "/customers/pool/{pk}/"
    api_list_url = "/api/v1/pool/"
    api_detail_url = "/api/v1/pool/{pk}/"
    api_edit = api_delete = False

    @classmethod
    def make_record(cls, owner, label):
        customer = a_customer(owner, label)
        return release_to_pool(actor=owner, customer=customer, reason="no_need")


class RecycleBinPersonaTest(PersonaMatrixTestCase):
    """A deleted customer of the rep's: in the bin of those who may delete it (the manager, the administrator)."""

    model = Customer
    expected = {"manager": frozenset({"view"}), "admin": frozenset({"view"})}
    list_url = "/customers/recycle-bin/"
    list_action = "delete"

    @classmethod
    def make_record(cls, owner, label):
        customer = a_customer(owner, label)
        services.delete_customer(actor=cls.users["admin"], customer=customer)
        return customer


class DuplicateFinderPersonaTest(PersonaMatrixTestCase):
    """Two customers of the rep's with one name: a group in the finder of whoever sees both."""

    model = Customer
    list_url = "/customers/duplicates/"
    api_list_url = "/api/v1/customers/duplicates/"
    api_list_by_id = False

    @classmethod
    def make_record(cls, owner, label):
        a_customer(owner, label)
        return a_customer(owner, label)
