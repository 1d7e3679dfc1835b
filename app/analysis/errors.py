"""Domain errors raised by PRD analysis (mapped to HTTP by the shared AppError handler)."""

from app.errors import AppError


class EmptyPrd(AppError):
    """The PRD is empty or only whitespace."""

    status_code = 422
    code = "empty_prd"


class NoRequirementsFound(AppError):
    """Nothing in the PRD looks like a requirement (no lists, tables, modal sentences...)."""

    status_code = 422
    code = "no_requirements"
