#!/bin/sh
# Runs once at image build time: the unprivileged sandbox user, and the mount points that the
# container fills with tmpfs (the root filesystem is read-only at run time).
set -eu
if ! grep -q '^sandbox:' /etc/passwd; then
    echo 'sandbox:x:10001:10001:bmadgen sandbox:/scratch/home:/usr/sbin/nologin' >> /etc/passwd
    echo 'sandbox:x:10001:' >> /etc/group
fi
mkdir -p /scratch /tmp
chmod 1777 /tmp
# Nothing setuid may raise privileges inside the sandbox (no-new-privileges also blocks it).
find / -xdev -perm -4000 -type f -exec chmod u-s {} + 2>/dev/null || true
/opt/gates/bin/python -c "import ruff, mypy, importlinter, bandit, detect_secrets, pytest, mutmut, fastapi, sqlalchemy, httpx, pip_audit"
