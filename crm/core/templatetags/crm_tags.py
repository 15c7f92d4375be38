from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def attr_of(instance, name: str):
    """A field's display value by name, for list columns chosen at run time."""
    display = getattr(instance, f"get_{name}_display", None)
    return display() if callable(display) else getattr(instance, name, "")


@register.filter
def getlist(querydict, key: str) -> list:
    """All values of a repeated query parameter (?tag=a&tag=b)."""
    return querydict.getlist(key) if hasattr(querydict, "getlist") else []


@register.filter
def without_param(query: str, key: str) -> str:
    """An url-encoded query string minus one parameter, to append a new value for it."""
    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return params.urlencode()
