"""The discovered catalog for lab tests (shared with tests/mixins)."""

from tests.mixins.conftest import catalog

__all__ = ["catalog"]
