"""About 500 Chinese demo customers with contacts and a year of follow-ups, spread over the demo reps.

Made through the services, as a user would make them, so the audit trail, search text and follow-up dates are
what real use produces. Deterministic (fixed seed) and loaded once: a second `crm demo` keeps what is there.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from crm.accounts.models import Role
from crm.customers import services
from crm.customers.models import Customer, LifecyclePolicy, PoolRule
from crm.customers.role_settings import POOL_CLAIM_LIMIT
from crm.customers.services.lifecycle import refresh_lifecycle_stages
from crm.customers.services.pool import release_to_pool

# Name parts, shared with `crm bench-data`.
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "西安", "宁波", "青岛", "厦门",
          "长沙", "郑州", "合肥", "天津", "重庆", "无锡", "佛山"]
WORDS = ["云帆", "华信", "恒通", "鼎盛", "瑞丰", "金桥", "宏达", "新锐", "博远", "天成", "海纳", "中科", "启明",
         "嘉禾", "万顺", "精工", "隆基", "安泰", "汇智", "联创", "星河", "远航", "盛世", "百川", "东方", "长城"]
TRADES = ["科技", "贸易", "物流", "制造", "电子", "医疗器械", "软件", "食品", "建材", "化工", "纺织", "教育科技"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
            "高", "林", "罗"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "华", "平", "刚", "桂英", "建华", "文", "晨", "思远", "子涵", "浩然"]
INDUSTRIES = ["manufacturing", "it", "finance", "retail", "healthcare", "education", "real_estate", "logistics"]
LEVELS = ["A", "B", "B", "C", "C", "C", "D"]
CUSTOMER_TYPES = ["enterprise", "enterprise", "enterprise", "government", "partner"]
SCALES = ["micro", "small", "small", "medium", "medium", "large", "xlarge"]
CREDIT_RATINGS = ["AAA", "AA", "A", "A", "B", "C"]
SOURCES = ["website", "telemarketing", "exhibition", "referral", "advertising", "social"]
TITLES = ["总经理", "采购经理", "技术总监", "财务主管", "行政主管", "项目经理", "销售总监"]
TAGS = ["重点客户", "展会2026", "老客户转介绍", "价格敏感", "华东区", "需要报价"]
FOLLOW_UPS = [
    ("call", "电话沟通采购需求", "客户对新一季产品感兴趣，约定下周发送报价单。"),
    ("visit", "上门拜访", "与采购经理面谈，了解到今年预算增加，计划扩大合作。"),
    ("meeting", "方案评审会", "技术团队参加，客户提出两处定制需求，需内部评估。"),
    ("email", "发送报价单", "已发送正式报价，等待客户反馈。"),
    ("note", "内部备注", "客户付款周期较长，签约前确认账期。"),
    ("call", "回访满意度", "客户对交付质量满意，愿意推荐同行。"),
    ("visit", "节前拜访", "送上节日礼品，沟通明年合作计划。"),
]
DEMO_CUSTOMERS = 500
REPS = ("sales1", "sales2", "manager")


# Public pool rules (level, days without follow-up, warn days before): key accounts get longer, the rest of the
# levels share the default rule.
POOL_RULES = [("", 60, 7), ("A", 120, 14), ("D", 30, 5)]


# Most customers a holder of the role may own from the public pool at once (other roles: no limit).
POOL_CLAIM_LIMITS = {"sales_rep": 20}


def load_pool_rules() -> None:
    for level, days, warn_days in POOL_RULES:
        PoolRule.objects.get_or_create(level=level, defaults={"days": days, "warn_days": warn_days})
    LifecyclePolicy.current()
    for role in Role.objects.filter(code__in=POOL_CLAIM_LIMITS):
        if POOL_CLAIM_LIMIT.code not in role.settings:  # an admin's own choice stays
            role.settings = {**role.settings, POOL_CLAIM_LIMIT.code: POOL_CLAIM_LIMITS[role.code]}
            role.save(update_fields=["settings"])


@transaction.atomic
def load(users) -> None:
    load_pool_rules()
    if Customer.all_objects.exists():
        return
    rng = random.Random(20261125)
    reps = [users[name] for name in REPS if name in users]
    now = timezone.now()
    for n in range(DEMO_CUSTOMERS):
        owner = reps[n % len(reps)]
        city, word, trade = rng.choice(CITIES), rng.choice(WORDS), rng.choice(TRADES)
        name = f"{city}{word}{trade}有限公司" if n < 400 else f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
        if n < 400 and Customer.objects.filter(name=name).exists():
            name = f"{city}{word}{trade}{'股份' if n % 2 else '集团'}有限公司{n}"
        customer = services.create_customer(actor=owner, data={
            "name": name, "kind": "company" if n < 400 else "individual",
            "phone": f"0{rng.choice(['10', '21', '571', '755', '20'])}{rng.randint(60000000, 89999999)}",
            "email": f"contact{n}@example.cn", "industry": rng.choice(INDUSTRIES), "level": rng.choice(LEVELS),
            "source": rng.choice(SOURCES), "city": city, "address": f"{city}市{word}路{rng.randint(1, 999)}号",
            "customer_type": rng.choice(CUSTOMER_TYPES) if n < 400 else "individual",
            "scale": rng.choice(SCALES) if n < 400 else "", "credit_rating": rng.choice(CREDIT_RATINGS),
            "tags": rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2])),
            "first_order_at": (now - dt.timedelta(days=rng.randint(30, 1500))).date() if rng.random() < 0.4 else None,
        })
        contacts = [services.create_contact(actor=owner, customer=customer, data={
            "name": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", "title": rng.choice(TITLES),
            "mobile": f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
            "email": f"p{n}.{i}@example.cn", "is_primary": i == 0,
            "birthday": dt.date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28)),
            "consent_given": rng.random() < 0.7, "consent_source": "展会登记表"})
            for i in range(1 if n >= 400 else rng.choice([1, 2, 2, 3]))]
        # A year of follow-ups, older first; some customers go quiet (for the pool and lifecycle rules).
        count = rng.choice([0, 1, 2, 3, 4, 6, 8])
        days_ago = sorted(rng.sample(range(1, 365), k=count), reverse=True)
        for i, ago in enumerate(days_ago):
            kind, subject, content = rng.choice(FOLLOW_UPS)
            occurred = now - dt.timedelta(days=ago, hours=rng.randint(0, 8))
            last = i == len(days_ago) - 1
            next_at = occurred + dt.timedelta(days=rng.choice([3, 7, 14, 30])) if last and rng.random() < 0.6 else None
            services.log_activity(actor=owner, customer=customer, data={
                "kind": kind, "subject": subject, "content": content, "occurred_at": occurred,
                "contact": rng.choice(contacts), "next_follow_up_at": next_at})
    refresh_lifecycle_stages()  # the stages the nightly job would give them
    # Some long-quiet customers were given up, so the public pool has something to claim.
    quiet = Customer.objects.filter(lifecycle_stage__in=[Customer.Stage.LOST, Customer.Stage.PROSPECT]).order_by("pk")
    for customer in list(quiet.select_related("owner")[:25]):
        release_to_pool(actor=customer.owner, customer=customer,
                        reason=rng.choice(["长期联系不上", "暂无需求", "工作调整，释放给同事跟进"]))
