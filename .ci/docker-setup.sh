#!/usr/bin/env bash
# Docker for bmadgen's CI: make sure an engine answers (install Debian's docker.io and start
# dockerd in the background when none does), then build the gate sandbox image offline.
# Idempotent and cached: the debootstrap is skipped when the base image (or a finished rootfs)
# exists, and the wheelhouse is reused while the pinned requirements do not change.
# Run as root. Env: BMADGEN_CACHE (default /var/cache/bmadgen), DOCKERD_LOG.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
CACHE="${BMADGEN_CACHE:-/var/cache/bmadgen}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/bmadgen-dockerd.log}"
mkdir -p "$CACHE"

engine_answers() { docker info >/dev/null 2>&1; }

need_packages=()
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
if ((${#need_packages[@]})); then
    echo "installing ${need_packages[*]}"
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need_packages[@]}" >/dev/null
fi

if ! engine_answers; then
    echo "starting dockerd (log: $DOCKERD_LOG)"
    nohup dockerd >"$DOCKERD_LOG" 2>&1 &
    for _ in $(seq 1 60); do
        engine_answers && break
        sleep 1
    done
    if ! engine_answers; then
        echo "dockerd did not come up; last log lines:" >&2
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        exit 1
    fi
fi
docker version --format 'engine {{.Server.Version}}'

python3 -m bmadgen sandbox image build --offline --cache-dir "$CACHE"
python3 -m bmadgen sandbox image list
