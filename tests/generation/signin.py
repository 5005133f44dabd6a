"""Signing in to a generated app, for the tests that call one: the first admin is made as its
README says (`python -m app.shared.accounts create-admin EMAIL`, password from ADMIN_PASSWORD)
or, inside a probe that runs in the app's own process, with the same shared functions; then a
bearer token for the API. An open app (no sign-in) needs none of it: each helper does nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"

# Python for a probe run inside the generated app: `sign_in(client)` makes a TestClient an
# admin's (its database is the app's own, which another process cannot reach when in memory).
SIGN_IN = rf'''
def sign_in(client):
    import importlib.util
    if importlib.util.find_spec("app.shared.auth") is None:
        return
    from app.shared import auth
    with client.app.state.database.sessions() as session:
        if auth.find_user(session, {ADMIN_EMAIL!r}) is None:
            auth.create_user(session, {ADMIN_EMAIL!r}, {ADMIN_PASSWORD!r}, auth.ADMIN)
    answer = client.post("/accounts/token",
                         json={{"email": {ADMIN_EMAIL!r}, "password": {ADMIN_PASSWORD!r}}})
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
'''


def signs_in(app_dir: Path) -> bool:
    return (app_dir / "app" / "shared" / "auth.py").is_file()


def create_admin(app_dir: Path, database_url: str, email: str = ADMIN_EMAIL) -> str:
    """Run the documented command on the app's database; what it printed."""
    env = dict(os.environ, DATABASE_URL=database_url, ADMIN_PASSWORD=ADMIN_PASSWORD)
    done = subprocess.run([sys.executable, "-m", "app.shared.accounts", "create-admin", email],
                          cwd=app_dir, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def admin_headers(app_dir: Path, database_url: str, base: str) -> dict[str, str]:
    """An admin's Authorization header for the app served at `base` (none for an open app)."""
    if not signs_in(app_dir):
        return {}
    create_admin(app_dir, database_url)
    answer = httpx.post(f"{base}/accounts/token", timeout=10,
                        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
