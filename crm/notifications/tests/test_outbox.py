"""The outbox: with no mail server configured, the mail the CRM writes is kept for an administrator to read
(the demo needs no SMTP server, and its log no retries), and only administrators read it."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crm.notifications.mail import OUTBOX_BACKEND, purge_outbox
from crm.notifications.models import OutboxMessage
from crm.notifications.services import notify
from crm.testing_app.messages import NOTE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    return settings


def test_a_notification_by_email_lands_in_the_outbox_and_the_admin_reads_it(outbox, rep, admin_user, client_for):
    # Given no mail server: a reminder by e-mail for a rep (the task queue runs it at commit)
    notify(rep, NOTE(title="客户即将进入公海", body="华为技术 3 天后回到公海"), url="/customers/1/", email=True)
    kept = OutboxMessage.objects.get()
    assert (kept.recipients, kept.subject) == (rep.email, "客户即将进入公海")
    assert "华为技术 3 天后回到公海" in kept.body and "/customers/1/" in kept.body

    # Then the admin's outbox page lists it, in Chinese and in English
    with translation.override("zh-hans"):
        page = client_for(admin_user).get(reverse("notifications:outbox"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200 and "发件箱" in text and "客户即将进入公海" in text and rep.email in text
    assert text.count("未配置邮件服务器") == 1 and f"收件人: {rep.email}" in text
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    english = client_for(admin_user).get(reverse("notifications:outbox")).content.decode()
    assert "Outbox" in english and "No mail server is configured" in english


def test_only_administrators_read_the_outbox(outbox, rep, manager, client_for):
    notify(manager, NOTE(title="审批提醒", body="机密内容"), email=True)
    assert client_for(rep).get(reverse("notifications:outbox")).status_code == 403
    assert "机密内容" not in client_for(rep).get(reverse("notifications:list")).content.decode()
    assert reverse("notifications:outbox") not in client_for(rep).get(reverse("home")).content.decode()


def test_the_outbox_forgets_old_mail(outbox, rep):
    notify(rep, NOTE(title="旧邮件"), email=True)
    notify(rep, NOTE(title="新邮件"), email=True)
    OutboxMessage.objects.filter(subject="旧邮件").update(created_at=timezone.now() - dt.timedelta(days=31))
    assert purge_outbox(days=30) == 1
    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["新邮件"]


@pytest.mark.parametrize(("environment", "backend"), [
    ({}, OUTBOX_BACKEND),
    ({"CRM_EMAIL_HOST": "smtp.example.com"}, "django.core.mail.backends.smtp.EmailBackend"),
    ({"CRM_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
     "django.core.mail.backends.console.EmailBackend"),
])
def test_mail_goes_to_the_outbox_until_a_mail_server_is_named(environment, backend, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_EMAIL")}
    env.update(environment, DJANGO_SETTINGS_MODULE="crm.settings", CRM_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == backend
