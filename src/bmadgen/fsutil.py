"""File writes that a crash or a concurrent reader never sees half done."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    A reader sees the old content or the new, never a mix. `durable` also fsyncs the data
    before the rename (for files a person asked for, such as an export). Raises OSError.
    """
    write_bytes_atomic(path, text.encode("utf-8"), durable=durable)


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """`write_text_atomic` for bytes (a PDF, an image)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600, and the mode survives the rename: give it the mode the
        # file has now, else the usual one from the umask (files a person shares and commits).
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


_UMASK: int | None = None


def _mode_for(path: Path) -> int:
    """The permission bits a rewritten `path` should keep: its own, else 0666 less the umask."""
    import stat

    global _UMASK
    try:
        current = os.stat(path)
        if stat.S_ISREG(current.st_mode):
            return stat.S_IMODE(current.st_mode)
    except OSError:
        pass
    if _UMASK is None:  # read once: os.umask can only be read by setting it
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def read_user_text(path: Path, what: str, *, max_bytes: int, hint: str | None = None,
                   lenient: bool = False) -> str:
    """The UTF-8 text of a file a person handed in (an answers file, an app spec, a marker),
    read with bounds, so that no such file can hang, exhaust or confuse bmadgen.

    Refused with one clear error each (`NotFound`, else `InvalidInput`): a missing file, a
    folder, anything that is not a regular file (a device such as /dev/zero, a FIFO, a socket),
    a file larger than `max_bytes` (read no further than that), a file with NUL bytes (binary)
    and a file that is not UTF-8 (Latin-1, UTF-16 ...). A UTF-8 byte order mark is dropped.
    `what` names the file in messages ("the answers file"); `hint` is added to each refusal.
    `lenient` reads what it can of a file a person edited by hand (a document scored by a
    checklist): bytes that are not UTF-8, and NUL bytes, become U+FFFD instead of a refusal.
    """
    import stat

    from bmadgen.errors import InvalidInput, NotFound

    path = Path(path)

    def refuse_unless_regular(mode: int) -> None:
        if stat.S_ISDIR(mode):
            raise InvalidInput(f"{what} {path} is a folder, not a file", hint=hint)
        if not stat.S_ISREG(mode):
            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device"
                    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                    if stat.S_ISSOCK(mode) else "not a regular file")
            raise InvalidInput(f"{what} {path} is {kind}; give a regular file", hint=hint)

    try:
        refuse_unless_regular(os.stat(path).st_mode)  # before opening: opening a device acts
        # O_NONBLOCK: a FIFO put in its place since must not make the open wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise NotFound(f"no {what} at {path}", hint=hint) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror or exc}", hint=hint) from exc
    except ValueError as exc:  # a NUL byte in the name
        raise InvalidInput(f"{what} {str(path)!r} is not a valid file name", hint=hint) from exc
    try:
        refuse_unless_regular(os.fstat(fd).st_mode)  # what was opened, if it changed meanwhile
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror or exc}", hint=hint) from exc
    finally:
        os.close(fd)
    if size > max_bytes:
        raise InvalidInput(f"{what} {path} is larger than {max_bytes:,} bytes, the limit",
                           hint=hint)
    data = b"".join(chunks)
    if lenient:
        return data.decode("utf-8", errors="replace").replace("\x00", "\ufffd").removeprefix(
            "\ufeff")
    if b"\x00" in data:
        raise InvalidInput(f"{what} {path} is binary (it holds NUL bytes), not text", hint=hint)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{what} {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
            hint=hint or "save it as UTF-8") from exc
    return text.removeprefix("\ufeff")


MAX_PROJECT_FILE_BYTES = 8 * 1024 * 1024  # a document or page of the project; far above any real one


def read_project_text(folder: Path, relpath: str, what: str, *,
                      max_bytes: int = MAX_PROJECT_FILE_BYTES, lenient: bool = False) -> str:
    """The text of `relpath` in a project folder: the path guard first (no absolute path, no
    `..`, no link out of the folder: `pathguard.inside`), then the bounded reader. NotFound
    when the file does not exist, InvalidInput when it is refused."""
    from bmadgen import pathguard

    return read_user_text(pathguard.inside(folder, relpath, what), what, max_bytes=max_bytes,
                          lenient=lenient)


def os_error(exc: OSError, doing: str) -> Exception:
    """The BmadgenError for an OSError while `doing` something with a file ("write
    docs/prd.md"): a full disk, a read-only file system or a failing device is the environment
    (exit 7, with what to do); anything else (a missing folder, a name that cannot be, no
    permission) is the path a person gave (exit 3)."""
    import errno

    from bmadgen.errors import EnvironmentUnavailable, InvalidInput

    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EnvironmentUnavailable(f"cannot {doing}: {reason}",
                                      hint="free some space on that disk, then try again")
    if exc.errno == errno.EROFS:
        return EnvironmentUnavailable(f"cannot {doing}: {reason}",
                                      hint="mount the disk read-write, or use another folder")
    if exc.errno in (errno.EIO, errno.EPIPE):
        return EnvironmentUnavailable(f"cannot {doing}: {reason}")
    return InvalidInput(f"cannot {doing}: {reason}")


LOW_SPACE_BYTES = 1 << 20  # less free space than this makes a failed write "the disk is full"


def disk_nearly_full(path: Path) -> int | None:
    """The free bytes on the file system holding `path` (a file or folder that exists, else its
    nearest existing parent) when that is almost nothing, else None: what tells "the disk is
    full" from other causes when a tool (git, SQLite) reports only that a write failed."""
    import shutil

    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return None
    return free if free < LOW_SPACE_BYTES else None
