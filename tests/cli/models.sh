#!/usr/bin/env bash
# `vidserve models` lists all 26 catalog models; --json is machine readable.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
out=$("$bin" models) || fail "models exited $?"
grep -q "^26 models" <<<"$out" || fail "expected '26 models' in: $(tail -3 <<<"$out")"
grep -q "klingai:kling-video@3-pro" <<<"$out" || fail "3-pro missing"
grep -q '\$0.037/s' <<<"$out" || fail "1.6 Standard price missing"
n=$("$bin" models --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), sum(m["type"]=="video" for m in d))')
[ "$n" = "26 23" ] || fail "models --json: expected '26 23', got '$n'"
echo ok
