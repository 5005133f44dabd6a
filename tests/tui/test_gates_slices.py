"""Slices and gates in the wizard: the app spec's features, generation, a gate run on the local
backend with a live log and a results table, and a waiver with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import notifications, open_view, press_for, screen_text, wait_for

pytestmark = pytest.mark.anyio


async def test_generate_the_app_then_see_its_slices(shop: str, tmp_path: Path) -> None:
    from bmadgen.tui.screens.slices import AddSliceScreen, SlicesScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, "s", SlicesScreen)
        await wait_for(pilot, lambda: len(screen.slices) == 4, what="the four features")
        assert not any(s.generated for s in screen.slices)
        await pilot.press("G")
        await wait_for(pilot, lambda: not screen.busy and all(s.generated for s in screen.slices),
                       timeout=60, what="the generated slices")
        assert (tmp_path / "shop" / "app" / "features" / "catalog" / "api.py").is_file()

        # a change of the person's shows as a diff against the generated version
        api = tmp_path / "shop" / "app" / "features" / "catalog" / "api.py"
        api.write_text(api.read_text() + "\n# tuned by hand\n")
        screen.query_one("#slices").move_cursor(row=[s.name for s in screen.slices]
                                                .index("catalog"))
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.shown_diff is not None, what="the diff")
        assert "+# tuned by hand" in screen.shown_diff.diff
        assert screen.shown_diff.files == ["app/features/catalog/api.py"]

        form = await press_for(pilot, "n", AddSliceScreen)
        form.query_one("#slice-name").value = "Reviews!"
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert "is not valid" in str(form.query_one("#slice-name-error").render())
        assert form.query_one("#slice-name").value == "Reviews!"  # kept, to be corrected
        form.query_one("#slice-name").value = "reviews"
        form.query_one("#fields").value = "rating:int body:text"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: app.screen is screen and "reviews" in [
            s.name for s in screen.slices], timeout=60, what="the added slice")
        assert (tmp_path / "shop" / "app" / "features" / "reviews" / "api.py").is_file()


async def test_run_a_gate_on_the_local_backend_and_waive_it(generated_shop: str,
                                                           tmp_path: Path) -> None:
    from bmadgen.tui.screens.gates import GatesScreen, RunGatesScreen, WaiveScreen

    app = BmadgenApp(project=generated_shop, cwd=tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        screen = await open_view(pilot, "g", GatesScreen)
        await wait_for(pilot, lambda: "no run yet" in screen_text(app), what="the empty view")
        await press_for(pilot, "r", RunGatesScreen)
        app.screen.query_one("#gate-choice").select("format")
        app.screen.query_one("#slice-choice").value = ""
        await pilot.click("#ok")
        await wait_for(pilot, lambda: screen.report is not None and not screen.running,
                       timeout=90, what="the format gate")
        assert [r.gate for r in screen.results] == ["format"]
        assert screen.report.backend == "local"
        text = screen_text(app)
        assert "NOT ISOLATED" in text
        assert "format | passed" in text

        form = await press_for(pilot, "w", WaiveScreen)
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert "a reason is required" in str(form.query_one("#reason-error").render())
        form.query_one("#reason").value = "formatting is checked in review for now"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: app.screen is screen, what="the waiver")
        assert len(screen.runs) == 1


async def test_a_gate_run_can_be_cancelled_between_gates(generated_shop: str,
                                                          tmp_path: Path) -> None:
    from bmadgen.tui.screens.gates import GatesScreen

    app = BmadgenApp(project=generated_shop, cwd=tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        screen = await open_view(pilot, "g", GatesScreen)
        await wait_for(pilot, lambda: hasattr(screen, "gate_names"), what="the gates")
        screen.start_run(slices=None, gates=["format", "lint", "types"])
        await wait_for(pilot, lambda: "format" in screen.logs, what="the first gate")
        await pilot.press("c")
        await wait_for(pilot, lambda: not screen.running and bool(screen.runs), timeout=90,
                       what="the run to stop")
        assert any("gate run cancelled after format" in n for n in notifications(app))
        assert screen.runs[0].status == "error"  # recorded as stopped, not as passed
        assert len({r.gate for r in screen.results}) < 3
