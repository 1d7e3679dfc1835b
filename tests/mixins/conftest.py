"""Fixtures for mixin tests: the discovered catalog (one discovery per session)."""

from pathlib import Path

import pytest

from app.config import Settings
from app.mixins.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog(settings: Settings) -> Catalog:
    return load_catalog(Path(settings.mixins.model_path))
