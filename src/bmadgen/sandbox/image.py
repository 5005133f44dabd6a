"""Building the gate image: offline (debootstrap + local wheelhouse) or through a registry.

Offline, nothing is pulled: a minimal Debian bookworm (python3.11 + venv) is debootstrapped once
and imported as `bmadgen/base:bookworm`; the tools are `pip download`ed once into a wheelhouse;
then `docker build --network none` installs them from it. Every step is skipped when its result
already exists (the base image, the rootfs, a wheelhouse stamped with the requirements' hash).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen.errors import EnvironmentUnavailable
from bmadgen.resources import templates_root
from bmadgen.sandbox.engine import connect, image_name

BASE_IMAGE = "bmadgen/base:bookworm"
DEFAULT_CACHE = Path("/var/cache/bmadgen")
DEBIAN_SUITE = "bookworm"
IMAGE_LABEL = "bmadgen.image"
# A build step may print nothing for minutes under load: the build must not end at the client's
# per-request timeout (the SDK's import of the base from a file has no timeout already).
BUILD_TIMEOUT_S = 3600
Say = Callable[[str], None]


class ImageInfo(BaseModel):
    name: str
    id: str
    size_mb: float
    created: str
    kind: str
    requirements_hash: str = ""


def _template_dir() -> Path:
    return templates_root() / "sandbox"


def requirements_hash() -> str:
    folder = _template_dir()
    h = hashlib.sha256()
    for name in ("requirements.txt", "Dockerfile", "Dockerfile.offline", "sandbox-setup.sh"):
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:16]


def ensure_base(client, cache_dir: Path, say: Say) -> str:
    """The imported Debian base image; debootstrapped only when neither it nor a rootfs exists."""
    from docker.errors import ImageNotFound

    try:
        client.images.get(BASE_IMAGE)
        say(f"base image {BASE_IMAGE} exists: skipping debootstrap")
        return BASE_IMAGE
    except ImageNotFound:
        pass
    rootfs = cache_dir / f"rootfs-{DEBIAN_SUITE}"
    stamp = rootfs / ".bmadgen-complete"
    if not stamp.exists():
        if shutil.which("debootstrap") is None or os.geteuid() != 0:
            raise EnvironmentUnavailable(
                "building the base image offline needs debootstrap, run as root",
                hint="apt-get install debootstrap and run as root, or use --registry",
            )
        shutil.rmtree(rootfs, ignore_errors=True)
        say(f"debootstrap {DEBIAN_SUITE} into {rootfs} (a few minutes)")
        subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3,python3-venv",
             DEBIAN_SUITE, str(rootfs)],
            check=True, stdout=subprocess.DEVNULL,
        )
        stamp.write_text("ok\n")
    say(f"importing {rootfs} as {BASE_IMAGE}")
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        tarball = Path(tmp) / "rootfs.tar"
        subprocess.run(
            ["tar", "-C", str(rootfs), "--exclude", "./.bmadgen-complete", "-cf", str(tarball),
             "."],
            check=True,
        )
        repository, tag = BASE_IMAGE.split(":")
        client.api.import_image_from_file(str(tarball), repository=repository, tag=tag)
    return BASE_IMAGE


def ensure_wheelhouse(cache_dir: Path, say: Say) -> Path:
    """cp311 manylinux wheels of the pinned requirements, downloaded once per requirements set."""
    wheelhouse = cache_dir / "wheelhouse"
    requirements = _template_dir() / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = wheelhouse / ".requirements-sha256"
    if stamp.is_file() and stamp.read_text().strip() == digest:
        say(f"wheelhouse {wheelhouse} is up to date")
        return wheelhouse
    wheelhouse.mkdir(parents=True, exist_ok=True)
    say(f"downloading wheels into {wheelhouse}")
    command = [
        sys.executable, "-m", "pip", "download", "-q", "--dest", str(wheelhouse),
        "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
        "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
        "--platform", "manylinux_2_28_x86_64", "--platform", "any",
        "-r", str(requirements),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise EnvironmentUnavailable(
            "could not download the gate tools' wheels: " + done.stderr.strip()[-300:],
            hint="the package index must be reachable once; later builds reuse the wheelhouse",
        )
    stamp.write_text(digest + "\n")
    return wheelhouse


def build_image(*, offline: bool = True, cache_dir: Path = DEFAULT_CACHE, tag: str | None = None,
                say: Say = print) -> ImageInfo:
    client = connect()
    tag = tag or image_name()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bmadgen-image-") as tmp:
        context = Path(tmp)
        for item in _template_dir().iterdir():
            if item.is_file():
                shutil.copy2(item, context / item.name)
        labels = {IMAGE_LABEL: "gates", "bmadgen.requirements": requirements_hash()}
        if offline:
            base = ensure_base(client, cache_dir, say)
            wheelhouse = ensure_wheelhouse(cache_dir, say)
            shutil.copytree(wheelhouse, context / "wheelhouse")
            options: dict[str, Any] = {"dockerfile": "Dockerfile.offline", "network_mode": "none",
                       "buildargs": {"BASE_IMAGE": base}}
        else:
            options = {"dockerfile": "Dockerfile", "pull": True}
        say(f"building {tag} ({'offline' if offline else 'through the registry'})")
        try:
            image, _logs = client.images.build(path=str(context), tag=tag, rm=True, forcerm=True,
                                               labels=labels, timeout=BUILD_TIMEOUT_S, **options)
        except Exception as exc:  # docker.errors.BuildError / APIError carry the log
            raise EnvironmentUnavailable(
                f"building the gate image failed: {exc}",
                hint=None if offline else "no registry? build offline: --offline",
            ) from exc
    return _image_info(image, tag)


def _image_info(image, name: str) -> ImageInfo:
    labels = image.labels or {}
    return ImageInfo(
        name=name,
        id=image.short_id.removeprefix("sha256:"),
        size_mb=round((image.attrs.get("Size") or 0) / 1e6, 1),
        created=str(image.attrs.get("Created", ""))[:19],
        kind=labels.get(IMAGE_LABEL, "base"),
        requirements_hash=labels.get("bmadgen.requirements", ""),
    )


def list_images() -> list[ImageInfo]:
    client = connect()
    found = []
    for image in client.images.list():
        for name in image.tags:
            if name.startswith("bmadgen/") or IMAGE_LABEL in (image.labels or {}):
                found.append(_image_info(image, name))
    return sorted(found, key=lambda info: info.name)
