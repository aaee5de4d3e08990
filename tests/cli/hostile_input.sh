#!/usr/bin/env bash
# Hostile input never crashes `vidserve validate`: it answers with exit 1 or 2 and a clear message.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

expect_exit() {  # name, allowed exit codes..., -- file
  local name=$1 file=$2; shift 2
  out=$(timeout 60 "$bin" validate --json "$file" 2>"$tmp/err"); rc=$?
  for ok in "$@"; do
    if [ "$rc" -eq "$ok" ]; then
      [ -n "$out$(cat "$tmp/err")" ] || fail "$name: exit $rc but no message"
      echo "$name: exit $rc"
      return 0
    fi
  done
  fail "$name: exit $rc (allowed: $*); stderr: $(head -c 500 "$tmp/err")"
}

head -c 1048576 /dev/urandom > "$tmp/garbage.bin"
expect_exit "1 MB of random bytes" "$tmp/garbage.bin" 2

python3 -c 'print("[" * 10000 + "]" * 10000)' > "$tmp/deep.json"
expect_exit "10000 nested arrays" "$tmp/deep.json" 2
python3 -c 'print("{\"a\":" * 10000 + "1" + "}" * 10000)' > "$tmp/deep_objects.json"
expect_exit "10000 nested objects" "$tmp/deep_objects.json" 2

python3 - > "$tmp/long_prompt.json" <<'PY'
import json
print(json.dumps({"taskType": "videoInference", "taskUUID": "b2b12f9d-6822-434e-bcdb-792ec67bab65",
                  "model": "klingai:3@1", "positivePrompt": "a" * 100000}))
PY
expect_exit "100000-character prompt" "$tmp/long_prompt.json" 1
grep -q invalidLength <<<"$out" || fail "long prompt: no invalidLength in $out"

printf '{"taskType":"videoInference","taskUUID":"b2b12f9d-6822-434e-bcdb-792ec67bab65","model":"klingai:3@1","positivePrompt":"caf\xe9 \xff\xfe"}' > "$tmp/latin1.json"
expect_exit "non-UTF-8 bytes" "$tmp/latin1.json" 2
grep -q "UTF-8" "$tmp/err" || fail "non-UTF-8: message does not say UTF-8: $(cat "$tmp/err")"

: > "$tmp/empty.json"
expect_exit "empty file" "$tmp/empty.json" 2

python3 - > "$tmp/wide.json" <<'PY'
import json
task = {"taskType": "videoInference", "taskUUID": "b2b12f9d-6822-434e-bcdb-792ec67bab65",
        "model": "klingai:kling@o1", "positivePrompt": "many references",
        "inputs": {"referenceImages": ["x"] * 50000}}
print(json.dumps(task))
PY
expect_exit "50000 reference images" "$tmp/wide.json" 1
echo ok
