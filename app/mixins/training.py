"""Training the mixin model: when there is enough data, when it last ran, failure logging."""

import asyncio
import logging
from datetime import datetime
from typing import Any

from app.errors import Conflict
from app.mixins.model import Artifact, Outcome
from app.mixins.predictor import Predictor

log = logging.getLogger(__name__)
MIN_TRAIN_OUTCOMES = 50


def require_trainable(data: list[Outcome]) -> None:
    """Raise Conflict unless there are enough usable outcomes (of both classes) to train on."""
    usable = [o for o in data if len(o.mixins) <= 2]
    if len(usable) < MIN_TRAIN_OUTCOMES or len({o.label for o in usable}) < 2:
        raise Conflict(
            f"not enough measured outcomes to train ({len(usable)}; need "
            f"{MIN_TRAIN_OUTCOMES} with both classes): run `make mixin-sweep` first",
            outcomes=len(usable),
        )


def trained_at(art: Artifact | None) -> datetime | None:
    """When `art` was trained (None without a model or without the timestamp)."""
    if art is None or "trained_at" not in art.meta:
        return None
    return datetime.fromisoformat(str(art.meta["trained_at"]).replace("Z", "+00:00"))


def log_training_failure(task: asyncio.Task[Artifact]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("mixin model training failed: %r", exc)


def describe_model(
    predictor: Predictor, *, training: bool, last_error: str | None, framework_version: str
) -> dict[str, Any]:
    """What `/mixins/model` reports: the loaded model's metadata and the training state."""
    art = predictor.artifact
    meta = {k: v for k, v in (art.meta if art else {}).items() if k not in ("columns", "params")}
    return {
        "loaded": art is not None,
        "training": training,
        "last_error": last_error,
        "framework_version": framework_version,
        "n_features": len(art.meta["columns"]) if art else 0,
        "measured_compositions": len(predictor.measured),
        **meta,
    }
