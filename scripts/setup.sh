#!/usr/bin/env bash
# Installs what Escort needs on a fresh Debian machine (idempotent). Run as root or with sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: SQLite headers for the embedded store, bash for the parser cross-check,
# asciinema to play recordings, OpenSSH for the gateway's end-to-end tests.
PKGS=(libsqlite3-dev sqlite3 bash asciinema openssh-client openssh-server)
missing=()
for p in "${PKGS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is needed on PATH (swift.org toolchain)" >&2; exit 1; }
