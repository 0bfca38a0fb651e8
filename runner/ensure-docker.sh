#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io when dockerd is missing and
# starts dockerd in the background when `docker info` fails. Safe to run repeatedly.
set -euo pipefail

say() { echo "ensure-docker: $*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $*"
    fi
}

if docker info >/dev/null 2>&1; then
    exit 0
fi

if ! command -v dockerd >/dev/null; then
    say "installing docker.io"
    as_root apt-get update >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io >&2
fi

if ! pgrep -x dockerd >/dev/null; then
    log="${VED_DOCKERD_LOG:-/var/log/dockerd.log}"
    say "starting dockerd (log: $log)"
    as_root sh -c "nohup dockerd >>'$log' 2>&1 &"
fi

for _ in $(seq 30); do
    if docker info >/dev/null 2>&1; then
        say "Docker engine is up"
        exit 0
    fi
    sleep 1
done
die "the Docker engine did not answer within 30 s; see ${VED_DOCKERD_LOG:-/var/log/dockerd.log}"
