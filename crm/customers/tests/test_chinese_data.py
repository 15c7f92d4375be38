"""Chinese data, normalised and validated on every door (issue 8 §8): phones typed in full-width digits or with an
extension are stored as plain numbers and found by them, what cannot be a phone is refused with a reason; names
are read with their surname's reading; resident ID numbers and companies' unified social credit codes are
checked by their check characters; companies carry their invoicing details (开票信息) through form, API, detail
page, export and import."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from crm.core.contact_points import normalise_phone, parse_phone, phone_problem
from crm.core.identity_numbers import credit_code_problem, resident_id_problem
from crm.core.pinyin import search_text
from crm.customers.models import Contact, Customer
from crm.customers.services import create_customer
from crm.imports.tests.sample_files import csv_upload, preview, rows_by_action, run

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Published examples that carry correct check characters (GB 11643's and GB 32100's own).
RESIDENT_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def in_chinese(message, *args) -> str:
    """A message as the demo users read it: their pages and API answers are in Chinese."""
    with translation.override("zh-hans"):
        return message(*args)


# --- Phones ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, number, extension", [
    ("１３８００１３８０００", "13800138000", ""),
    ("＋８６ １３８－００１３－８０００", "13800138000", ""),
    ("（０５７１）８８８８６６６６", "057188886666", ""),
    ("0571-8888 6666 转 86", "057188886666", "86"),
    ("0571-88886666 分机 123", "057188886666", "123"),
    ("0571-88886666 ext. 123", "057188886666", "123"),
    ("0571-88886666 #123", "057188886666", "123"),
    ("010-1234 5678（转８０８）", "01012345678", "808"),
    ("+86 10 1234 5678", "01012345678", ""),
    ("400-123-4567", "4001234567", ""),
    ("95588", "95588", ""),
    ("+44 20 7946 0958", "+442079460958", ""),
])
def test_a_phone_is_read_into_its_number_and_extension(typed, number, extension):
    phone = parse_phone(typed)
    assert (phone.number, phone.extension, phone.problem) == (number, extension, None)
    assert normalise_phone(typed) == number


@pytest.mark.parametrize("typed, reason", [
    ("12", "2 digits cannot be a phone number"),
    ("1380013", "A mobile number has 11 digits"),
    ("138001380001", "A mobile number has 11 digits"),
    ("0571-888", "A landline with its area code has 10 to 12 digits"),
    ("电话", "Enter a phone number"),
])
def test_what_cannot_be_a_phone_is_refused_with_a_reason(typed, reason):
    assert reason in phone_problem(typed) and normalise_phone(typed) == ""


def test_a_full_width_mobile_and_an_extension_are_found_by_their_plain_digits_through_the_api(manager,
                                                                                              api_client_for):
    """The acceptance check hardening-phones, as a test."""
    client = api_client_for(manager)
    for typed, plain in (("13712345678".translate(FULL_WIDTH), "13712345678"),
                         ("0571-2345 6789 转 86", "057123456789")):
        customer = client.post("/api/v1/customers/", {"name": f"电话规范{plain}"}, format="json").json()
        response = client.post("/api/v1/contacts/", {"customer": customer["id"], "name": "王测试", "mobile": typed},
                               format="json")
        assert response.status_code == 201, response.content
        found = client.get(f"/api/v1/search/?q={plain}").json()
        assert "王测试" in str(found) or customer["name"] in str(found), (typed, found)
    contact = Contact.objects.get(customer__name="电话规范057123456789")
    assert (contact.mobile, contact.phone_extension) == ("057123456789", "86")


def test_phones_stored_before_normalisation_are_rewritten_by_the_migration_and_found(manager, api_client_for):
    # Given values an earlier import stored as typed: full-width digits, an extension glued on, an upper-case
    # e-mail, and one value that is no phone at all (written past save(), as the old importer did)
    import importlib

    from django.apps import apps

    from crm.core.crypto import blind_index
    migration = importlib.import_module("crm.customers.migrations.0020_renormalise_stored_phones")
    customer = create_customer(actor=manager, data={"name": "旧数据规范化"})
    odd = create_customer(actor=manager, data={"name": "无效电话保留"})
    Customer.objects.filter(pk=customer.pk).update(phone="0571-8888 6666 转 12", email="Old@Example.COM")
    Customer.objects.filter(pk=odd.pk).update(phone="12")
    contact = Contact.objects.create(customer=customer, name="钱旧号", mobile="13912345678")
    typed = "13987654321".translate(FULL_WIDTH)
    Contact.objects.filter(pk=contact.pk).update(mobile=typed, mobile_index=blind_index(typed))
    client = api_client_for(manager)
    assert "钱旧号" not in str(client.get("/api/v1/search/?q=13987654321").json())  # not found as stored

    # When the migration runs
    migration.renormalise(apps, None)

    # Then each is stored as a door stores it today and found by its plain digits; the non-phone is kept as it was
    customer.refresh_from_db()
    contact.refresh_from_db()
    assert (customer.phone, customer.phone_extension, customer.email) == ("057188886666", "12", "old@example.com")
    assert contact.mobile == "13987654321" and contact.mobile_index == blind_index("13987654321")
    assert "钱旧号" in str(client.get("/api/v1/search/?q=13987654321").json())
    assert client.get("/api/v1/contacts/?mobile=13987654321").json()["count"] == 1
    assert Customer.objects.get(pk=odd.pk).phone == "12"


def test_the_customer_form_and_api_store_the_plain_number_and_keep_the_extension(rep, client_for, api_client_for):
    client_for(rep).post(reverse("customers:create"), {"name": "表单电话", "kind": "company", "owner": rep.pk,
                                                       "phone": "０５７１－８８８８６６６６ 转 ２０１"})
    typed_in_form = Customer.objects.get(name="表单电话")
    assert (typed_in_form.phone, typed_in_form.phone_extension) == ("057188886666", "201")
    response = api_client_for(rep).post("/api/v1/customers/", {"name": "接口电话", "phone": "１３９ １９６３ ５７１４"},
                                        format="json")
    assert response.status_code == 201 and response.json()["phone"] == "13919635714"
    found = api_client_for(rep).get("/api/v1/customers/?search=057188886666").json()
    assert [row["name"] for row in found["results"]] == ["表单电话"]


def test_the_api_and_the_form_refuse_what_cannot_be_a_phone(rep, client_for, api_client_for):
    response = api_client_for(rep).post("/api/v1/customers/", {"name": "短号码", "phone": "12"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["phone"] == [
        in_chinese(phone_problem, "12")]
    customer = create_customer(actor=rep, data={"name": "有联系人"})
    response = api_client_for(rep).post("/api/v1/contacts/", {"customer": customer.pk, "name": "赵六",
                                                              "mobile": "1380013"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["mobile"] == [
        in_chinese(phone_problem, "1380013")]
    page = client_for(rep).post(reverse("customers:create"), {"name": "七位手机", "kind": "company",
                                                              "owner": rep.pk, "phone": "1380013"})
    assert page.status_code == 200 and in_chinese(phone_problem, "1380013") in page.content.decode()
    assert not Customer.objects.filter(name__in=["短号码", "七位手机"]).exists()
    assert not Contact.objects.filter(name="赵六").exists()


def test_an_import_normalises_full_width_phones_keeps_extensions_and_refuses_non_phones(
    rep, django_capture_on_commit_callbacks
):
    rows = [["客户名称", "电话", "联系人", "手机"],
            ["全角导入有限公司", "０５７１－８８８８６６６６#12", "钱七", "１３８００１３８０００"],
            ["短号导入有限公司", "12", "", ""],
            ["七位手机有限公司", "", "孙八", "1380013"]]
    job = preview(rep, csv_upload(rows))
    assert rows_by_action(job)["error"] == {3, 4}
    messages = {issue["row"]: " ".join(issue["messages"]) for issue in job.issues}
    assert "cannot be a phone number" in messages[3] and "11 digits" in messages[4]
    run(rep, job, django_capture_on_commit_callbacks)
    customer = Customer.objects.get(name="全角导入有限公司")
    assert (customer.phone, customer.phone_extension) == ("057188886666", "12")
    assert Contact.objects.get(name="钱七").mobile == "13800138000"
    assert Contact.objects.find_by_phone("13800138000").exists()


# --- Pinyin ---------------------------------------------------------------------------------------------------

# A person's name, its full pinyin and initials: the surname read as a surname, the rest by the phrase dictionary.
SURNAME_READINGS = [
    ("曾小贤", "zengxiaoxian", "zxx"), ("曾国藩", "zengguofan", "zgf"), ("单雄信", "shanxiongxin", "sxx"),
    ("仇晓", "qiuxiao", "qx"), ("解晓东", "xiexiaodong", "xxd"), ("区志强", "ouzhiqiang", "ozq"),
    ("查良镛", "zhaliangyong", "zly"), ("朴树", "piaoshu", "ps"), ("盖聂", "genie", "gn"),
    ("缪斯琪", "miaosiqi", "msq"), ("翟志刚", "zhaizhigang", "zzg"), ("覃明", "qinming", "qm"),
    ("召忠", "shaozhong", "sz"), ("乐嘉", "yuejia", "yj"), ("种师道", "chongshidao", "csd"),
    ("黑明", "heming", "hm"), ("秘书凡", "bishufan", "bsf"), ("员明", "yunming", "ym"), ("繁漪", "poyi", "py"),
    ("尉迟恭", "yuchigong", "ycg"), ("单于明", "chanyuming", "cym"), ("万俟卨", "moqixie", "mqx"),
    ("长孙无忌", "zhangsunwuji", "zswj"), ("澹台明月", "tantaimingyue", "ttmy"), ("令狐冲", "linghuchong", "lhc"),
    ("乐正明", "yuezhengming", "yzm"), ("子车明", "zijuming", "zjm"), ("仲长统", "zhongchangtong", "zct"),
    ("欧阳娜娜", "ouyangnana", "oynn"), ("王重阳", "wangchongyang", "wcy"), ("曾长生", "zengchangsheng", "zcs"),
]


@pytest.mark.parametrize("name, full, initials", SURNAME_READINGS)
def test_a_persons_surname_takes_its_surname_reading(name, full, initials):
    words = search_text(name, person=True).split()
    assert words == [name, full, initials]


def test_company_names_read_words_in_context_not_character_by_character():
    assert search_text("重庆银行").split()[1:] == ["chongqingyinhang", "cqyh"]
    assert search_text("长城汽车音乐学院").split()[1:] == ["changchengqicheyinyuexueyuan", "ccqcyyxy"]
    assert search_text("曾经科技").split()[1] == "cengjingkeji"  # 曾经 is a word, not the surname 曾


def test_a_contact_is_found_by_the_pinyin_of_their_surname(rep, api_client_for):
    customer = create_customer(actor=rep, data={"name": "杭州读音测试"})
    api_client_for(rep).post("/api/v1/contacts/", {"customer": customer.pk, "name": "曾小贤"}, format="json")
    individual = create_customer(actor=rep, data={"name": "单雄信", "kind": Customer.Kind.INDIVIDUAL})
    found = str(api_client_for(rep).get("/api/v1/search/?q=zengxiaoxian").json())
    assert "曾小贤" in found
    assert "shanxiongxin" in Customer.objects.get(pk=individual.pk).search_text


# --- Identity numbers -----------------------------------------------------------------------------------------


def test_resident_id_numbers_are_checked_by_their_check_character(rep, api_client_for):
    assert resident_id_problem(RESIDENT_ID) is None and resident_id_problem("11010519491231002x") is None
    assert "check character" in resident_id_problem("110105194912310021")
    assert "birth date" in resident_id_problem("110105194902300021")
    assert "18 characters" in resident_id_problem("1101051949123")
    customer = create_customer(actor=rep, data={"name": "身份证测试"})
    client = api_client_for(rep)
    bad = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "周九", "id_number": "110105194912310021"},
                      format="json")
    assert bad.status_code == 400 and "校验位不符" in bad.json()["error"]["fields"]["id_number"][0]
    good = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "周九",
                                             "id_number": "１１０１０５１９４９１２３１００２x"}, format="json")
    assert good.status_code == 201
    assert Contact.objects.get(pk=good.json()["id"]).id_number == RESIDENT_ID


def test_credit_codes_are_checked_by_their_check_character():
    assert credit_code_problem(CREDIT_CODE) is None and credit_code_problem(CREDIT_CODE.lower()) is None
    assert "check character" in credit_code_problem(CREDIT_CODE[:-1] + "4")
    assert "18 characters" in credit_code_problem("91350100M000100Y4")
    assert "18 characters" in credit_code_problem("91350100M000100I43")  # I is not a code character


INVOICING = {"credit_code": CREDIT_CODE.lower(), "tax_number": "", "invoice_address": "杭州市西湖区文三路 90 号",
             "invoice_phone": "０５７１－８８８８６６６６", "bank_name": "招商银行杭州分行",
             "bank_account": "5719 0123 4567 890"}


def test_a_company_gets_its_credit_code_and_invoicing_details_through_the_api(rep, api_client_for):
    client = api_client_for(rep)
    response = client.post("/api/v1/customers/", {"name": "开票信息有限公司", **INVOICING}, format="json")
    assert response.status_code == 201, response.content
    body = client.get(f"/api/v1/customers/{response.json()['id']}/").json()
    assert body["credit_code"] == CREDIT_CODE and body["bank_account"] == "571901234567890"
    assert body["invoice_phone"] == "057188886666" and body["invoice_address"] == INVOICING["invoice_address"]
    customer = Customer.objects.get(pk=body["id"])
    assert customer.invoice_tax_number() == CREDIT_CODE  # no tax number of its own: the credit code
    wrong = client.post("/api/v1/customers/", {"name": "错误代码", "credit_code": CREDIT_CODE[:-1] + "4"},
                        format="json")
    assert wrong.status_code == 400 and "校验位不符" in wrong.json()["error"]["fields"]["credit_code"][0]
    person = client.post("/api/v1/customers/", {"name": "个人客户", "kind": "individual", "credit_code": CREDIT_CODE},
                         format="json")
    assert person.status_code == 400 and "只有企业客户" in person.json()["error"]["fields"]["credit_code"][0]
    account = client.post("/api/v1/customers/", {"name": "账号错误", "bank_account": "12ab"}, format="json")
    assert account.status_code == 400 and "8 到 32 位" in account.json()["error"]["fields"]["bank_account"][0]
    assert not Customer.objects.filter(name__in=["错误代码", "个人客户", "账号错误"]).exists()


def test_invoicing_details_on_the_form_the_detail_page_and_the_export_with_chinese_labels(rep, client_for):
    client = client_for(rep)
    with translation.override("zh-hans"):
        form = client.get(reverse("customers:create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for label in ("统一社会信用代码", "纳税人识别号", "注册地址", "注册电话", "开户银行", "银行账号", "分机号"):
        assert label in form, label
    client.post(reverse("customers:create"), {"name": "表单开票有限公司", "kind": "company", "owner": rep.pk,
                                              **INVOICING})
    customer = Customer.objects.get(name="表单开票有限公司")
    assert customer.credit_code == CREDIT_CODE
    detail = client.get(customer.get_absolute_url()).content.decode()
    assert CREDIT_CODE in detail and "招商银行杭州分行" in detail
    refused = client.post(reverse("customers:create"), {"name": "表单错误代码", "kind": "company", "owner": rep.pk,
                                                        "credit_code": "91350100M000100Y44"})
    assert refused.status_code == 200 and "校验位不符" in refused.content.decode()
    body = b"".join(client.get("/customers/export/?format=csv").streaming_content).decode("utf-8")[1:]
    rows = {row["名称"]: row for row in csv.DictReader(io.StringIO(body))}  # headings in the user's language
    assert rows["表单开票有限公司"]["统一社会信用代码"] == CREDIT_CODE
    assert rows["表单开票有限公司"]["银行账号"] == "571901234567890"


def test_an_import_reads_credit_codes_and_invoicing_details_and_refuses_a_wrong_code(
    rep, django_capture_on_commit_callbacks
):
    rows = [["客户名称", "统一社会信用代码", "开户行", "银行账号", "注册地址"],
            ["导入开票有限公司", CREDIT_CODE, "工商银行", "6222 0202 0000 1234", "宁波市鄞州区"],
            ["导入错误代码有限公司", "91350100M000100Y44", "", "", ""]]
    job = preview(rep, csv_upload(rows))
    assert job.mapping["统一社会信用代码"] == "credit_code" and job.mapping["银行账号"] == "bank_account"
    assert rows_by_action(job)["error"] == {3}
    run(rep, job, django_capture_on_commit_callbacks)
    customer = Customer.objects.get(name="导入开票有限公司")
    assert (customer.credit_code, customer.bank_name, customer.bank_account) == (CREDIT_CODE, "工商银行",
                                                                                "6222020200001234")
