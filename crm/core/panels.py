"""Panels on a record's 360° page, contributed by every module through registered providers.

A module adds "opportunities of this customer" to the customer page with one call in its ``AppConfig.ready()``::

    register_panel("customers.customer", Panel(
        code="opportunities", title=_("Opportunities"), template="sales/_customer_opportunities.html",
        context=opportunities_panel, module="sales", order=30))

``context(record, user, page)`` returns the template's context, or None to leave the panel out (nothing to
show, or not for this user). It must fetch through ``Model.objects.visible_to(user)``: the page only checks the
panel's permission (``module.action``), never which rows the panel lists. ``page`` holds the page's own flags
(``can_edit``, ``can_delete``, ``can_unmask``, ``pool_preview``…), read-only, so a panel's buttons follow them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString

PanelContext = Callable[[Any, Any, dict[str, Any]], dict[str, Any] | None]


def _no_context(record, user, page) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Panel:
    code: str  # unique per page; the panel's wrapper gets data-panel="<code>"
    title: str | Promise
    template: str  # rendered with the page flags, ``record``, ``panel`` and what ``context`` returns
    context: PanelContext = _no_context
    order: int = 100  # smaller first
    module: str = ""  # with ``action``: the permission a user needs to see the panel ("" = anyone on the page)
    action: str = "view"
    width: str = "full"  # "full" or "half" (half a row on wide screens)


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    html: SafeString

    @property
    def code(self) -> str:
        return self.panel.code

    @property
    def width(self) -> str:
        return self.panel.width


_panels: dict[str, list[Panel]] = {}


def register_panel(model_label: str, panel: Panel) -> None:
    """Adds ``panel`` to the 360° page of ``model_label`` (e.g. "customers.customer"); a code registered again
    replaces the earlier panel."""
    panels = [existing for existing in _panels.get(model_label.lower(), []) if existing.code != panel.code]
    _panels[model_label.lower()] = sorted([*panels, panel], key=lambda p: (p.order, p.code))


def unregister_panel(model_label: str, code: str) -> None:
    _panels[model_label.lower()] = [p for p in _panels.get(model_label.lower(), []) if p.code != code]


def panels_of(model_label: str) -> list[Panel]:
    return list(_panels.get(model_label.lower(), []))


def render_panels(record, request, page: dict[str, Any]) -> list[RenderedPanel]:
    """The panels of ``record``'s page that ``request.user`` may see, rendered, in order."""
    user = request.user
    rendered = []
    for panel in _panels.get(record._meta.label_lower, []):
        if panel.module and not user.has_module_perm(panel.module, panel.action):
            continue
        context = panel.context(record, user, page)
        if context is None:
            continue
        html = render_to_string(panel.template, {**page, "record": record, "panel": panel, **context}, request=request)
        rendered.append(RenderedPanel(panel, html))
    return rendered
