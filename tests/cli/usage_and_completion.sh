#!/usr/bin/env bash
# The CLI without a server: --version, usage errors with "did you mean", a bare command's help,
# the completion scripts, `validate` without a file, `keys` without a store, `models MODEL`.
set -u
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Runs the binary; sets $out (stdout), $err (stderr), $rc.
run() { out=$("$bin" "$@" 2>"$work/err"); rc=$?; err=$(cat "$work/err"); }

run --version
[ $rc -eq 0 ] || fail "--version exited $rc"
grep -Eq '^vidserve [0-9]+\.[0-9]+\.[0-9]+' <<<"$out" || fail "--version printed '$out'"

run
[ $rc -eq 2 ] || fail "bare vidserve exited $rc"
for sub in serve worker generate tasks models validate keys completion; do
  grep -q "^  $sub" <<<"$out$err" || fail "bare vidserve does not list '$sub': $out$err"
done

run genrate --model x
[ $rc -eq 2 ] || fail "unknown command exited $rc"
grep -q "unknown command 'genrate'; did you mean 'generate'?" <<<"$err" || fail "no suggestion: $err"

run generate --key k --model klingai:6@1 --sed 3
[ $rc -eq 2 ] || fail "unknown flag exited $rc"
grep -q "vidserve generate: unknown flag '--sed'; did you mean '--seed'?" <<<"$err" || fail "no flag suggestion: $err"

env -u VIDSERVE_API_KEY "$bin" tasks list 2>"$work/err"; rc=$?
[ $rc -eq 2 ] || fail "tasks list without a key exited $rc"
grep -q -- "--key can also come from VIDSERVE_API_KEY" "$work/err" || fail "no env hint: $(cat "$work/err")"

run keys lsit
[ $rc -eq 2 ] || fail "unknown keys action exited $rc"
grep -q "did you mean 'list'?" <<<"$err" || fail "no keys suggestion: $err"

run keys
[ $rc -eq 2 ] || fail "bare keys exited $rc"
grep -q "create" <<<"$err" || fail "bare keys does not show its subcommands: $err"

run tasks list --limt 3 --key k
grep -q "did you mean '--limit'?" <<<"$err" || fail "no --limit suggestion: $err"

# A value that looks like a flag is a value: --seed -1 is not an unknown flag.
run generate --model klingai:6@1 --seed -1 --bogus
grep -q "unknown flag '--bogus'" <<<"$err" || fail "--seed -1 confused the flag check: $err"

# validate: a file or '-', never a silent wait on stdin.
mkfifo "$work/stdin"
exec 3<>"$work/stdin"  # a stdin that never ends: the old behaviour waited on it
out=$(timeout 5 "$bin" validate 2>&1 <&3); rc=$?
exec 3>&-
[ $rc -eq 2 ] || fail "validate without a file exited $rc (124: it waited on stdin): $out"
grep -q "file is required" <<<"$out" || fail "validate without a file said: $out"
task='{"taskType":"videoInference","model":"klingai:3@1","positivePrompt":"a dragon","width":1280,"height":720,"duration":5}'
out=$(echo "$task" | "$bin" validate - 2>"$work/err"); rc=$?
[ $rc -eq 0 ] || fail "a task without taskUUID is invalid in a dry run ($rc): $out $(cat "$work/err")"
grep -q "no taskUUID" "$work/err" || fail "validate did not say it made up a taskUUID"
grep -q '\$0.185' <<<"$out" || fail "no cost quoted: $out"

# keys: no store is created where none was named.
mkdir "$work/empty"
(cd "$work/empty" && "$bin" keys list >"$work/out" 2>"$work/err"); rc=$?
[ $rc -eq 2 ] || fail "keys list without a store exited $rc"
grep -q "no key store at ./data/vidserve.db" "$work/err" || fail "keys list said: $(cat "$work/err")"
grep -q -- "--data DIR" "$work/err" || fail "keys list does not say how to create one"
[ ! -e "$work/empty/data" ] || fail "keys list created ./data"
(cd "$work/empty" && "$bin" keys create --data "$work/empty/d" >/dev/null 2>&1) || fail "keys create --data"
[ -f "$work/empty/d/vidserve.db" ] || fail "keys create --data did not create the store"
(cd "$work/empty" && "$bin" keys list --data d >/dev/null 2>&1) || fail "keys list --data"

