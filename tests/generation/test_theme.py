"""The generated app's pages look like the prototype the person approved: its layout, visual
style and brand colour travel from the prototype answers through the app spec (`ui`) into the
app's pages; a home page links every slice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen import appspec, definitions
from bmadgen.agents.offline import OfflineProvider
from bmadgen.errors import InvalidInput
from bmadgen.plan import Plan

from .conftest import render_app


def _plan(type_name: str, **prototype: str) -> Plan:
    ptype = definitions.project_type(type_name)
    answers = {**ptype.sample_answers}
    answers["prototype"] = {**answers.get("prototype", {}), **prototype}
    return Plan(project_name="demo", project_type=ptype, answers=answers)


def test_the_prototype_answers_become_the_spec_ui() -> None:
    spec = OfflineProvider().appspec(
        _plan("ecommerce", layout="sidebar", style="playful", brand_color="#AA3300"))
    assert spec.ui == appspec.UiSpec(layout="sidebar", style="playful", brand_color="#aa3300")
    saas = OfflineProvider().appspec(_plan("saas"))
    assert (saas.ui.layout, saas.ui.style, saas.ui.brand_color) == ("sidebar", "corporate",
                                                                    "#3d405b")


def test_a_spec_without_ui_gets_the_prototype_defaults() -> None:
    spec = appspec.parse({"name": "shop", "features": [
        {"name": "things", "entities": [{"name": "thing", "fields": [
            {"name": "label", "type": "str"}]}]}]})
    assert spec.ui == appspec.UiSpec(layout="top-nav", style="clean", brand_color="#2a6f97")


@pytest.mark.parametrize(("ui", "problem"), [
    ({"brand_color": "red"}, "ui.brand_color"),
    ({"brand_color": "#12345"}, "ui.brand_color"),
    ({"brand_color": "#123456; } body { display: none"}, "ui.brand_color"),
    ({"layout": "floating"}, "ui.layout"),
    ({"style": "{{ 7 * 7 }}"}, "ui.style"),
    ({"colour": "#123456"}, "ui.colour"),
])
def test_a_bad_ui_section_is_refused_with_its_path(ui: dict[str, str], problem: str) -> None:
    data = {"name": "shop", "ui": ui, "features": [
        {"name": "things", "entities": [{"name": "thing", "fields": [
            {"name": "label", "type": "str"}]}]}]}
    with pytest.raises(InvalidInput) as caught:
        appspec.parse(data)
    assert len(caught.value.details) == 1
    assert caught.value.details[0].startswith(problem)


def test_the_app_carries_the_theme_into_its_files() -> None:
    spec = OfflineProvider().appspec(
        _plan("ecommerce", layout="sidebar", style="corporate", brand_color="#aa3300"))
    files = render_app(spec)
    assert files["app/shared/static/theme.css"].splitlines()[-1] == ":root { --brand: #aa3300; }"
    site = files["app/shared/site.py"]
    assert 'LAYOUT = "sidebar"' in site
    assert 'STYLE = "corporate"' in site
    # The shared stylesheet is the prototype's, byte for byte (its default brand colour first).
    from bmadgen.workflow.prototype import stylesheet

    assert files["app/shared/static/style.css"] == stylesheet()


def test_the_home_page_shows_the_prototype_layout(tmp_path: Path) -> None:
    from .signin import ADMIN_EMAIL, ADMIN_PASSWORD, SIGN_IN
    from .test_references import _generated_for

    project, spec = _generated_for("saas", tmp_path)
    assert spec.auth is not None and spec.auth.enabled
    probe = SIGN_IN + (
        "from fastapi.testclient import TestClient\n"
        "from app.main import app\n"
        "with TestClient(app) as client:\n"
        "    print(client.get('/', follow_redirects=False).status_code)\n"
        "    sign_in(client)\n"  # the admin exists; the pages take the session cookie:
        "    import re\n"
        "    form = client.get('/ui/sign-in').text\n"
        "    token = re.search(r'name=\"csrf_token\" value=\"([0-9a-f]+)\"', form).group(1)\n"
        f"    client.post('/ui/sign-in', data={{'email': {ADMIN_EMAIL!r}, 'password': "
        f"{ADMIN_PASSWORD!r}, 'csrf_token': token}})\n"
        "    root = client.get('/', follow_redirects=False)\n"
        "    print(root.status_code, root.headers['location'])\n"
        "    print(client.get('/ui').text)\n"
        "    print(client.get('/static/theme.css').text)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "PYTHONPATH": str(project)}
    shown = subprocess.run([sys.executable, "-c", probe], check=False, cwd=project, env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("401\n303 /ui\n")  # signed out: the sign-in form first
    assert '<body class="sidebar corporate">' in shown.stdout
    assert ":root { --brand: #3d405b; }" in shown.stdout
    for feature in spec.features:
        title = feature.title or feature.name
        assert f'href="/ui/{feature.name}">Open {title}</a>' in shown.stdout
