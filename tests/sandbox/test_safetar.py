"""Whatever comes out of a sandbox is untrusted: hostile tar entries are refused, all or nothing."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from bmadgen.sandbox.safetar import HostileArchive, safe_extract


def _tar(*entries: tarfile.TarInfo, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for entry in entries:
            if entry.isfile():
                entry.size = len(data)
                tar.addfile(entry, io.BytesIO(data))
            else:
                tar.addfile(entry)
    return buffer.getvalue()


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def test_plain_files_are_extracted(tmp_path: Path) -> None:
    written = safe_extract(_tar(_file("./report/junit.xml"), data=b"<ok/>"), tmp_path)
    assert written == [tmp_path / "report" / "junit.xml"]
    assert (tmp_path / "report" / "junit.xml").read_bytes() == b"<ok/>"


@pytest.mark.parametrize("name", ["../escape.txt", "a/../../escape.txt", "/etc/evil"])
def test_entries_escaping_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(HostileArchive, match="escapes"):
        safe_extract(_tar(_file("fine.txt"), _file(name)), dest)
    assert not (tmp_path / "escape.txt").exists()
    assert not (dest / "fine.txt").exists(), "nothing is written when one entry is hostile"


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_links_are_refused(tmp_path: Path, kind: bytes) -> None:
    with pytest.raises(HostileArchive, match="link"):
        safe_extract(_tar(_link("passwd", "/etc/passwd", kind)), tmp_path)
    assert not (tmp_path / "passwd").exists()


def test_devices_and_fifos_are_refused(tmp_path: Path) -> None:
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(HostileArchive, match="special file"):
        safe_extract(_tar(fifo), tmp_path)


def test_writing_through_an_existing_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "report.txt").symlink_to(outside)
    with pytest.raises(HostileArchive, match="through a link"):
        safe_extract(_tar(_file("report.txt"), data=b"overwritten"), dest)
    assert outside.read_text() == "keep"


def test_garbage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HostileArchive, match="unreadable"):
        safe_extract(b"not a tar at all" * 100, tmp_path)