# models MODEL: workflows, inputs, settings; --json with numbers.
run models klingai:7@1
[ $rc -eq 0 ] || fail "models klingai:7@1 exited $rc"
for want in "lip-sync" "inputs:    audio (1), video (1)" "soundVolume  number 0-2" "video inputs:"; do
  grep -qF "$want" <<<"$out" || fail "models klingai:7@1 lacks '$want': $out"
done
run models klingai:avatr@2.0-standard
[ $rc -eq 2 ] || fail "unknown model exited $rc"
grep -q "did you mean 'klingai:avatar@2.0-standard'?" <<<"$err" || fail "no model suggestion: $err"
"$bin" models --json | python3 -c '
import json, sys
models = {m["air"]: m for m in json.load(sys.stdin)}
m = models["klingai:kling-video@3-standard"]
assert {"width": 1280, "height": 720} in m["sizes"], m["sizes"]
assert {"min": 3, "max": 15, "default": 5} in m["durations"], m["durations"]
assert models["klingai:1@1"]["durations"][0]["values"] == [5, 10], models["klingai:1@1"]["durations"]
assert models["klingai:7@1"]["durations"] == [{"fromInput": "video"}]
assert models["klingai:7@1"]["sizeFromInput"] is True
lip = models["klingai:7@1"]["workflowDetails"][0]
assert lip["inputs"] == {"audio": {"min": 1, "max": 1}, "video": {"min": 1, "max": 1}}, lip
assert {s["name"] for s in models["klingai:7@1"]["settings"]} == {"soundVolume", "originalAudioVolume"}
assert models["klingai:kling-image@o1"]["durations"] == []
' || fail "models --json is not structured as expected"
one=$("$bin" models klingai:avatar@2.0-standard --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["workflowDetails"][0]["kind"])')
[ "$one" = avatar ] || fail "models MODEL --json: $one"

# Completion scripts: valid syntax, and bash completes subcommands and flags.
"$bin" completion bash >"$work/vidserve.bash" || fail "completion bash"
bash -n "$work/vidserve.bash" || fail "bash -n rejects the completion script"
complete_words() {  # words... -> the completions of the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vidserve; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$work/vidserve.bash" "$@"
}
[ "$(complete_words vidserve gen)" = generate ] || fail "bash: 'vidserve gen' -> '$(complete_words vidserve gen)'"
[ "$(complete_words vidserve keys cr)" = create ] || fail "bash: 'vidserve keys cr'"
complete_words vidserve generate --ne | grep -qx -- --negative-prompt || fail "bash: 'generate --ne'"
complete_words vidserve keys list --da | grep -qx -- --data || fail "bash: 'keys list --da' (a parent's flag)"
complete_words vidserve tasks li | grep -qx list || fail "bash: 'tasks li'"
[ -z "$(complete_words vidserve models --jx)" ] || fail "bash: completes an unknown flag"
"$bin" completion zsh >"$work/_vidserve" || fail "completion zsh"
grep -q '^#compdef vidserve' "$work/_vidserve" || fail "zsh script lacks #compdef"
if command -v zsh >/dev/null; then
  zsh -n "$work/_vidserve" || fail "zsh -n rejects the completion script"
  zsh -c "autoload -Uz compinit && compinit -u -d $work/zcompdump && source $work/_vidserve && (( \${+_comps[vidserve]} ))" \
    || fail "zsh: sourcing the script does not register the completion"
else
  echo "zsh not installed: zsh -n skipped"
fi
run completion fish
[ $rc -eq 2 ] || fail "completion fish exited $rc"
echo ok
