"""crm.core.bulk: instances built without Model.__init__ equal the ones it builds, and the write-behind INSERTs
(SQLite: run on a helper thread, ids handed out beforehand) leave exactly the rows, ids and errors a plain
INSERT would, mixed with ordinary ORM writes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from crm.accounts.models import Department
from crm.core.bulk import InstanceBuilder, insert_objects, write_behind

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_built_instances_equal_the_models_own():
    built = InstanceBuilder(Department)({"name": "华东区", "code": "EAST"})
    assert fields(built) == fields(Department(name="华东区", code="EAST"))
    assert built._state.adding and built._state.db is None


def test_written_behind_rows_get_the_ids_they_were_given_between_ordinary_writes():
    new = InstanceBuilder(Department)
    with transaction.atomic(), write_behind(Department):
        first = [new({"name": f"批量部门{i}"}) for i in range(3)]
        insert_objects(Department, first)
        by_orm = Department.objects.create(name="单独建的部门")  # waits for the INSERT before it
        second = [new({"name": f"批量部门{i}"}) for i in range(3, 5)]
        insert_objects(Department, second)
    ids = [d.pk for d in [*first, *second]]
    assert len({*ids, by_orm.pk}) == 6
    assert dict(Department.objects.filter(pk__in=ids).values_list("pk", "name")) == {
        d.pk: d.name for d in [*first, *second]}
    assert Department.objects.create(name="之后的部门").pk > max(*ids, by_orm.pk)


def test_a_failing_insert_written_behind_fails_the_block_and_leaves_nothing():
    Department.objects.create(name="已有", code="TAKEN")
    new = InstanceBuilder(Department)
    with pytest.raises(IntegrityError), transaction.atomic(), write_behind(Department):
        insert_objects(Department, [new({"name": "甲", "code": "A1"})])
        insert_objects(Department, [new({"name": "乙", "code": "TAKEN"})])  # the unique code is taken
        insert_objects(Department, [new({"name": "丙", "code": "C1"})])
    assert not Department.objects.filter(name__in=["甲", "乙", "丙"]).exists()
