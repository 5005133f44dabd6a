"""`doctor`: what bmadgen needs from this machine, checked without changing anything."""

from __future__ import annotations

from bmadgen import doctor
from bmadgen.doctor import DoctorReport
from bmadgen.services.session import Session


def check(session: Session, *, docker: bool = True) -> DoctorReport:
    from bmadgen.store.db import DB_FILENAME

    return doctor.run(store_path=session.settings.data_home() / DB_FILENAME, docker=docker)
