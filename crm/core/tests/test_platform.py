"""The platform knows no domain: core, accounts, audit, system and notifications name no module's picklist,
field, audit action or per-role setting. Each module registers its own from its AppConfig.ready()."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

CRM_DIR = Path(__file__).resolve().parents[2]
PLATFORM_APPS = ("core", "accounts", "audit", "system", "notifications")
# What customers owns (its picklists, its derived and pool columns, its audit actions, its role setting) and what
# modules still to come will own. The platform may only learn them from a registry.
MODULE_NAMES = re.compile(
    r"\b(customer_type|industry|customer_level|company_scale|credit_rating|follow_up_type|release_reason"
    r"|opportunity_stage|loss_reason|ticket_category|name_key|pool_warned_at|pool_claim_limit"
    r"|pool_return|pool_release|pool_claim|POOL_\w+)\b"
)


def platform_files(suffix: str) -> list[Path]:
    return sorted(
        path for app in PLATFORM_APPS for path in (CRM_DIR / app).rglob(f"*{suffix}")
        # Migrations are history; tests may use any module.
        if not {"migrations", "tests"} & set(path.parts)
    )


def names_in_code(source: str) -> set[str]:
    """Identifiers and string constants of a module, leaving out docstrings and comments (examples are fine)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.add(node.value)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
    return found


@pytest.mark.parametrize("path", platform_files(".py"), ids=lambda p: str(p.relative_to(CRM_DIR)))
def test_platform_code_names_nothing_a_module_owns(path):
    named = sorted({m for text in names_in_code(path.read_text()) for m in MODULE_NAMES.findall(text)})
    assert named == []


def test_platform_templates_name_nothing_a_module_owns():
    named = {str(path.relative_to(CRM_DIR)): MODULE_NAMES.findall(path.read_text())
             for path in platform_files(".html")}
    assert {path: names for path, names in named.items() if names} == {}


def test_the_scan_sees_what_it_looks_for():
    code = 'KINDS = {"ticket_category": 1}\nlimit = user.pool_claim_limit\n'
    assert {m for text in names_in_code(code) for m in MODULE_NAMES.findall(text)} == {"ticket_category",
                                                                                       "pool_claim_limit"}
    assert names_in_code('def f():\n    """About customer_type."""\n') == {"f"}


def test_views_take_the_changed_values_from_one_helper():
    """``crm.core.forms.changed_values`` says what an edit changed; no view works it out again."""
    copies = [str(path.relative_to(CRM_DIR)) for path in sorted(CRM_DIR.rglob("*.py"))
              if "tests" not in path.parts and "changed_data" in path.read_text()
              and path not in {CRM_DIR / "core" / "forms.py", CRM_DIR / "accounts" / "forms.py"}]
    assert copies == []


def test_every_module_runs_its_own_app_config():
    """Each crm app is set up by the AppConfig of its apps.py: with two configs in one apps.py Django falls back
    to a bare AppConfig, whose ready() registers nothing (navigation, lookups, signals)."""
    from django.apps import AppConfig, apps

    bare = [config.name for config in apps.get_app_configs()
            if config.name.startswith("crm.") and type(config) is AppConfig]
    assert bare == []
