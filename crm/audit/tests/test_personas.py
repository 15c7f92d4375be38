"""The persona matrix (crm/core/testing) on the audit trail: administrators read it, nobody else."""

import itertools

from crm.accounts.models import Department
from crm.audit.models import AuditEvent
from crm.audit.services import record_create
from crm.core.testing import PersonaMatrixTestCase

_numbers = itertools.count(1)


class AuditEventPersonaTest(PersonaMatrixTestCase):
    """An event of the rep's (a department they created); the trail shows it to administrators only."""

    model = AuditEvent
    module = "system"
    expected = {"admin": frozenset({"view"})}
    list_url = "/audit/"
    api_list_url = "/api/v1/audit-events/"
    api_detail_url = "/api/v1/audit-events/{pk}/"
    api_edit = api_delete = False

    @classmethod
    def make_record(cls, owner, label):
        department = Department.objects.create(code=f"audit{next(_numbers)}", name=label)
        return record_create(actor=owner, instance=department)


