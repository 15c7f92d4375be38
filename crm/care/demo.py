"""Demo customer care: the 2026–2027 greeting days and three plans (birthday, 春节, first-order anniversary).

Idempotent: days and plans that exist (by name) are left as they are.
"""

from __future__ import annotations

import datetime as dt

from crm.care.models import CarePlan, GreetingDay, Occasion
from crm.care.services import create_care_plan, create_greeting_day

CHINESE, WESTERN = GreetingDay.Calendar.CHINESE, GreetingDay.Calendar.WESTERN

# Lunar festivals as they fall in the Gregorian calendar; administrators add next years' dates.
GREETING_DAYS = [
    ("元旦", WESTERN, ["2026-01-01", "2027-01-01"]),
    ("春节", CHINESE, ["2026-02-17", "2027-02-06"]),
    ("元宵节", CHINESE, ["2026-03-03", "2027-02-20"]),
    ("端午节", CHINESE, ["2026-06-19", "2027-06-09"]),
    ("中秋节", CHINESE, ["2026-09-25", "2027-09-15"]),
    ("国庆节", WESTERN, ["2026-10-01", "2027-10-01"]),
    ("圣诞节", WESTERN, ["2026-12-25", "2027-12-25"]),
]

PLANS = [  # (name, occasion, owner, greeting day names, subject, body)
    ("生日祝福", Occasion.BIRTHDAY, "admin", [],
     "{{ contact.name }}，祝您生日快乐！",
     "尊敬的{{ contact.name }}：\n\n值此生日之际，{{ company }}全体同仁祝您生日快乐，身体健康，万事如意！\n"
     "感谢您一直以来对我们的信任与支持。\n\n{{ company }}"),
    ("春节问候", Occasion.HOLIDAY, "admin", ["春节"],
     "{{ company }}恭祝{{ customer.name }}新春快乐",
     "尊敬的{{ contact.name }}：\n\n{{ holiday }}将至，{{ company }}感谢贵司过去一年的合作与支持，"
     "恭祝您和家人新春快乐、阖家幸福，祝{{ customer.name }}事业兴旺！\n\n{{ company }}"),
    ("合作周年纪念", Occasion.ANNIVERSARY, "manager", [],
     "感谢{{ customer.name }}与我们合作{{ years }}周年",
     "尊敬的{{ contact.name }}：\n\n今天是{{ customer.name }}与{{ company }}首次合作{{ years }}周年的日子。"
     "感谢您的信任，我们期待与您继续携手同行！\n\n{{ company }}"),
]


def load(users) -> None:
    admin = users["admin"]
    for name, calendar, dates in GREETING_DAYS:
        for date in dates:
            if not GreetingDay.objects.filter(name=name, date=date).exists():
                create_greeting_day(actor=admin, data={"name": name, "date": dt.date.fromisoformat(date),
                                                       "calendar": calendar})
    for name, occasion, owner, day_names, subject, body in PLANS:
        if CarePlan.objects.filter(name=name).exists():
            continue
        create_care_plan(actor=users[owner], data={
            "name": name, "occasion": occasion, "subject_template": subject, "body_template": body,
            "greeting_days": list(GreetingDay.objects.filter(name__in=day_names)),
        })
