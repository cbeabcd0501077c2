#!/bin/sh
# Install everything the test suite needs, then run ruff, mypy and pytest.
# As root it also installs the Debian packages the tests drive (runc, crun,
# busybox-static, procps, dtach, tini, dumb-init). Inside a virtual environment
# it installs there; otherwise it makes .venv beside this file.
set -eu
cd "$(dirname "$0")/.."

DEBS="procps util-linux runc crun busybox-static dtach tini dumb-init passwd python3-venv"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=""
    for pkg in $DEBS; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        echo "test.sh: installing Debian packages:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
fi

if [ -z "${VIRTUAL_ENV:-}" ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    PY=.venv/bin/python
else
    PY=python
fi
$PY -m pip install -q --disable-pip-version-check -e '.[test]'

$PY -m ruff check src tests bench
$PY -m mypy
# pytest exits 5 when it collected nothing: that is a failure too.
$PY -m pytest -q "$@"
