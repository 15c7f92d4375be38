"""Log-in, log-out and failed log-in go to the audit trail. Django raises these signals itself, for every door."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from crm.accounts.middleware import SlidingSessionMiddleware
from crm.audit.models import AuditEvent
from crm.audit.services import record_event


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event(actor=user, action=AuditEvent.Action.LOGIN)


@receiver(user_logged_in)
def stamp_session(sender, request, user, **kwargs):
    # The sign-in saves the session with a fresh expiry: the next page need not refresh it again.
    session = getattr(request, "session", None)
    if session is not None:
        SlidingSessionMiddleware.stamp(session)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(actor=user, action=AuditEvent.Action.LOGOUT)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record_event(actor=None, actor_name=username, action=AuditEvent.Action.LOGIN_FAILED)
