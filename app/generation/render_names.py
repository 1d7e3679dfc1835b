"""Names derived from the plan: package directories and PascalCase identifiers."""

from app.analysis.plan import NodePlan, Plan


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def package_path(plan: Plan, node: NodePlan) -> str:
    """Directory of a node package relative to the archive root."""
    return f"{plan.project_name}/nodes/{node.name}"
