#!/usr/bin/env bash
# Installs what code.ved needs on Debian and starts the Docker engine: the one place that
# knows the project's system packages. `make run`, `make test` and `.ci/run` call it; it
# is quick when everything is there and safe to run again.
#
#   tools/provision.sh run    # serving: Docker engine, debootstrap (offline runner image), git,
#                             # uv (per-script packages, pinned, from PyPI into tools/uv/venv)
#   tools/provision.sh test   # also Chromium (browser tests), sqlite3, PostgreSQL 15 (its
#                             # binaries: the tests run private clusters), ...
#
# Rust (cargo) and Node (npm) are the prerequisites it does not install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "provision: $*" >&2; }
die() { say "error: $*"; exit 1; }

run_packages=(docker.io debootstrap git ca-certificates curl pkg-config libssl-dev make python3 python3-venv)
# Resolves and installs scripts' `# /// script` packages on the host (SPEC §15). Pinned: a
# new uv may resolve differently; change it here and nowhere else.
uv_version=0.13.8
test_packages=(chromium sqlite3 postgresql)

case "${1:-run}" in
    run) packages=("${run_packages[@]}") ;;
    test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
    *) die "usage: tools/provision.sh [run|test]" ;;
esac

command -v cargo >/dev/null || die "cargo is missing: install Rust first (https://rustup.rs), then run this again"
command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer and npm, then run this again"
command -v dpkg-query >/dev/null || die "this script provisions Debian; install the equivalents of: ${packages[*]}"

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
    install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        as_root=(sudo)
    else
        die "missing packages: ${missing[*]}. Installing them needs root; run: sudo apt-get update && sudo ${install[*]}"
    fi
    say "installing ${missing[*]}"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "${install[@]}"
    if [[ " ${missing[*]} " == *" postgresql "* ]]; then
        # The package starts a default cluster on port 5432; the tests start private ones
        # (tests/src/database.rs), so it would only hold the port and memory.
        "${as_root[@]}" pg_ctlcluster 15 main stop 2>/dev/null || true
    fi
fi

# In a venv of the project's own, not the system Python (PEP 668); the server finds it
# there by default (VED_UV_BIN).
uv_venv="$here/uv/venv"
installed_uv="$("$uv_venv/bin/uv" --version 2>/dev/null | cut -d' ' -f2 || true)"
if [ "$installed_uv" != "$uv_version" ]; then
    say "installing uv $uv_version into ${uv_venv#"$here/../"}"
    python3 -m venv "$uv_venv" || die "could not create a Python venv; install python3-venv and run this again"
    "$uv_venv/bin/pip" install --quiet --disable-pip-version-check "uv==$uv_version" \
        || die "could not install uv $uv_version from PyPI into $uv_venv"
fi

"$here/../runner/ensure-docker.sh"
