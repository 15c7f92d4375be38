"""Demo dictionaries, company settings and the Chinese holiday calendar. Idempotent."""

import datetime as dt

from django.core.cache import cache

from crm.system.models import DictionaryItem, Holiday, SystemSettings

ITEMS = {
    "customer_type": [("enterprise", "企业客户", "Enterprise"), ("individual", "个人客户", "Individual"),
                      ("government", "政府机构", "Government"), ("partner", "合作伙伴", "Partner")],
    "industry": [("manufacturing", "制造业", "Manufacturing"), ("it", "信息技术", "Information technology"),
                 ("finance", "金融", "Finance"), ("retail", "零售", "Retail"), ("healthcare", "医疗", "Healthcare"),
                 ("education", "教育", "Education"), ("real_estate", "房地产", "Real estate"),
                 ("logistics", "物流", "Logistics")],
    "source": [("website", "官网", "Website"), ("telemarketing", "电话营销", "Telemarketing"),
               ("exhibition", "展会", "Exhibition"), ("referral", "转介绍", "Referral"),
               ("advertising", "广告", "Advertising"), ("social", "社交媒体", "Social media")],
    "company_scale": [("micro", "20人以下", "Under 20"), ("small", "20–99人", "20–99"),
                      ("medium", "100–499人", "100–499"), ("large", "500–1999人", "500–1,999"),
                      ("xlarge", "2000人以上", "2,000 and more")],
    "credit_rating": [("AAA", "AAA 信用极好", "AAA excellent"), ("AA", "AA 信用优良", "AA very good"),
                      ("A", "A 信用较好", "A good"), ("B", "B 信用一般", "B fair"), ("C", "C 信用较差", "C poor")],
    "customer_level": [("A", "重要客户", "Key account"), ("B", "普通客户", "Regular"),
                       ("C", "小客户", "Small"), ("D", "待观察", "On watch")],
    "follow_up_type": [("call", "电话", "Call"), ("visit", "拜访", "Visit"), ("meeting", "会议", "Meeting"),
                       ("email", "邮件", "E-mail"), ("note", "备注", "Note")],
    "opportunity_stage": [("qualify", "初步接洽", "Qualify"), ("needs", "需求确认", "Needs analysis"),
                          ("proposal", "方案报价", "Proposal"), ("negotiation", "商务谈判", "Negotiation"),
                          ("won", "赢单", "Won"), ("lost", "输单", "Lost")],
    "loss_reason": [("price", "价格过高", "Price too high"), ("competitor", "选择竞品", "Chose a competitor"),
                    ("no_budget", "没有预算", "No budget"), ("timing", "时机不成熟", "Bad timing")],
    "release_reason": [("no_contact", "长期联系不上", "Cannot be reached"), ("no_need", "暂无需求", "No need now"),
                       ("reassign", "工作调整", "Workload change")],
    "ticket_category": [("consult", "咨询", "Consultation"), ("complaint", "投诉", "Complaint"),
                        ("repair", "维修", "Repair"), ("return", "退换货", "Return or exchange"),
                        ("suggestion", "建议", "Suggestion")],
}
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
    for kind, items in ITEMS.items():
        for order, (code, zh, en) in enumerate(items):
            DictionaryItem.objects.get_or_create(kind=kind, code=code, defaults={
                "label_zh": zh, "label_en": en, "sort_order": order * 10, "color": COLORS[order % len(COLORS)]})
    settings = SystemSettings.current()
    if not settings.company_name:
        SystemSettings.objects.filter(pk=settings.pk).update(company_name="示例科技有限公司")
        cache.delete(SystemSettings.CACHE_KEY)
    for day, name, workday in HOLIDAYS:
        Holiday.objects.get_or_create(date=dt.date.fromisoformat(day), defaults={"name": name, "is_workday": workday})
