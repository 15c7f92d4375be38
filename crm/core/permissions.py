"""The catalogue of what can be permitted: modules, their actions and the fields a role may be denied.

Each domain app registers its module in its AppConfig.ready(); the role editor, the permission checks and
the field-level rules all read from here, so a new module only has to register itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Promise | str] = {
    "view": _("View"),
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "import": _("Import"),
    "export": _("Export"),
    "approve": _("Approve"),
    "assign": _("Assign"),
    "unmask": _("See sensitive data"),
}
# What a module offers unless it says otherwise; a module's own actions (customers' "pool") come on top.
DEFAULT_ACTIONS = tuple(ACTIONS)


def register_action(code: str, label: Promise | str) -> None:
    """An action of a module's own, e.g. customers' ``pool``; the module lists it in its ``Module.actions``."""
    ACTIONS[code] = label


@dataclass(frozen=True)
class Module:
    """A functional area a role grants actions on, e.g. ``customers``."""

    code: str
    label: Promise | str
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    # "app_label.model_name" -> names of fields a role may be denied reading or editing.
    protected_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    admin_only: bool = False


_modules: dict[str, Module] = {}


def register_module(module: Module) -> Module:
    unknown = set(module.actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"module {module.code!r}: register the actions {sorted(unknown)} first")
    _modules[module.code] = module
    return module


def modules() -> list[Module]:
    return list(_modules.values())


def get_module(code: str) -> Module:
    return _modules[code]


def permission_choices() -> list[tuple[str, str]]:
    """Every grantable "module.action" pair, for the role editor."""
    return [
        (f"{m.code}.{action}", f"{m.label} · {ACTIONS[action]}") for m in _modules.values() for action in m.actions
    ]


def field_choices() -> list[tuple[str, str]]:
    """Every "app_label.model.field" a role can be denied, labelled with the field's verbose name."""
    from django.apps import apps

    choices = []
    for module in _modules.values():
        for model_label, names in module.protected_fields.items():
            model = apps.get_model(model_label)
            for name in names:
                verbose = model._meta.get_field(name).verbose_name
                choices.append((f"{model_label}.{name}", f"{model._meta.verbose_name} · {verbose}"))
    return choices
