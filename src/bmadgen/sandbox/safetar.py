"""Extract a tar that came out of a sandbox without trusting a single entry of it.

Code in the sandbox is untrusted, so whatever it leaves for us to copy out may be hostile:
`../` or absolute names, symlinks and hard links pointing outside, devices, FIFOs, huge files.
Every entry is checked before anything is written; one bad entry refuses the whole archive.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path, PurePosixPath

from bmadgen.errors import BmadgenError, ExitCode

MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 20_000


class HostileArchive(BmadgenError):
    """A tar from a sandbox held an entry that could write outside its destination."""

    exit_code = ExitCode.ENVIRONMENT


def check_member(member: tarfile.TarInfo) -> PurePosixPath:
    """The entry's safe relative path, or HostileArchive."""
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts:
        raise HostileArchive(f"refused a tar entry that escapes its folder: {member.name!r}")
    if member.issym() or member.islnk():
        raise HostileArchive(
            f"refused a link in a tar from the sandbox: {member.name!r} -> {member.linkname!r}"
        )
    if not (member.isfile() or member.isdir()):
        raise HostileArchive(f"refused a special file in a tar from the sandbox: {member.name!r}")
    return PurePosixPath(*[p for p in name.parts if p not in (".", "")])


def safe_extract(data: bytes, dest: Path) -> list[Path]:
    """Extract `data` (an uncompressed tar) under `dest`; return the files written."""
    dest = dest.resolve()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            return _extract(tar, dest)
    except tarfile.TarError as exc:
        raise HostileArchive(f"the sandbox sent an unreadable tar: {exc}") from exc


def _extract(tar: tarfile.TarFile, dest: Path) -> list[Path]:
    members = tar.getmembers()
    if len(members) > MAX_ENTRIES:
        raise HostileArchive(f"the sandbox sent a tar with {len(members)} entries")
    checked = [(m, check_member(m)) for m in members]  # refuse before writing anything
    if sum(m.size for m, _ in checked if m.isfile()) > MAX_TOTAL_BYTES:
        raise HostileArchive("the sandbox sent more than 256 MiB")
    written: list[Path] = []
    for member, rel in checked:
        target = dest.joinpath(*rel.parts) if rel.parts else dest
        if dest != target and dest not in target.parents:
            raise HostileArchive(f"refused a tar entry that escapes its folder: {member.name!r}")
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            raise HostileArchive(f"refused to write through a link: {member.name!r}")
        source = tar.extractfile(member)
        if source is None:
            continue
        with open(target, "wb") as fh:
            fh.write(source.read())
        written.append(target)
    return written
