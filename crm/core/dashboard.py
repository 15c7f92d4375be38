"""Widgets on the home page (the work bench), contributed by every module through registered providers.

A module adds a widget with one call in its ``AppConfig.ready()``::

    register_widget(Widget(code="sales.pipeline", title=_("My pipeline"), template="sales/widgets/_pipeline.html",
                           context=pipeline_widget, module="sales", order=20, size="half"))

``context(user)`` returns the template's context, or None to leave the widget out; its queries go through
``Model.objects.visible_to(user)``. The home page shows the widgets whose permission (``module.action``) and
``roles`` (role codes; empty = any role) the user has, in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString

WidgetContext = Callable[[Any], dict[str, Any] | None]
SIZES = {"third": "col-md-6 col-xl-4", "half": "col-lg-6", "full": "col-12"}


def _no_context(user) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Widget:
    code: str  # unique, "<app>.<name>"; the widget's wrapper gets data-widget="<code>"
    title: str | Promise
    template: str  # rendered with ``widget`` and what ``context`` returns
    context: WidgetContext = _no_context
    module: str = ""  # with ``action``: the permission a user needs ("" = every signed-in user)
    action: str = "view"
    roles: frozenset[str] = frozenset()  # role codes, any of which shows the widget; empty = any role
    order: int = 100  # smaller first
    size: str = "half"  # "third", "half" or "full" of a row on wide screens

    def allowed(self, user) -> bool:
        if self.module and not user.has_module_perm(self.module, self.action):
            return False
        if self.roles and not user.is_superuser:
            return user.roles.filter(code__in=self.roles).exists()
        return True


@dataclass(frozen=True)
class RenderedWidget:
    widget: Widget
    html: SafeString

    @property
    def code(self) -> str:
        return self.widget.code

    @property
    def css_class(self) -> str:
        return SIZES.get(self.widget.size, SIZES["half"])


_widgets: dict[str, Widget] = {}


def register_widget(widget: Widget) -> None:
    """Adds ``widget`` to the home page; a code registered again replaces the earlier widget."""
    if widget.size not in SIZES:
        raise ValueError(f"Widget size must be one of {sorted(SIZES)}, not {widget.size!r}.")
    _widgets[widget.code] = widget


def unregister_widget(code: str) -> None:
    _widgets.pop(code, None)


def widgets_for(user) -> list[Widget]:
    return [w for w in sorted(_widgets.values(), key=lambda w: (w.order, w.code)) if w.allowed(user)]


def render_widgets(request) -> list[RenderedWidget]:
    """The home-page widgets ``request.user`` may see, rendered, in order."""
    rendered = []
    for widget in widgets_for(request.user):
        context = widget.context(request.user)
        if context is None:
            continue
        html = render_to_string(widget.template, {"widget": widget, **context}, request=request)
        rendered.append(RenderedWidget(widget, html))
    return rendered
