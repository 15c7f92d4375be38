"""In headless Chromium: sign-in in both languages, and an admin building a department, a role and a user."""

import re

import pytest

from crm.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_logs_in_in_chinese_and_in_english(org, page, login, chromium):
    login("sales1")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#sidebar").get_by_text("客户").is_visible()

    context = chromium.new_context(locale="en-US")
    english = context.new_page()
    english.goto(f"{page.base_url}/login/")
    assert english.locator("html").get_attribute("lang") == "en"
    english.fill("input[name=username]", "sales1")
    english.fill("input[name=password]", "demo-Passw0rd")
    english.click("button[type=submit]")
    english.wait_for_url(re.compile(r"/$"))
    assert english.locator("#sidebar").get_by_text("Customers").is_visible()
    context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_demo_user_logs_in_in_both_languages(org, page, chromium, locale):
    context = chromium.new_context(locale=locale)
    browser_page = context.new_page()
    expected_lang = "en" if locale == "en-US" else "zh-hans"
    home = "Home" if locale == "en-US" else "首页"
    for username, user in org.items():
        browser_page.goto(f"{page.base_url}/login/")
        browser_page.fill("input[name=username]", username)
        browser_page.fill("input[name=password]", "demo-Passw0rd")
        browser_page.click("button[type=submit]")
        browser_page.wait_for_url(re.compile(r"/$"))
        assert browser_page.locator("html").get_attribute("lang") == expected_lang
        assert browser_page.locator("#user-menu").inner_text().strip() == user.name
        assert browser_page.locator("#sidebar").get_by_text(home).is_visible()
        browser_page.click("#user-menu")
        browser_page.click("#logout")
        browser_page.wait_for_url(re.compile(r"/login/"))
    context.close()


def test_the_language_switch_changes_the_interface(org, page, login):
    login("sales1")
    page.click("#user-menu")
    page.click("button[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#sidebar").get_by_text("Customers").is_visible()


def test_admin_creates_department_role_and_user_who_then_logs_in(org, page, login):
    login("admin")
    page.goto(f"{page.base_url}/system/departments/")
    page.click("#new-department")
    page.fill("#id_name", "华东大区")
    page.fill("#id_code", "east")
    page.select_option("#id_parent", label="销售部")
    page.click("#save")
    page.wait_for_url(re.compile(r"/system/departments/$"))
    assert page.get_by_role("link", name="华东大区").is_visible()

    page.goto(f"{page.base_url}/system/roles/new/")
    page.fill("#id_name", "大区经理")
    page.fill("#id_code", "east-manager")
    page.select_option("#id_data_scope", "department_tree")
    page.check("#perm-customers\\.view")
    page.check("#perm-customers\\.create")
    page.check("#perm-customers\\.edit")
    page.get_by_label("公海领取上限").fill("15")  # a setting customers registered on every role
    page.click("#save")
    page.wait_for_url(re.compile(r"/system/roles/$"))

    page.goto(f"{page.base_url}/system/users/")
    page.click("#new-user")
    page.fill("#id_username", "east1")
    page.fill("#id_name", "孙丽")
    page.select_option("#id_department", label="华东大区")
    page.get_by_label("大区经理").check()
    page.fill("#id_password1", "Strong-pass-2026")
    page.fill("#id_password2", "Strong-pass-2026")
    page.click("#save")
    page.wait_for_url(re.compile(r"/system/users/$"))
    user = User.objects.get(username="east1")
    assert user.effective_data_scope == "department_tree" and user.department.name == "华东大区"
    assert user.role_setting("customers.pool_claim_limit") == 15

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login/"))
    login("east1", "Strong-pass-2026")
    assert page.locator("#user-menu").inner_text().strip() == "孙丽"
    assert page.locator("#sidebar").get_by_text("客户").is_visible()
    assert page.locator("#sidebar").get_by_text("用户").count() == 0  # no admin section for this role
