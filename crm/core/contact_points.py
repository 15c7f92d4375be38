"""Normalising phone numbers and e-mail addresses, so duplicates and exact search find each other.

Mainland mobiles become 11 digits (``+86 138-0013-8000`` → ``13800138000``); landlines keep their area code
with its leading 0 (``(0571) 8888 6666`` → ``057188886666``; ``+86 10 1234 5678`` → ``01012345678``).
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_NON_DIGITS = re.compile(r"[^\d+]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(raw: str) -> str:
    """Digits only, country code dropped for China; '' when there is nothing phone-like."""
    if not raw:
        return ""
    value = _NON_DIGITS.sub("", str(raw).strip())
    if value.startswith("+86"):
        value = value[3:]
        if value and not _MOBILE.match(value) and not value.startswith("0"):
            value = "0" + value  # +86 10 … is the landline 010 …
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and _MOBILE.match(value[2:]):
        value = value[2:]
    value = value.replace("+", "")
    return value if len(value) >= 5 else ""


def is_mobile(normalised: str) -> bool:
    return bool(_MOBILE.match(normalised))


def normalise_email(raw: str) -> str:
    value = (raw or "").strip().lower()
    return value if _EMAIL.match(value) else ""


def mask_phone(value: str) -> str:
    """138****1234 — enough to recognise, not to call."""
    digits = normalise_phone(value) or value or ""
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return "*" * len(value or "")
    name, _, domain = value.partition("@")
    return f"{name[:1]}***@{domain}"


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return f"{value[:3]}{'*' * max(len(value) - 7, 4)}{value[-4:]}"
