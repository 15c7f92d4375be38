"""The 500s the fuzzer and the issue found on platform endpoints (issue 8, §3), each now a clean answer."""

import pytest

from crm.core.models import SavedView
from crm.system.models import Holiday

pytestmark = pytest.mark.django_db


def test_holidays_by_year_zero_with_page_zero_is_a_400(api_client_for, admin_user):
    response = api_client_for(admin_user).get("/api/v1/holidays/?date__year=0&page=0&page_size=0")
    assert response.status_code == 400 and "date__year" in response.json()["error"]["fields"]
    assert api_client_for(admin_user).get("/api/v1/holidays/?date__year=2026").status_code == 200


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "2026-02-30"])
def test_a_holiday_outside_the_calendar_window_is_refused(api_client_for, admin_user, date):
    response = api_client_for(admin_user).post("/api/v1/holidays/", {"date": date, "name": "x"}, format="json")
    assert response.status_code == 400 and "date" in response.json()["error"]["fields"]
    assert not Holiday.objects.filter(name="x").exists()


@pytest.mark.parametrize("form", [
    {"list_key": "customers", "name": "我的视图", "query": "a=1", "is_default": "0"},
    {"list_key": "customers", "name": "我的视图", "query": "a=1"},
    {"list_key": "customers", "name": "我的视图"},
])
def test_a_saved_view_posted_as_a_form_without_columns_or_query_is_saved(api_client_for, rep, form):
    response = api_client_for(rep).post("/api/v1/saved-views/", form, format="multipart")
    assert response.status_code == 201, response.content
    view = SavedView.objects.get(user=rep)
    assert view.columns == [] and view.is_default is False and view.query == form.get("query", "")


def test_a_saved_view_posted_as_json_without_columns_is_saved(api_client_for, rep):
    response = api_client_for(rep).post("/api/v1/saved-views/", {"list_key": "customers", "name": "v", "query": "a=1"},
                                        format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("limit", ["²", "99999999999999999999", "-3", "abc"])
def test_global_search_reads_an_odd_limit_as_the_default(api_client_for, rep, limit):
    assert api_client_for(rep).get("/api/v1/search/", {"q": "x", "limit": limit}).status_code == 200


@pytest.mark.parametrize("work_days", [True, "12345", [0], [1, "2"], [1.5], {}])
def test_working_days_that_are_not_a_list_of_weekdays_are_refused(api_client_for, admin_user, work_days):
    response = api_client_for(admin_user).patch("/api/v1/settings/", {"work_days": work_days}, format="json")
    assert response.status_code == 400 and "work_days" in response.json()["error"]["fields"]
