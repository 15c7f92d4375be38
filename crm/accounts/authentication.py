"""API authentication: DRF's token, noting when each token was last used."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication

# A token's "last used" is exact to this many seconds: at most one write per token and worker in that time.
LAST_USED_RESOLUTION = 300


class TrackedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, and marks the token's last use for its owner's profile."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        note_token_use(token)
        return user, token


def note_token_use(token) -> None:
    """Records that ``token`` was used now, unless that was already recorded in the last few minutes."""
    from crm.accounts.models import ApiTokenUse

    # The cache key is a digest: the key itself never leaves the database.
    marker = "token-used:" + hashlib.sha256(token.key.encode()).hexdigest()[:32]
    if not cache.add(marker, 1, timeout=LAST_USED_RESOLUTION):
        return
    try:
        # A savepoint of its own: a busy database costs the mark, never the caller's request or transaction.
        with transaction.atomic():
            ApiTokenUse.objects.update_or_create(token=token, defaults={"last_used_at": timezone.now()})
    except DatabaseError:
        cache.delete(marker)
