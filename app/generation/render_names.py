"""PascalCase identifiers (package directories: `app.analysis.plan_calls.package_path`)."""


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
