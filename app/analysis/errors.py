"""Domain errors raised by PRD analysis (mapped to HTTP by the shared AppError handler)."""

from app.errors import InvalidInput


class EmptyPrd(InvalidInput):
    """The PRD is empty or only whitespace."""

    code = "empty_prd"


class NoRequirementsFound(InvalidInput):
    """Nothing in the PRD looks like a requirement (no lists, tables, modal sentences...)."""

    code = "no_requirements"
