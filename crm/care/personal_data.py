"""The greetings a person was sent: exported with their data; on erasure the care log keeps that a greeting went
out (the plan's counts still add up) but not the masked address nor anything of the person in its error."""

from __future__ import annotations

from typing import Any

from crm.care.models import CareLog
from crm.customers.services.personal_data import Erasure, PersonalDataProvider


def export_greetings(contact) -> dict[str, Any]:
    logs = CareLog.objects.filter(contact=contact).select_related("plan").order_by("occasion_date", "id")
    return {"greetings": [{"plan": log.plan.name, "occasion": log.occasion, "date": log.occasion_date.isoformat(),
                           "recipient": log.recipient, "status": log.status} for log in logs]}


def erase_greetings(erasure: Erasure) -> dict[str, int]:
    logs = list(CareLog.objects.filter(contact=erasure.contact))
    for log in logs:
        log.recipient = ""
        log.error = erasure.scrub(log.error)[:500]
    CareLog.objects.bulk_update(logs, ["recipient", "error"], batch_size=500)
    return {"greetings": len(logs)}


GREETINGS = PersonalDataProvider(code="care.greetings", export=export_greetings, erase=erase_greetings, order=40)
