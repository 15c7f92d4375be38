"""Per-request facts (request id, client IP) that logging and the audit trail read.

Kept in context variables set by RequestIdMiddleware; outside a request they are empty.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_ip() -> str | None:
    return client_ip_var.get()
