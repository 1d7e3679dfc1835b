from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PRDS = PROJECT_ROOT.parent / "shared" / "prds"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
