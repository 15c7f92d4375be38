"""The list API's fast row serialisation writes exactly what DRF's own would, field for field."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.db.models import Prefetch
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from crm.accounts.models import User
from crm.core.api.views import FieldPermissionSerializerMixin
from crm.customers.api.serializers import CustomerSerializer
from crm.customers.models import Customer, Tag


def drf_only(serializer_class):
    """The same serializer without the fast path: DRF resolves every field its own way."""
    attrs = {name: copy.deepcopy(field) for name, field in serializer_class._declared_fields.items()}
    attrs.update({name: value for name, value in vars(serializer_class).items()
                  if name == "Meta" or name.startswith("get_")})
    return type("DRFOnly", (FieldPermissionSerializerMixin, serializers.ModelSerializer), attrs)


@pytest.fixture
def varied(org):
    tags = [Tag.objects.create(name=name) for name in ("重点", "A类", "zz")]
    when = timezone.now() - datetime.timedelta(days=3, microseconds=123)
    for n in range(12):
        customer = Customer.objects.create(
            name=f"行客户{n}", owner=org["sales1"] if n % 3 else None, department=org["sales1"].department,
            level="AB"[n % 2], last_follow_up_at=when if n % 2 else None, phone=f"1380013{n:04d}",
            first_order_at=datetime.date(2026, 1, n + 1) if n % 4 == 0 else None)
        customer.tags.set(tags[: n % 4])
        if n % 5 == 0:
            customer.collaborators.set([org["sales2"], org["manager"]])
    return org


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_rows_equal_drf_rows(varied, api_client_for, language, settings):
    admin = varied["admin"]
    admin.language = language
    admin.save(update_fields=["language"])
    body = api_client_for(admin).get("/api/v1/customers/?page_size=100").json()
    rows = (Customer.objects.order_by("-updated_at", "-pk").select_related("owner", "department")
            .prefetch_related("tags", Prefetch("collaborators", queryset=User.objects.only("id"))))
    request = APIRequestFactory().get("/")
    request.user = admin

    with translation.override(language):
        expected = drf_only(CustomerSerializer)(list(rows), many=True, context={"request": request}).data
    assert len(body["results"]) == 12
    assert body["results"] == [dict(row) for row in expected]
    # The cases the fast path must not get wrong are in the data.
    assert any(row["tags"] for row in body["results"]) and any(row["collaborators"] for row in body["results"])
    assert any(row["owner"] is None for row in body["results"])
    assert any(row["last_follow_up_at"] for row in body["results"])
