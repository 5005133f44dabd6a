"""Where bmadgen's data files are: the one place that knows the templates' folder.

The templates live at the top of the repository (`templates/`, beside `src/`) and the wheel
ships them as `bmadgen/templates` (hatch `force-include`). An installed bmadgen finds the
packaged folder; an editable or source checkout has none and finds the repository's.
Plain paths and no `importlib.resources`, so importing this costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable


def templates_root() -> Path:
    """The templates folder: packaged `bmadgen/templates` if present, else `<repo>/templates`."""
    package = Path(__file__).resolve().parent
    packaged = package / "templates"
    checkout = package.parent.parent / "templates"  # src/bmadgen -> src -> the repository
    for folder in (packaged, checkout):
        if folder.is_dir():
            return folder
    raise EnvironmentUnavailable(
        f"bmadgen's templates are missing (looked in {packaged} and {checkout})",
        hint="reinstall bmadgen; a wheel built without them is broken",
    )
