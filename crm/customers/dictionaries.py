"""The picklists customers own, registered from CustomersConfig.ready(), with the items `crm demo` starts them with."""

from django.utils.translation import gettext_lazy as _

from crm.system.dictionaries import register_kind


def register_dictionaries() -> None:
    register_kind("customer_type", _("Customer types"), [
        ("enterprise", "企业客户", "Enterprise"), ("individual", "个人客户", "Individual"),
        ("government", "政府机构", "Government"), ("partner", "合作伙伴", "Partner")])
    register_kind("industry", _("Industries"), [
        ("manufacturing", "制造业", "Manufacturing"), ("it", "信息技术", "Information technology"),
        ("finance", "金融", "Finance"), ("retail", "零售", "Retail"), ("healthcare", "医疗", "Healthcare"),
        ("education", "教育", "Education"), ("real_estate", "房地产", "Real estate"),
        ("logistics", "物流", "Logistics")])
    register_kind("source", _("Sources"), [
        ("website", "官网", "Website"), ("telemarketing", "电话营销", "Telemarketing"),
        ("exhibition", "展会", "Exhibition"), ("referral", "转介绍", "Referral"),
        ("advertising", "广告", "Advertising"), ("social", "社交媒体", "Social media")])
    register_kind("customer_level", _("Customer levels"), [
        ("A", "重要客户", "Key account"), ("B", "普通客户", "Regular"), ("C", "小客户", "Small"),
        ("D", "待观察", "On watch")])
    register_kind("company_scale", _("Company sizes"), [
        ("micro", "20人以下", "Under 20"), ("small", "20–99人", "20–99"), ("medium", "100–499人", "100–499"),
        ("large", "500–1999人", "500–1,999"), ("xlarge", "2000人以上", "2,000 and more")])
    register_kind("credit_rating", _("Credit ratings"), [
        ("AAA", "AAA 信用极好", "AAA excellent"), ("AA", "AA 信用优良", "AA very good"),
        ("A", "A 信用较好", "A good"), ("B", "B 信用一般", "B fair"), ("C", "C 信用较差", "C poor")])
    register_kind("follow_up_type", _("Follow-up types"), [
        ("call", "电话", "Call"), ("visit", "拜访", "Visit"), ("wechat", "微信", "WeChat"),
        ("meeting", "会议", "Meeting"), ("email", "邮件", "E-mail"), ("note", "备注", "Note")])
    register_kind("release_reason", _("Pool release reasons"), [
        ("no_contact", "长期联系不上", "Cannot be reached"), ("no_need", "暂无需求", "No need now"),
        ("reassign", "工作调整", "Workload change")])
