"""Normalising phone numbers and e-mail addresses, so duplicates and exact search find each other.

One normaliser for every door (form, API, import; the models' ``fill_derived()`` and the import's bulk path call
it). Mainland mobiles become 11 digits (``+86 138-0013-8000`` → ``13800138000``); landlines keep their area code
with its leading 0 (``(0571) 8888 6666`` → ``057188886666``; ``+86 10 1234 5678`` → ``01012345678``); other
countries keep their ``+`` (``+44 20 7946 0958`` → ``+442079460958``). Full-width digits and punctuation
(``１３８…``, ``（０５７１）``) count as their ASCII forms. An extension (``转 86``, ``分机 86``, ``ext. 86``,
``#86``) is kept apart from the number, so the main number is what is stored, indexed and searched.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# After NFKC: everything but ASCII digits and "+" is formatting (spaces, dashes, dots, brackets).
_NON_DIGITS = re.compile(r"[^0-9+]")
# An extension at the end: 转 86, 分机 86, 分机号：86, 内线 86, ext. 86, extension 86, x86, #86, (转86).
_EXTENSION = re.compile(
    r"[\s,;]*[(\[]?\s*(?:转|分机号?|内线|ext(?:ension)?\.?|x|#)\s*[:.]?\s*([0-9]{1,6})\s*[)\]]?\s*$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone as typed, read: ``number`` normalised ('' if nothing phone-like), ``extension`` ('' if none),
    ``fault`` a code for why it cannot be a phone (None when it can); ``problem`` says it in the user's language."""

    number: str
    extension: str = ""
    fault: str | None = None

    def __str__(self) -> str:
        return f"{self.number} 转 {self.extension}" if self.extension else self.number

    @property
    def problem(self) -> str | None:
        if self.fault is None:
            return None
        digits = len(self.number.lstrip("+"))
        if self.fault == "digits":
            return ngettext(
                "%(count)d digit cannot be a phone number; e.g. 13800138000 or 0571-88886666.",
                "%(count)d digits cannot be a phone number; e.g. 13800138000 or 0571-88886666.",
                digits,
            ) % {"count": digits}
        return {
            "empty": _("Enter a phone number, e.g. 13800138000 or 0571-88886666."),
            "foreign": _("An international number has 7 to 15 digits after its “+”."),
            "mobile": _("A mobile number has 11 digits starting with 13 to 19, e.g. 13800138000."),
            "landline": _("A landline with its area code has 10 to 12 digits, e.g. 0571-88886666."),
            "freephone": _("A 400 or 800 number has 10 digits, e.g. 400-123-4567."),
        }[self.fault]


def _ascii(text: str) -> str:
    """Full-width and other Unicode digits as ASCII digits (NFKC folds full-width forms; any other decimal digit
    is mapped by its value), so no door stores ``１３８`` where search looks for ``138``."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


@lru_cache(maxsize=20_000)  # a row's value is read again by fill_derived() and the blind index
def parse_phone(raw: str) -> Phone:
    """The number and extension of ``raw``, and whether it can be a phone at all (a few microseconds: an
    import calls it per cell)."""
    text = str(raw or "").strip()
    if text.isascii() and text.isdigit() and not text.startswith(("86", "00")):
        return Phone(text, "", _problem(text, False))  # already plain (most cells of an import): nothing to search
    text = _ascii(text).lower()
    if not text:
        return Phone("")
    extension = ""
    if ("x" in text or "#" in text or not text.isascii()) and (match := _EXTENSION.search(text)):
        extension, text = match.group(1), text[: match.start()]
    value = _NON_DIGITS.sub("", text)
    foreign = False
    if value.startswith("+86"):
        value = value[3:]
        if value and not _MOBILE.match(value) and not value.startswith("0"):
            value = "0" + value  # +86 10 … is the landline 010 …
    elif value.startswith("0086"):
        value = value[4:]
        if value and not _MOBILE.match(value) and not value.startswith("0"):
            value = "0" + value
    elif value.startswith("86") and _MOBILE.match(value[2:]):
        value = value[2:]
    elif value.startswith("+") or value.startswith("00"):
        foreign = True
        value = "+" + value.lstrip("+")[2:] if value.startswith("00") else "+" + value.lstrip("+")
    value = value[:1] + value[1:].replace("+", "") if foreign else value.replace("+", "")
    return Phone(value, extension, _problem(value, foreign))


def _problem(value: str, foreign: bool) -> str | None:
    """The fault code of a normalised number (Phone.problem words it), or None."""
    digits = len(value) - (1 if foreign else 0)
    if digits == 0:
        return "empty"
    if foreign:
        return None if 7 <= digits <= 15 else "foreign"
    if digits < 5:
        return "digits"
    if value.startswith("1"):
        # 11 digits for a mobile; five for the service numbers (10086, 12315).
        return None if digits == 5 or _MOBILE.match(value) else "mobile"
    if value.startswith("0"):
        return None if 10 <= digits <= 12 else "landline"
    if value.startswith(("400", "800")):
        return None if digits == 10 else "freephone"
    # A local number without its area code, or a service number (95588).
    return None if digits <= 8 else "digits"


@deconstructible
class PhoneValidator:
    """A model field's validator: refuses what cannot be a phone number, saying why (a form, the API and an
    import's FieldCleaner all run it)."""

    code = "invalid_phone"

    def __call__(self, value: str) -> None:
        if value and (problem := phone_problem(value)):
            raise ValidationError(problem, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhoneValidator)

    def __hash__(self) -> int:
        return hash(self.code)


def phone_problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a phone number (a message in the user's language), or None."""
    return parse_phone(raw).problem if raw else None


def normalise_phone(raw: str) -> str:
    """The main number (extension apart), country code dropped for China; '' when it cannot be a phone."""
    phone = parse_phone(raw) if raw else Phone("")
    return "" if phone.fault else phone.number


def is_mobile(normalised: str) -> bool:
    return bool(_MOBILE.match(normalised))


def normalise_email(raw: str) -> str:
    value = _ascii((raw or "").strip()).lower()
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
