"""Application factory. Run with `uvicorn --factory app.main:create_app`."""

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Any, cast

from fastapi import FastAPI

from app.admission import Admission
from app.alerts import router as alerts_router
from app.analytics import router as analytics_router
from app.auth.guard import AuthService
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import register_error_handlers
from app.events import router as events_router
from app.events.runtime import EventsRuntime
from app.feedback import router as feedback_router
from app.feedback import tuning_router as patterns_router
from app.feedback.exporter import MetricsExporter
from app.feedback.service import FeedbackService
from app.feedback.thresholds import ThresholdStore
from app.feedback.tuning_service import PatternTuner
from app.generation import router as generation_router
from app.generation.retention import Retention
from app.generation.runtime import build_pipeline, close_pipeline
from app.health import router as health_router
from app.health.checks import (
    ComponentCheck,
    Status,
    check_database,
    check_flag,
    check_state,
    head_revisions,
)
from app.health.monitor import HealthMonitor, cached
from app.logs import configure_logging
from app.metrics import install_metrics
from app.middleware import BodySizeLimitMiddleware, CorrelationIdMiddleware, HeadMiddleware
from app.mixins import router as mixins_router
from app.mixins.service import MixinService
from app.storage import WriteFailures
from app.version import SERVICE_VERSION
from app.webhooks import router as webhooks_router
from app.webhooks.runtime import WebhookRuntime
from app.webhooks.service import Webhooks


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log.level)

    @asynccontextmanager
    async def lifespan(this: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            engine = create_engine(settings.database)
            stack.push_async_callback(engine.dispose)
            sessionmaker = create_sessionmaker(engine)
            writes = WriteFailures(settings.database.write_failure_window_s)
            auth = AuthService(settings.auth, sessionmaker)
            auth.announce()  # a WARNING when the service runs open
            feedback = FeedbackService(settings.feedback, sessionmaker, writes)
            thresholds = ThresholdStore(sessionmaker, settings.feedback.thresholds_ttl_s)
            pattern_metrics = MetricsExporter(sessionmaker, settings.feedback.metrics_refresh_s)
            pattern_metrics.start()  # /metrics codegen_pattern_* gauges, from the database
            stack.push_async_callback(pattern_metrics.close)
            feedback.on_recorded = pattern_metrics.request_refresh
            tuner = PatternTuner(settings.feedback, sessionmaker, thresholds, pattern_metrics)
            mixins = await MixinService.create(settings, sessionmaker)
            stack.push_async_callback(mixins.close)
            mixins_router.document_catalog(this, mixins.catalog.mixins)
            generation = await build_pipeline(settings, advisor=mixins, thresholds=thresholds)
            stack.push_async_callback(close_pipeline, generation)
            retention = Retention(sessionmaker, settings.retention, writes)
            retention.start()  # prunes generations' files now, then every interval_s
            stack.push_async_callback(retention.close)
            events = EventsRuntime(settings.events, sessionmaker)  # dispatcher when a broker is set
            events.start()
            stack.push_async_callback(events.close)
            webhook_sender = WebhookRuntime(settings.webhooks, sessionmaker)  # due callbacks
            webhook_sender.start()
            stack.push_async_callback(webhook_sender.close)
            checks: dict[str, ComponentCheck] = {
                "database": partial(
                    check_database,
                    engine,
                    head_revisions(),
                    settings.database.health_timeout_s,
                    writes,
                    settings.database.min_free_mb * 2**20,
                ),
                "verifier": partial(  # degraded when it runs generated code unisolated
                    check_state,
                    lambda: cast(Status, generation.verifier.pool.health),
                    lambda: generation.verifier.pool.status,
                ),
                "mixin_model": partial(
                    check_flag, lambda: mixins.predictor.artifact is not None, "model loaded", False
                ),
            }
            if settings.events.broker:  # down while its breaker is open; degraded when lagging
                checks["outbox"] = partial(
                    check_state, lambda: events.health()[0], lambda: events.health()[1], False
                )
            checks = cached(checks, settings.health.cache_s)  # and published as a gauge
            monitor = HealthMonitor(checks, settings.health.refresh_s)
            monitor.start()
            stack.push_async_callback(monitor.close)
            # Long-lived objects are built: keep them out of every future GC pass (this is
            # what keeps full collections from adding ~75 ms tails to large requests).
            gc.collect()
            gc.freeze()
            yield {
                "settings": settings,
                "engine": engine,
                "sessionmaker": sessionmaker,
                "write_failures": writes,
                "auth": auth,
                "pipeline": generation.pipeline,
                "admission": Admission(settings.admission),
                "mixins": mixins,
                "health_checks": checks,
                "events": events,  # outbox.record() needs only a session; this runs dispatch
                "feedback": feedback,
                "feedback_summaries": feedback,  # generation's FeedbackSummaries
                "verdict_sink": feedback,  # generation's VerdictSink
                "thresholds": thresholds,  # generation's ThresholdSource
                "pattern_metrics": pattern_metrics,  # request_refresh() after a feedback write
                "pattern_tuner": tuner,
                "webhooks": Webhooks(settings.webhooks),  # check_url(), enqueue(session, ...)
                "webhook_sender": webhook_sender,
            }

    app = FastAPI(title="onex-codegen", version=SERVICE_VERSION, lifespan=lifespan)
    register_error_handlers(app)
    for module in (
        health_router,
        generation_router,
        mixins_router,
        feedback_router,
        patterns_router,
        events_router,
        alerts_router,
        analytics_router,
        webhooks_router,
    ):
        app.include_router(module.router)
    install_metrics(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.http.max_body_bytes)
    app.add_middleware(HeadMiddleware)  # HEAD wherever GET works
    app.add_middleware(CorrelationIdMiddleware)  # added last = outermost
    return app
