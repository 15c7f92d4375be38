"""Chinese identity numbers, checked by their check characters.

- The resident identity card number (居民身份证号码, GB 11643-1999): 17 digits (area, birth date, sequence) and a
  check character 0–9 or X, the ISO 7064 MOD 11-2 of the first 17.
- The unified social credit code (统一社会信用代码, GB 32100-2015) of a company or other organisation: 18
  characters from 0–9 and A–Y without I, O, Z, S and V, the last the MOD 31 check of the first 17.

Both are normalised first (full-width forms folded, spaces and dashes dropped, upper case), so ``１１０１…x`` and
``1101 … X`` are the same number. Validators return a message in the user's language, or None.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # indexed by (weighted sum mod 11)
_RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9X]$")

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_VALUE = {ch: i for i, ch in enumerate(_CODE_CHARS)}
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"^[{_CODE_CHARS}]{{18}}$")
_SEPARATORS = re.compile(r"[\s\-_]+")
_TAX_NUMBER = re.compile(r"^(?:[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20})$")
_BANK_ACCOUNT = re.compile(r"^[0-9]{8,32}$")


def normalise_identity(raw: str) -> str:
    """Full-width forms folded, separators dropped, upper case: how identity numbers are stored and indexed."""
    text = str(raw or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", text).upper()


def resident_id_check(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_problem(raw: str) -> str | None:
    """Why ``raw`` is not a valid 18-digit resident identity number, or None."""
    value = normalise_identity(raw)
    if not _RESIDENT_ID.match(value):
        return _("A resident ID number has 18 characters: 17 digits and a last digit or X.")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("This ID number holds no real birth date (characters 7 to 14).")
    if born.year < 1900 or born > dt.date.today():
        return _("This ID number holds no real birth date (characters 7 to 14).")
    if resident_id_check(value[:17]) != value[17]:
        return _("This ID number's check character does not match: a character is mistyped.")
    return None


def credit_code_check(first17: str) -> str:
    remainder = sum(_CODE_VALUE[ch] * w for ch, w in zip(first17, _CODE_WEIGHTS, strict=True)) % 31
    return _CODE_CHARS[(31 - remainder) % 31]


def credit_code_problem(raw: str) -> str | None:
    """Why ``raw`` is not a valid unified social credit code, or None."""
    value = normalise_identity(raw)
    if not _CREDIT_CODE.match(value):
        return _("A unified social credit code has 18 characters: digits and capital letters other than I, O, Z, "
                 "S and V.")
    if credit_code_check(value[:17]) != value[17]:
        return _("This credit code's check character does not match: a character is mistyped.")
    return None


def tax_number_problem(raw: str) -> str | None:
    """A taxpayer ID (纳税人识别号): the credit code for most companies, 15, 17 or 20 characters for older ones."""
    if _TAX_NUMBER.match(normalise_identity(raw)):
        return None
    return _("A taxpayer ID has 15, 17, 18 or 20 digits and capital letters.")


def bank_account_problem(raw: str) -> str | None:
    if _BANK_ACCOUNT.match(normalise_identity(raw)):
        return None
    return _("A bank account number has 8 to 32 digits.")


@deconstructible
class NumberValidator:
    """A model field's validator for one of the numbers above (``kind``: resident_id, credit_code, tax_number,
    bank_account), so a form, the API and an import's FieldCleaner give the same verdict."""

    checks = {"resident_id": resident_id_problem, "credit_code": credit_code_problem,
              "tax_number": tax_number_problem, "bank_account": bank_account_problem}

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, value: str) -> None:
        if value and (problem := self.checks[self.kind](value)):
            raise ValidationError(problem, code=f"invalid_{self.kind}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NumberValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)
