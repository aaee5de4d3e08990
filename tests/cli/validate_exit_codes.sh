#!/usr/bin/env bash
# vidserve validate: exit 0 valid (with the quoted cost), 1 invalid (every problem), 2 unreadable.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$tmp/valid.json" <<'JSON'
{"taskType":"videoInference","taskUUID":"b2b12f9d-6822-434e-bcdb-792ec67bab65","model":"klingai:3@1",
 "positivePrompt":"An origami dragon in a library","width":1280,"height":720,"duration":5}
JSON
out=$("$bin" validate "$tmp/valid.json"); rc=$?
[ $rc -eq 0 ] || fail "valid task exited $rc: $out"
grep -q '\$0.185' <<<"$out" || fail "valid task did not print the cost \$0.185: $out"

cat > "$tmp/invalid.json" <<'JSON'
[{"taskType":"videoInference","taskUUID":"not-a-uuid","model":"klingai:kling-video@3-standard",
  "positivePrompt":"x","width":1920,"height":1080,"duration":20,"outputQuality":5}]
JSON
out=$("$bin" validate --json "$tmp/invalid.json"); rc=$?
[ $rc -eq 1 ] || fail "invalid task exited $rc"
for want in '"taskUUID"' '["width","height"]' '"duration"' '"positivePrompt"' '"outputQuality"'; do
  grep -qF "$want" <<<"$out" || fail "--json output lacks $want: $out"
done
count=$(grep -o '"code"' <<<"$out" | wc -l)
[ "$count" -eq 5 ] || fail "expected 5 problems, got $count: $out"

out=$(echo '{"taskType": "ping",' | "$bin" validate - 2>&1); rc=$?
[ $rc -eq 2 ] || fail "malformed JSON exited $rc"
grep -Eq "line [0-9]+, column [0-9]+" <<<"$out" || fail "no line/column in: $out"

"$bin" validate "$tmp/does-not-exist.json" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "missing file exited $rc"

# The requests of tests/data/seed_examples.json (Runware's documented examples) through the CLI:
# the array holds 72 tasks, 2 of them invalid.
python3 - "$2/tests/data/seed_examples.json" > "$tmp/seeds.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps([e["body"] for e in d["examples"] if e["kind"] == "request"]))
PY
out=$("$bin" validate --json "$tmp/seeds.json"); rc=$?
[ $rc -eq 1 ] || fail "seed array exited $rc"
tasks=$(python3 -c 'import json,sys; print(sorted({p["task"] for p in json.load(sys.stdin)}))' <<<"$out")
[ "$tasks" = "[42, 44]" ] || fail "expected problems in tasks 42 and 44 only, got $tasks"
echo "ok"
