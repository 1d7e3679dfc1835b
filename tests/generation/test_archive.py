"""Deterministic, safe zip archives."""

import io
import zipfile

import pytest

from app.generation.archive import UnsafeArchivePath, build_archive


def test_identical_input_gives_identical_bytes_regardless_of_order() -> None:
    a = build_archive({"b/x.py": "1", "a.txt": "é🎉"}, root="proj")
    b = build_archive({"a.txt": "é🎉", "b/x.py": "1"}, root="proj")
    assert a == b


def test_entries_are_sorted_stamped_and_permissioned() -> None:
    blob = build_archive({"z.py": "z", "a/b.py": "b", "m.md": "m"}, root="proj")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["proj/a/b.py", "proj/m.md", "proj/z.py"]
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert (info.external_attr >> 16) & 0o777 == 0o644
        assert zf.read("proj/a/b.py") == b"b"


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "", "./a", "C:x"]
)
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(UnsafeArchivePath):
        build_archive({path: "x"}, root="proj")


@pytest.mark.parametrize("root", ["..", "/abs", "a/b", ""])
def test_unsafe_roots_are_refused(root: str) -> None:
    with pytest.raises(UnsafeArchivePath):
        build_archive({"a.py": "x"}, root=root)
