"""Per-request facts (request id, client IP) that logging and the audit trail read.

Kept in context variables set by RequestIdMiddleware; outside a request they are empty.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_ip() -> str | None:
    return client_ip_var.get()


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> IPAddress | None:
    """An address as a proxy writes it: ``203.0.113.7``, ``203.0.113.7:5100``, ``2001:db8::1``, ``[2001:db8::1]:80``."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client reaching a dual-stack proxy shows as ::ffff:a.b.c.d; networks are written in IPv4.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_ip(request) -> str | None:
    """The address of the person behind the request, as far as it can be known.

    ``X-Forwarded-For`` is believed only when the connection itself comes from a proxy listed in
    ``CRM_TRUSTED_PROXIES``; anyone else could write any address there. Then the chain is read from the right
    (each proxy appends the address it saw) and the first address that is not a trusted proxy is the client;
    everything left of it was written by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = _networks(tuple(settings.CRM_TRUSTED_PROXIES))
    peer = _address(remote) if remote else None
    if peer is None or not any(peer in network for network in trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:
            break  # garbage where an address should be: the last hop that could be trusted is all we know
        client = address
        if not any(address in network for network in trusted):
            break
    return str(client)
