from pathlib import Path

from tests.shared import SAMPLE_PRDS

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


__all__ = ["FIXTURES", "PROJECT_ROOT", "SAMPLE_PRDS", "fixture_text"]
