"""crm.core.bulk: instances built without Model.__init__ equal the ones it builds."""

from __future__ import annotations

import pytest

from crm.accounts.models import Department
from crm.core.bulk import InstanceBuilder

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_built_instances_equal_the_models_own():
    built = InstanceBuilder(Department)({"name": "华东区", "code": "EAST"})
    assert fields(built) == fields(Department(name="华东区", code="EAST"))
    assert built._state.adding and built._state.db is None
