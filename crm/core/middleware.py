"""Request-wide plumbing: request ids for logs and audit, Prometheus metrics, a busy database answered 503."""

from __future__ import annotations

import re
import time
import uuid

from django.urls import Resolver404, resolve
from prometheus_client import Counter, Histogram

from crm.core.request_context import client_ip, client_ip_var, request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REQUESTS = Counter("crm_http_requests_total", "HTTP requests served", ["method", "route", "status"])
ERRORS = Counter("crm_http_errors_total", "HTTP requests that ended in a server error", ["route"])
LATENCY = Histogram(
    "crm_http_request_duration_seconds", "Time to serve an HTTP request", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy when it is sane, else makes one; echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        ip = client_ip(request)
        # Set, not reset afterwards: Django logs 4xx/5xx responses after the middleware chain has returned,
        # and those lines must carry the id too. The next request on this thread sets its own.
        request_id_var.set(request.id)
        client_ip_var.set(ip or None)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class RejectNulBytesMiddleware:
    """A NUL character is never valid input, and PostgreSQL refuses it deep in a query: answer 400 up front."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key + "".join(values)
                                         for key, values in request.GET.lists()):
            from crm.core.views import bad_request

            return bad_request(request)
        return self.get_response(request)


def _route_of(request) -> str:
    """The URL pattern name, so metrics don't explode with one label per record id."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route_of(request)
        LATENCY.labels(route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if response.status_code >= 500:
            ERRORS.labels(route).inc()
        return response


class DatabaseBusyMiddleware:
    """A write that finds the database busy past its lock timeout (SQLite's one writer held by someone else, a
    PostgreSQL lock timeout or deadlock) is answered 503 with Retry-After and a message in the user's language —
    HTML or the API's error format — never a 500: nothing was saved and trying again will work. Last in
    MIDDLEWARE, so it sees the view's exception first; errors outside views reach the same answer through
    handler500 (crm.core.views.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from crm.core.views import database_busy, is_database_busy

        if is_database_busy(exception):
            return database_busy(request)
        return None
