"""Acceptance (issue 13): in the ecommerce, saas and blog apps, every route the app has answers
401 without credentials except the open ones (the routes are read from the app itself, so a new
route cannot slip through), a role that may not write an entity gets 403 from its API and its
pages, one that may gets through, and a page form without its CSRF token is refused. The
probe runs inside each generated app, signing up and in as a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen.generate.context import collection_path
from bmadgen.naming import plural

from .test_references import _generated_for

pytestmark = pytest.mark.slow

# Open to anyone: health, the API document, static files, and what signing up or in takes.
OPEN = {
    "GET /health", "GET /openapi.json", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc",
    "HEAD /openapi.json", "HEAD /docs", "HEAD /docs/oauth2-redirect", "HEAD /redoc",
    "POST /accounts/register", "POST /accounts/token",
    "GET /ui/sign-in", "POST /ui/sign-in", "GET /ui/sign-up", "POST /ui/sign-up",
    "GET /ui/sign-out", "POST /ui/sign-out",
}

PROBE = r'''
import json, re, sys
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route
from app.main import app

writes = json.loads(sys.argv[1])
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
answers = {"routes": {}, "writes": []}

def every_route(routes):
    """The app's routes, those of included routers too (FastAPI keeps them as included)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from every_route(included.routes) if included is not None else [route]

with TestClient(app) as client:
    for route in every_route(app.routes):
        if isinstance(route, Mount):
            answers["routes"][f"GET {route.path}/style.css"] = client.get(
                f"{route.path}/style.css").status_code
            continue
        for method in sorted(route.methods or ()):
            path = route.path.replace("{item_id}", "1").replace("{user_id}", "1")
            if method == "POST" and path.startswith("/ui/"):
                answer = client.post(path, data={}, follow_redirects=False)
            else:
                body = {} if method in ("POST", "PUT", "PATCH") else None
                answer = client.request(method, path, json=body, follow_redirects=False)
            answers["routes"][f"{method} {route.path}"] = answer.status_code
            page = path == "/" or path == "/ui" or path.startswith("/ui/")  # "/": the home page
            if answer.status_code == 401 and not page:
                assert answer.headers["www-authenticate"].startswith("Bearer"), path

    # A person signs up through the page: the default role, the session cookie.
    form = client.get("/ui/sign-up").text
    token = TOKEN.search(form).group(1)
    signed = client.post("/ui/sign-up", data={"email": "someone@example.com",
                         "password": "correct horse battery", "csrf_token": token},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text
    bearer = client.post("/accounts/token", json={"email": "someone@example.com",
                         "password": "correct horse battery"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {bearer}"}
    page_token = TOKEN.search(client.get("/ui/sign-in").text).group(1)
    for api, page, may in writes:
        created = client.post(api, json={}, headers=headers)
        refused_form = client.post(page + "/new", data={"csrf_token": page_token})
        no_token = client.post(page + "/new", data={})
        answers["writes"].append([api, may, created.status_code, refused_form.status_code,
                                  "Not allowed" in refused_form.text, no_token.status_code,
                                  "CSRF" in no_token.text or "Not allowed" in no_token.text])
print(json.dumps(answers))
'''


@pytest.mark.parametrize("type_name", ["ecommerce", "saas", "blog"])
def test_every_route_but_the_open_ones_needs_credentials_and_the_right_role(
        type_name: str, tmp_path: Path) -> None:
    project, spec = _generated_for(type_name, tmp_path)
    auth = spec.auth
    assert auth is not None and auth.enabled
    role = auth.signup_role
    writes = [(collection_path(feature, entity),
               f"/ui/{feature.name}/{plural(entity.name)}",
               role in auth.writers(entity.name))
              for feature in spec.features for entity in feature.entities]
    assert any(may for _, _, may in writes) and not all(may for _, _, may in writes)
    env = dict(os.environ, DATABASE_URL="sqlite://")
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(writes)],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    answers = json.loads(proc.stdout.strip().splitlines()[-1])
    routes: dict[str, int] = answers["routes"]
    assert routes.pop("GET /static/style.css") == 200
    guarded = {key: status for key, status in routes.items() if key not in OPEN}
    assert len(guarded) > 20
    assert {key: status for key, status in guarded.items() if status != 401} == {}
    assert all(routes[key] != 401 for key in OPEN if key in routes)
    assert {"POST /accounts/register", "POST /accounts/token", "GET /ui/sign-in"} <= set(routes)
    for api, may, created, form, form_says_not_allowed, no_token, no_token_refused in \
            answers["writes"]:
        if may:  # through the check (the empty body may then be refused for its fields)
            assert created not in (401, 403) and form not in (401, 403), api
        else:
            assert (created, form, form_says_not_allowed) == (403, 403, True), api
        assert no_token == 403 and no_token_refused, api
