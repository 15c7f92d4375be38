"""Sensitive fields encrypted at rest (AES-256-GCM) with a blind index for exact search.

Keys come from the environment:

- ``CRM_FIELD_KEYS``: comma-separated ``id:base64-32-bytes`` keys, the first one encrypts, all of them decrypt
  (rotation: put a new key first, run ``crm rotate_field_keys``, then drop the old one);
- ``CRM_BLIND_INDEX_KEY``: base64 32 bytes for the HMAC of normalised values (never rotated without a rebuild).

Without them (demo, tests) both keys are derived from SECRET_KEY, which is stable per installation.
Stored form: ``enc:<key id>:<base64(nonce || ciphertext+tag)>``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "enc:"


class FieldKeyError(RuntimeError):
    pass


@functools.cache
def _field_keys() -> list[tuple[str, bytes]]:
    raw = os.environ.get("CRM_FIELD_KEYS", "").strip()
    if not raw:
        derived = hashlib.sha256(b"crm-field-key:" + settings.SECRET_KEY.encode()).digest()
        return [("k0", derived)]
    keys = []
    for part in raw.split(","):
        key_id, _, encoded = part.strip().partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise FieldKeyError("CRM_FIELD_KEYS entries must be id:base64 of 32 bytes")
        keys.append((key_id, key))
    return keys


@functools.cache
def _index_key() -> bytes:
    raw = os.environ.get("CRM_BLIND_INDEX_KEY", "").strip()
    if raw:
        return base64.b64decode(raw)
    return hashlib.sha256(b"crm-blind-index:" + settings.SECRET_KEY.encode()).digest()


@functools.cache
def _index_hmac():
    """The keyed HMAC state, made once: each blind index copies it (imports hash hundreds of thousands)."""
    return hmac.new(_index_key(), digestmod=hashlib.sha256)


def reset_key_cache() -> None:
    _field_keys.cache_clear()
    _index_key.cache_clear()
    _index_hmac.cache_clear()


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    key_id, key = _field_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain.encode(), key_id.encode())
    return f"{PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    key_id, _, payload = stored[len(PREFIX):].partition(":")
    keys = dict(_field_keys())
    if key_id not in keys:
        raise FieldKeyError(f"No key {key_id!r} in CRM_FIELD_KEYS")
    blob = base64.b64decode(payload)
    return AESGCM(keys[key_id]).decrypt(blob[:12], blob[12:], key_id.encode()).decode()


def is_current(stored: str) -> bool:
    return not stored or stored.startswith(f"{PREFIX}{_field_keys()[0][0]}:")


def blind_index(normalised: str) -> str:
    """A keyed hash of a normalised value: equal values match, the value itself cannot be read back."""
    if not normalised:
        return ""
    digest = _index_hmac().copy()
    digest.update(normalised.encode())
    return digest.hexdigest()


class EncryptedCharField(models.TextField):
    """Text stored encrypted; Python code sees plain text. Cannot be filtered on: use its blind index."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else (value or "")
