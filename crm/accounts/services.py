"""Changes to users, departments and roles. Each is atomic and leaves its audit row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from crm.accounts.models import Department, Role, User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.errors import DomainError


def _apply(instance, data: dict[str, Any], m2m: tuple[str, ...] = ()) -> dict[str, Any]:
    """Sets plain fields on ``instance`` and returns the many-to-many values to set after saving."""
    later = {}
    for name, value in data.items():
        if name in m2m:
            later[name] = value
        else:
            setattr(instance, name, value)
    return later


@transaction.atomic
def create_user(*, actor: User, data: dict[str, Any], password: str) -> User:
    fields = dict(data)
    roles = fields.pop("roles", [])
    user = User(**fields)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.roles.set(roles)
    audit.record_create(actor=actor, instance=user)
    return user


@transaction.atomic
def update_user(*, actor: User, user: User, data: dict[str, Any]) -> User:
    before = audit.snapshot(user)
    old_roles = sorted(str(r) for r in user.roles.all())
    later = _apply(user, data, m2m=("roles",))
    if user.manager_id and user.manager_id == user.pk:
        raise DomainError(_("A user cannot be their own manager."), field="manager")
    if user.manager_id and user.manager_id in user.subordinate_ids():
        raise DomainError(_("This manager reports to the user already."), field="manager")
    user.full_clean(exclude=["password"])
    user.save()
    extra = {}
    if "roles" in later:
        user.roles.set(later["roles"])
        new_roles = sorted(str(r) for r in later["roles"])
        if new_roles != old_roles:
            extra["roles"] = [old_roles, new_roles]
    audit.record_update(actor=actor, instance=user, before=before, extra=extra)
    return user


@transaction.atomic
def set_password(*, actor: User, user: User, password: str) -> None:
    """An admin's reset or the user's own change; the password itself never reaches the audit trail.

    A new password ends every way in that the old one gave: other sessions end (Django's session hash, the
    calling view keeps the caller's own) and the user's API token is deleted, so a leaked key dies with the
    leaked password and the token endpoint hands out a new key, not the old one again.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record_event(actor=actor, action=AuditEvent.Action.PASSWORD_CHANGE, instance=user)
    revoke_api_token(actor=actor, user=user)


# --- Sign-in lockouts (django-axes counts the failures; these lift a lockout before its cool-off ends) -------


def locked_out_usernames() -> list[str]:
    """User names that have failed too often to sign in and are still inside the cool-off."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return sorted(set(attempts.values_list("username", flat=True)))


@transaction.atomic
def unlock_sign_in(*, actor: User, username: str) -> bool:
    """Lets ``username`` try to sign in again now; False when it was not locked out (nothing changes)."""
    from axes.utils import reset

    if username not in locked_out_usernames():
        return False
    reset(username=username)  # through axes' own handler, so its cache forgets the failures too
    audit.record_event(actor=actor, action="sign_in_unlock", changes={"username": username},
                       message=username)
    return True


# --- API tokens: one per user (DRF's authtoken); the key itself never reaches the audit trail ---------------

def api_token_state(*, user: User) -> dict[str, Any]:
    """What the user may know of their token without its key: whether it exists, its age, its last use."""
    token = Token.objects.filter(user=user).select_related("use").first()
    if token is None:
        return {"exists": False, "created": None, "key_hint": None, "last_used": None}
    use = getattr(token, "use", None)
    return {"exists": True, "created": token.created, "key_hint": token.key[:4],
            "last_used": use.last_used_at if use else None}


@transaction.atomic
def obtain_api_token(*, user: User) -> Token:
    """The user's token for ``Authorization: Token …``, made the first time they ask for one."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit.record_event(actor=user, action=AuditEvent.Action.UPDATE, instance=user,
                           message=_("API token created"))
    return token


@transaction.atomic
def regenerate_api_token(*, actor: User, user: User) -> Token:
    """Replaces the user's token with a new key: the old key stops working at once."""
    # The user row serialises two regenerations at once (each would otherwise insert a token for the user).
    User.objects.select_for_update().filter(pk=user.pk).first()
    replaced, _count = Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit.record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=user,
                       message=_("API token replaced") if replaced else _("API token created"))
    return token


@transaction.atomic
def revoke_api_token(*, actor: User, user: User) -> bool:
    """Deletes the user's token; False when there was none (nothing is written then)."""
    deleted, _count = Token.objects.filter(user=user).delete()
    if deleted:
        audit.record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=user,
                           message=_("API token revoked"))
    return bool(deleted)


@transaction.atomic
def create_department(*, actor: User, data: dict[str, Any]) -> Department:
    return audit.save_with_audit(actor=actor, instance=Department(), data=data)


@transaction.atomic
def update_department(*, actor: User, department: Department, data: dict[str, Any]) -> Department:
    parent = data.get("parent", department.parent)
    if parent is not None and (parent.pk == department.pk or parent.pk in department.descendant_ids()):
        raise DomainError(_("A department cannot be placed under itself or one of its sub-departments."),
                          field="parent")
    return audit.save_with_audit(actor=actor, instance=department, data=data)


@transaction.atomic
def delete_department(*, actor: User, department: Department) -> None:
    if department.children.exists():
        raise DomainError(_("Move or delete its sub-departments first."))
    if department.members.exists():
        raise DomainError(_("Move its members to another department first."))
    try:
        with transaction.atomic():
            audit.record_delete(actor=actor, instance=department)
            department.delete()
    except ProtectedError as exc:
        raise DomainError(_("Records still belong to this department; move them first.")) from exc


@transaction.atomic
def create_role(*, actor: User, data: dict[str, Any]) -> Role:
    return audit.save_with_audit(actor=actor, instance=Role(), data=data)


@transaction.atomic
def update_role(*, actor: User, role: Role, data: dict[str, Any]) -> Role:
    return audit.save_with_audit(actor=actor, instance=role, data=data)


@transaction.atomic
def delete_role(*, actor: User, role: Role) -> None:
    if role.users.exists():
        raise DomainError(_("Users still hold this role; take it from them first."))
    audit.record_delete(actor=actor, instance=role)
    role.delete()
