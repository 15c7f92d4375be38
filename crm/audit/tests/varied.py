"""A trail of every kind of event, written by the real services: what the viewer's tests read.

Each event is left the way its door leaves it (a form, the import task, the pool rule, a sign-in…), so the
viewer is tested on what production writes, not on rows made up to suit it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from crm.accounts.services import update_user
from crm.audit.services import record_event, record_export
from crm.customers.models import Customer, PoolRule
from crm.customers.services import (
    create_contact,
    create_customer,
    log_activity,
    reveal_contact,
    update_customer,
)
from crm.customers.services.merge import merge_customers
from crm.customers.services.pool import claim_from_pool, release_to_pool, return_idle_customers
from crm.imports.tests.sample_files import csv_upload, preview

IMPORT_ROWS = [
    ["单位名称", "座机", "所属行业"],
    ["杭州星河软件有限公司", "0571-88886666", "信息技术"],
    ["宁波远航物流有限公司", "0574-66660000", "物流"],
    ["温州瓯江制造有限公司", "0577-88880000", "制造业"],
]


def write_varied_events(org: dict[str, Any], run_import: Callable) -> dict[str, Any]:
    """Writes one of each kind of event; returns the records they are about. ``run_import(actor, job)``
    runs a previewed import job to its end (the test's way of letting the task queue run)."""
    admin, rep, other_rep, manager = org["admin"], org["sales1"], org["sales2"], org["manager"]
    long_remark = "客户要求分三期交付，第一期在春节前上线，" * 6
    customer = create_customer(actor=rep, data={
        "name": "杭州云栖科技有限公司", "industry": "it", "level": "B", "source": "exhibition",
        "remark": long_remark, "tags": ["重点"], "collaborators": [other_rep]})
    update_customer(actor=manager, customer=customer, data={
        "industry": "finance", "level": "A", "owner": other_rep, "lifecycle_stage": Customer.Stage.ACTIVE})
    contact = create_contact(actor=rep, customer=customer, data={
        "name": "陈晓明", "mobile": "13912345678", "is_primary": True})
    reveal_contact(actor=admin, contact=contact)
    log_activity(actor=other_rep, customer=customer, data={"kind": "visit", "subject": "上门拜访"})

    released = create_customer(actor=rep, data={"name": "宁波海曙贸易有限公司"})
    release_to_pool(actor=rep, customer=released, reason="长期联系不上")
    claim_from_pool(actor=other_rep, customer=released)
    idle = create_customer(actor=rep, data={"name": "绍兴柯桥纺织有限公司"})
    Customer.objects.filter(pk=idle.pk).update(idle_since=timezone.now() - dt.timedelta(days=400))
    PoolRule.objects.get_or_create(level="", defaults={"days": 90})
    return_idle_customers()  # the nightly rule: no actor, no address

    survivor = create_customer(actor=rep, data={"name": "苏州工业园区智造有限公司"})
    duplicates = [create_customer(actor=rep, data={"name": f"苏州智造（重复{n}）"}) for n in (1, 2)]
    merge_customers(actor=admin, survivor=survivor, others=duplicates)

    record_export(actor=manager, model=Customer, count=350,
                  filters={"industry": "finance", "owner": str(rep.pk), "format": "xlsx"})
    job = run_import(rep, preview(rep, csv_upload(IMPORT_ROWS, name="展会名单.csv")))

    update_user(actor=admin, user=rep, data={"position": "高级销售代表"})
    record_event(actor=None, actor_name="sales2", action="login_failed")  # as the sign-in signal writes it
    # As unlock_sign_in() writes it (reaching a real lockout takes django-axes' failure count and cache).
    record_event(actor=admin, action="sign_in_unlock", changes={"username": "sales2"}, message="sales2")
    return {"customer": customer, "contact": contact, "survivor": survivor, "duplicates": duplicates,
            "released": released, "idle": idle, "job": job}
