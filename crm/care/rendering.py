"""Greeting templates: Django's template language in a sandbox, with a fixed set of merge fields.

A plan's subject and body are written by managers, so they are rendered by an engine of their own: no template
loaders, only a short allow-list of tags and filters (no loops, no padding filters: a template cannot make the
sender loop or allocate without bound, reach other templates, URLs or the server's internals), and a context of
plain values only — never model instances, whose methods a template could otherwise call.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import Lexer, TokenType
from django.utils.html import linebreaks
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# What a template may use: {{ contact.name }}, {{ customer.name }}, {{ company }}, {{ holiday }}, {{ years }}…
MERGE_FIELDS: dict[str, Any] = {
    "contact.name": _("the contact's name"),
    "contact.title": _("the contact's job title"),
    "customer.name": _("the customer's name"),
    "company": _("your company's name (system settings)"),
    "holiday": _("the holiday's name (holiday plans)"),
    "years": _("years since the first order (anniversary plans)"),
    "today": _("today's date"),
}

ALLOWED_TAGS = ("if", "firstof", "now", "with", "comment", "verbatim", "templatetag")
# The tags that close or continue the allowed ones: not tags of their own, parsed by their opening tag.
_INNER_TAGS = {"elif", "else", "endif", "endwith", "endcomment", "endverbatim"}
ALLOWED_FILTERS = ("add", "capfirst", "cut", "date", "default", "default_if_none", "divisibleby", "first", "last",
                   "length", "lower", "pluralize", "slice", "time", "title", "truncatechars", "truncatewords",
                   "upper", "wordcount", "yesno")


# Rendering is bounded: ``add`` is the one filter that can grow a value (nested ``{% with %}`` doubled a string per
# level: 879 characters of template rendered 33,554,432), so it refuses to build a value longer than
# MAX_VALUE_CHARS, and a greeting longer than MAX_GREETING_CHARS is refused whole. With values bounded and no
# loops, a render's time is bounded by the template's length.
MAX_VALUE_CHARS = 2_000
MAX_GREETING_CHARS = 20_000


class GreetingTooLong(Exception):
    """A greeting (or a value built inside it) past the bounds above."""


def _bounded_add(value: Any, arg: Any) -> Any:
    result = defaultfilters.add(value, arg)
    if isinstance(result, str | list | tuple) and len(result) > MAX_VALUE_CHARS:
        raise GreetingTooLong(gettext("A value built with add is longer than %(max)s characters.")
                              % {"max": MAX_VALUE_CHARS})
    return result


def _greeting_engine(string_if_invalid: str) -> Engine:
    library = Library()
    library.tags.update({name: defaulttags.register.tags[name] for name in ALLOWED_TAGS})
    library.filters.update({name: defaultfilters.register.filters[name] for name in ALLOWED_FILTERS})
    library.filter("add", _bounded_add)
    engine = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid=string_if_invalid)
    # Replaces Django's full built-in set: any other tag or filter is a syntax error when the plan is saved.
    engine.template_builtins = [library]
    return engine


_ENGINE = _greeting_engine("")
# Used only to check a template: an unknown merge field renders as this marker, so it can be named.
_MARKER = "\x00{%s}\x00"
_CHECKING_ENGINE = _greeting_engine(_MARKER % "%s")
_UNKNOWN_FIELD = re.compile("\x00\\{(.*?)\\}\x00")


@dataclass(frozen=True)
class RenderedGreeting:
    subject: str
    text: str
    html: str


def merge_values(*, contact_name: str, contact_title: str = "", customer_name: str, company: str,
                 holiday: str = "", years: int | None = None, today: dt.date) -> dict[str, Any]:
    """The context a greeting is rendered with: plain strings and numbers only."""
    return {
        "contact": {"name": contact_name, "title": contact_title},
        "customer": {"name": customer_name},
        "company": company,
        "holiday": holiday,
        "years": years if years is not None else "",
        "today": today,
    }


def sample_values(*, company: str, today: dt.date) -> dict[str, Any]:
    """Made-up values for checking a template and for a preview without a chosen contact."""
    return merge_values(contact_name=gettext("Zhang San"), contact_title=gettext("Purchasing manager"),
                        customer_name=gettext("Sample Customer Ltd."), company=company or gettext("Your company"),
                        holiday=gettext("Spring Festival"), years=3, today=today)


def check_template(source: str) -> None:
    """Raises ValidationError with a readable message when ``source`` is not a usable greeting template:
    bad syntax, a forbidden tag, an unknown merge field, or an error while rendering sample values."""
    for token in Lexer(source).tokenize():
        tag = token.contents.split()[0] if token.token_type == TokenType.BLOCK and token.contents.split() else ""
        if tag and tag not in ALLOWED_TAGS and tag not in _INNER_TAGS:
            raise ValidationError(_("The tag {%% %(tag)s %%} cannot be used in a greeting."), code="template_tag",
                                  params={"tag": tag})
    try:
        template = _CHECKING_ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(_("The template has a syntax error: %(error)s"), code="template_syntax",
                              params={"error": str(error).strip()}) from error
    except RecursionError as error:  # tags nested hundreds deep
        raise ValidationError(_("The template nests its tags too deeply."), code="template_depth") from error
    try:
        rendered = template.render(Context(sample_values(company="", today=dt.date.today()), autoescape=False))
    except GreetingTooLong as error:
        raise ValidationError(_("The greeting would be too long: %(error)s"), code="template_size",
                              params={"error": error}) from error
    except Exception as error:  # noqa: BLE001 - whatever breaks a render must be reported, not raised as a 500
        raise ValidationError(_("The template cannot be rendered: %(error)s"), code="template_render",
                              params={"error": error}) from error
    if len(rendered) > MAX_GREETING_CHARS:
        raise ValidationError(_("The greeting would be %(size)s characters long; at most %(max)s are allowed."),
                              code="template_size", params={"size": len(rendered), "max": MAX_GREETING_CHARS})
    unknown = list(dict.fromkeys(_UNKNOWN_FIELD.findall(rendered)))
    if unknown:
        raise ValidationError(
            _("Unknown merge field: %(fields)s. Use %(allowed)s."), code="template_field",
            params={"fields": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                    "allowed": ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)},
        )


class GreetingTemplate:
    """A plan's subject and body compiled once, rendered for each recipient."""

    def __init__(self, subject: str, body: str):
        self._subject = _ENGINE.from_string(subject)
        self._body = _ENGINE.from_string(body)

    def render(self, values: dict[str, Any]) -> RenderedGreeting:
        # A mail subject is one line: newlines would make the header invalid.
        subject = " ".join(self._subject.render(Context(values, autoescape=False)).split())[:250]
        text = self._body.render(Context(values, autoescape=False)).strip()
        if len(text) > MAX_GREETING_CHARS:  # real names are longer than the samples the check used
            raise GreetingTooLong(gettext("The greeting is longer than %(max)s characters.")
                                  % {"max": MAX_GREETING_CHARS})
        # The body is plain text; its HTML alternative is that text escaped, with paragraphs and line breaks.
        html = f'<!doctype html><html><body style="font-family: sans-serif">{linebreaks(text, autoescape=True)}' \
               "</body></html>"
        return RenderedGreeting(subject=subject, text=text, html=html)
