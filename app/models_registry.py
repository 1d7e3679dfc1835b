"""Imports every domain's ORM models so `Base.metadata` is complete (Alembic, tests)."""

import importlib

DOMAIN_MODELS = (
    "app.generation.models",
    "app.mixins.models",
    "app.auth.models",
    "app.events.models",
    "app.feedback.models",
    "app.alerts.models",
    "app.webhooks.models",
)


def import_all() -> None:
    for module in DOMAIN_MODELS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
