from django import template

register = template.Library()


@register.filter
def attr_of(instance, name: str):
    """A field's display value by name, for list columns chosen at run time."""
    display = getattr(instance, f"get_{name}_display", None)
    return display() if callable(display) else getattr(instance, name, "")
