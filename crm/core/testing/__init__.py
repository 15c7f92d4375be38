"""Test machinery every module's tests reuse. It names no module: a module's tests subclass it with their own
model, URLs and expectations (see ``personas.PersonaMatrixTestCase`` and docs/architecture.md)."""

from crm.core.testing.personas import (
    EVERYTHING,
    OWNED_BY_REP,
    PERSONAS,
    PersonaMatrixTestCase,
)

__all__ = ["EVERYTHING", "OWNED_BY_REP", "PERSONAS", "PersonaMatrixTestCase"]
