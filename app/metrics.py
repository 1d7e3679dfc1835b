"""Prometheus exposition at /metrics (route templates as labels, so cardinality stays bounded)."""

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator


def install_metrics(app: FastAPI) -> None:
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_ignore_untemplated=True,
        should_group_untemplated=True,
        excluded_handlers=["/metrics", "/health/live"],
    )
    instrumentator.instrument(app, metric_namespace="codegen").expose(
        app, endpoint="/metrics", include_in_schema=False
    )
