#!/usr/bin/env bash
# Builds the sandbox image that every execution runs in, unless it already exists.
#
# The tag is a hash of the build inputs (this script, Dockerfile, packages.txt), so an
# unchanged checkout never rebuilds and a changed one never reuses a stale image. The
# image is also tagged ved-runner:latest. The last line on stdout is the image reference
# (ved-runner:<hash>); everything else goes to stderr so callers can capture it:
#
#   VED_RUNNER_IMAGE="$(runner/build-image.sh | tail -n1)"
#
# Where python:3.14-slim is present the Dockerfile is built; otherwise an equivalent image
# is made from Debian packages with debootstrap + docker import, which needs no registry.
# VED_RUNNER_BUILD=online|offline forces one path (online pulls the base image).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="ved-runner"
suite="bookworm"

say() { echo "build-image: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v docker >/dev/null || die "docker is not installed; run runner/ensure-docker.sh first"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable; run runner/ensure-docker.sh first"

hash="$(cat "$here/build-image.sh" "$here/Dockerfile" "$here/packages.txt" | sha256sum | cut -c1-12)"
image="$repo:$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
    say "$image already exists"
    docker tag "$image" "$repo:latest"
    echo "$image"
    exit 0
fi

# Online means the Dockerfile's base image can be had without guessing at the network:
# it is already present, or VED_RUNNER_BUILD=online asks for a pull.
base_image_present() {
    docker image inspect python:3.14-slim >/dev/null 2>&1
}

build_online() {
    say "building $image from $here/Dockerfile"
    docker build --tag "$image" "$here" >&2
}

build_offline() {
    command -v debootstrap >/dev/null \
        || die "debootstrap is missing (apt-get install debootstrap) and no registry is reachable"
    [ "$(id -u)" -eq 0 ] || die "the offline build runs debootstrap and must run as root"

    local packages
    packages="$(grep -v '^[[:space:]]*\(#\|$\)' "$here/packages.txt" | tr -s '[:space:]' ' ')"
    [ -n "${packages// /}" ] || die "$here/packages.txt lists no packages"

    rootfs="$(mktemp -d "${TMPDIR:-/tmp}/ved-runner-rootfs.XXXXXX")"
    trap 'rm -rf "$rootfs"' EXIT
    # mktemp makes it 0700; it becomes the image's "/" and apt's _apt user reads below it.
    chmod 0755 "$rootfs"

    # Two steps, because debootstrap resolves "a | b" dependencies to "a" even when "b" is
    # listed: python3-fonttools' "python3-scipy | python3-munkres" alone would pull scipy,
    # pythran and a C++ toolchain (~800 MB). apt honours what packages.txt picks.
    say "debootstrap $suite (takes a few minutes)"
    debootstrap --variant=minbase "$suite" "$rootfs" >&2 \
        || die "debootstrap failed; is a Debian mirror reachable?"
    say "installing $packages"
    chroot "$rootfs" apt-get update >&2 || die "apt-get update failed inside the new root"
    # shellcheck disable=SC2086  # word splitting is wanted: one argument per package
    chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive \
        apt-get install --yes --no-install-recommends $packages >&2 \
        || die "apt-get install failed inside the new root"
    chroot "$rootfs" apt-get clean >&2

    # The server runs `python /runner/script.py`; Debian only ships python3.
    ln -sf python3 "$rootfs/usr/bin/python"
    # The build host's DNS settings mean nothing in a container without network.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs/etc/resolv.conf"

    say "importing $image"
    tar -C "$rootfs" -c . | docker import \
        -c 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp MPLBACKEND=Agg' \
        -c 'USER 65534:65534' \
        -c 'WORKDIR /tmp' \
        -c 'ENTRYPOINT ["python3"]' \
        - "$image" >&2 \
        || die "docker import failed"
}

case "${VED_RUNNER_BUILD:-auto}" in
    online) build_online || die "docker build failed" ;;
    offline) build_offline ;;
    auto)
        if base_image_present; then
            if ! build_online; then
                say "docker build failed; trying the offline build"
                build_offline
            fi
        else
            say "python:3.14-slim is not present (VED_RUNNER_BUILD=online pulls it); using the offline build"
            build_offline
        fi
        ;;
    *) die "VED_RUNNER_BUILD must be online, offline or auto" ;;
esac

docker tag "$image" "$repo:latest"
say "built $image (also tagged $repo:latest)"
echo "$image"
