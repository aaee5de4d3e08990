#!/usr/bin/env bash
# `make install` (cmake --install) puts the binary, the catalog, an example settings file and a
# systemd unit under PREFIX; the installed binary runs from anywhere and the unit names it.
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$prefix/bin/vidserve" ] || fail "no bin/vidserve"
[ -f "$prefix/share/vidserve/catalog/klingai.json" ] || fail "no catalog"
[ -f "$prefix/share/vidserve/vidserve.toml.example" ] || fail "no example settings"
unit=$prefix/share/vidserve/systemd/vidserve.service
[ -f "$unit" ] || fail "no systemd unit"
grep -q "^ExecStart=$prefix/bin/vidserve serve " "$unit" || fail "ExecStart does not name the installed binary: $(grep ExecStart "$unit")"
grep -q "@" "$unit" && fail "unsubstituted @VARIABLE@ in the unit"
# DESTDIR stages the same tree under another root.
DESTDIR=$work/stage cmake --install "$build" --prefix /opt/vidserve >/dev/null
[ -x "$work/stage/opt/vidserve/bin/vidserve" ] || fail "DESTDIR not honoured"
grep -q "^ExecStart=/opt/vidserve/bin/vidserve serve " "$work/stage/opt/vidserve/share/vidserve/systemd/vidserve.service" ||
  fail "the staged unit does not name /opt/vidserve/bin/vidserve"
# The installed binary works outside the source tree, with the catalog it embeds.
cd "$work"
count=$("$prefix/bin/vidserve" models --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("models", d) if isinstance(d, dict) else d))')
[ "$count" = 26 ] || fail "installed binary lists $count models, not 26"
VIDSERVE_CATALOG_DIR=$prefix/share/vidserve/catalog "$prefix/bin/vidserve" models --json >/dev/null ||
  fail "the installed catalog does not load"
echo "install: ok"
