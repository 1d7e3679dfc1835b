"""Domain errors raised by PRD analysis (mapped to HTTP by the shared AppError handler)."""

from app.errors import InvalidInput


class EmptyPrd(InvalidInput):
    """The PRD is empty or only whitespace."""

    code = "empty_prd"


class NoRequirementsFound(InvalidInput):
    """Nothing in the PRD looks like a requirement (no lists, tables, modal sentences...)."""

    code = "no_requirements"


class AnalysisTooComplex(InvalidInput):
    """Analysis ran past its time budget and was stopped (no PRD within the size limit is
    known to do this: see tests/analysis/pathological.py)."""

    code = "prd_too_complex"

    def __init__(self, budget_s: float, *, died: int | None = None) -> None:
        detail = (
            f"analysing this PRD took longer than its {budget_s:g} s budget and was stopped"
            if died is None
            else f"the process analysing this PRD died (exit code {died})"
        )
        super().__init__(detail, budget_s=budget_s)
