"""Gate test fixtures. Docker tests skip without an engine locally, but FAIL in CI (CI=true)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURE_APP = Path(__file__).resolve().parents[1] / "fixtures" / "vsa_app"



@pytest.fixture
def vsa_app(tmp_path: Path) -> Path:
    """A fresh copy of the fixture VSA app (2 slices: products, orders) that passes every gate."""
    target = tmp_path / "shop"
    shutil.copytree(FIXTURE_APP, target, ignore=_not_copied)
    return target


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Caches, and the root conftest.py that only matters inside bmadgen's own test tree."""
    skipped = {n for n in names if n in ("mutants", "__pycache__", ".mypy_cache")}
    if Path(folder) == FIXTURE_APP:
        skipped.add("conftest.py")
    return skipped


def break_app(folder: Path) -> None:
    """Three defects, one per gate: a cross-slice import, a type error, a weak test."""
    services = folder / "app/features/orders/services.py"
    text = services.read_text()
    services.write_text(text.replace(
        "from app.shared.errors import NotFoundError, ValidationFailed\n",
        "from app.features.products.services import discounted_price\n"
        "from app.shared.errors import NotFoundError, ValidationFailed\n",
    ) + "\n\n__all__ = [\"discounted_price\"]\n")
    products = folder / "app/features/products/services.py"
    products.write_text(products.read_text() + '\n\ndef stock_label(stock: int) -> int:\n'
                        '    return f"{stock} left"\n')
    # The same tests with every assert turned into a bare evaluation: the code still runs
    # (coverage stays high) but nothing is checked, so mutants survive.
    weak = folder / "app/features/orders/tests/test_orders.py"
    weak.write_text(re.sub(r"^(\s*)assert ", r"\1_ = ", weak.read_text(), flags=re.MULTILINE))


@pytest.fixture
def broken_app(vsa_app: Path) -> Path:
    break_app(vsa_app)
    return vsa_app


@pytest.fixture
def cli(capsys):
    """Run `bmadgen ARGS` in this process: (exit code, stdout, stderr)."""
    from bmadgen.cli.app import main

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
