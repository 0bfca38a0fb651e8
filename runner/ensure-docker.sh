#!/usr/bin/env bash
# Makes sure a Docker engine answers: starts dockerd in the background when `docker info`
# fails. Installing it is tools/provision.sh's job. Safe to run repeatedly.
set -euo pipefail

say() { echo "ensure-docker: $*" >&2; }
die() { say "error: $*"; exit 1; }

if docker info >/dev/null 2>&1; then
    exit 0
fi

command -v dockerd >/dev/null || die "dockerd is missing; run tools/provision.sh (it installs docker.io)"

log="${VED_DOCKERD_LOG:-/var/log/dockerd.log}"
if ! pgrep -x dockerd >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        say "starting dockerd (log: $log)"
        nohup dockerd >>"$log" 2>&1 &
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        say "starting dockerd with sudo (log: $log)"
        sudo sh -c "nohup dockerd >>'$log' 2>&1 &"
    else
        die "the Docker engine is not running and starting it needs root; run: sudo systemctl start docker (or sudo dockerd &)"
    fi
fi

for _ in $(seq 30); do
    if docker info >/dev/null 2>&1; then
        say "Docker engine is up"
        exit 0
    fi
    sleep 1
done
if pgrep -x dockerd >/dev/null && [ "$(id -u)" -ne 0 ]; then
    die "dockerd runs but this user cannot reach it; add yourself to the docker group (sudo usermod -aG docker \$USER) and log in again"
fi
die "the Docker engine did not answer within 30 s; see $log"
