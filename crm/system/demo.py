"""Demo dictionaries (the seed items each module registered with its kinds), company settings and the Chinese
holiday calendar. Idempotent."""

import datetime as dt

from django.core.cache import cache

from crm.system.dictionaries import registered_kinds
from crm.system.models import DictionaryItem, Holiday, SystemSettings

COLORS = ["#1677ff", "#52c41a", "#faad14", "#f5222d", "#722ed1", "#13c2c2", "#eb2f96", "#8c8c8c"]

# Approximate public holidays of mainland China (the State Council publishes the exact days each year):
# (date, name, is a make-up working day).
HOLIDAYS = [
    ("2026-01-01", "元旦", False), ("2026-02-16", "春节", False), ("2026-02-17", "春节", False),
    ("2026-02-18", "春节", False), ("2026-02-19", "春节", False), ("2026-02-20", "春节", False),
    ("2026-02-14", "春节调休", True), ("2026-04-05", "清明节", False), ("2026-05-01", "劳动节", False),
    ("2026-05-04", "劳动节", False), ("2026-05-09", "劳动节调休", True), ("2026-06-19", "端午节", False),
    ("2026-09-25", "中秋节", False), ("2026-10-01", "国庆节", False), ("2026-10-02", "国庆节", False),
    ("2026-10-05", "国庆节", False), ("2026-10-06", "国庆节", False), ("2026-10-07", "国庆节", False),
    ("2026-10-10", "国庆节调休", True), ("2027-01-01", "元旦", False), ("2027-02-05", "春节", False),
    ("2027-02-08", "春节", False), ("2027-02-09", "春节", False), ("2027-02-10", "春节", False),
    ("2027-02-20", "春节调休", True), ("2027-04-05", "清明节", False), ("2027-05-03", "劳动节", False),
    ("2027-06-09", "端午节", False), ("2027-09-15", "中秋节", False), ("2027-10-01", "国庆节", False),
    ("2027-10-04", "国庆节", False), ("2027-10-05", "国庆节", False), ("2027-10-09", "国庆节调休", True),
]


def load(users) -> None:
    for kind in registered_kinds():
        for order, (code, zh, en) in enumerate(kind.seed):
            DictionaryItem.objects.get_or_create(kind=kind.code, code=code, defaults={
                "label_zh": zh, "label_en": en, "sort_order": order * 10, "color": COLORS[order % len(COLORS)]})
    settings = SystemSettings.current()
    if not settings.company_name:
        SystemSettings.objects.filter(pk=settings.pk).update(company_name="示例科技有限公司")
        cache.delete(SystemSettings.CACHE_KEY)
    for day, name, workday in HOLIDAYS:
        Holiday.objects.get_or_create(date=dt.date.fromisoformat(day), defaults={"name": name, "is_workday": workday})
