"""Headless Chromium for screenshots and PDFs: found on the PATH (Debian's `chromium`), run
with a fresh profile, no first-run, no background networking, and a time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 60.0
FLAGS = ("--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--hide-scrollbars", "--mute-audio")


def find() -> str | None:
    """The Chromium executable: `BMADGEN_CHROMIUM` when set, else the first on the PATH."""
    configured = os.environ.get("BMADGEN_CHROMIUM")
    if configured:
        return configured if shutil.which(configured) else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require() -> str:
    found = find()
    if found is None:
        raise EnvironmentUnavailable(
            "Chromium is not installed; it makes the PDF and the screenshots",
            hint="install it (Debian/Ubuntu: apt-get install chromium), or set "
                 "BMADGEN_CHROMIUM to its path; HTML and Markdown need no browser")
    return found


def base_args(executable: str, profile: Path) -> list[str]:
    args = [executable, *FLAGS, f"--user-data-dir={profile}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return args


def run(extra: list[str], *, output: Path, timeout: float = TIMEOUT_S) -> None:
    """Run headless Chromium with `extra` arguments; `output` must exist afterwards."""
    executable = require()
    # ignore_cleanup_errors: Chromium's helper processes may still be writing into the profile
    # as it exits ("Directory not empty"); a leftover temporary folder is no failure of the run.
    with tempfile.TemporaryDirectory(prefix="bmadgen-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        try:
            done = subprocess.run([*base_args(executable, Path(profile)), *extra],
                                  capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise EnvironmentUnavailable(
                f"Chromium did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            raise EnvironmentUnavailable(
                f"cannot run Chromium ({executable}): {exc.strerror or exc}") from exc
    if not output.is_file() or output.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvironmentUnavailable(f"Chromium wrote nothing (exit {done.returncode}): {last}")


def print_pdf(html_file: Path, pdf: Path) -> None:
    run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_file.resolve().as_uri()],
        output=pdf)


def screenshot(url: str, png: Path, *, width: int = 1280, height: int = 900) -> None:
    run([f"--screenshot={png}", f"--window-size={width},{height}", url], output=png)
