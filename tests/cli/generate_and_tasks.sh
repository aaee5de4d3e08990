#!/usr/bin/env bash
# `vidserve generate` flags and `vidserve tasks get|list|cancel` against a running server (preview
# engine, one worker): seed, negative prompt, sound, shots, -n, --param, --request, the output
# format from -o, --no-wait, --json, lip-sync (--video --audio) and avatar (--image --audio).
set -u
bin=$(realpath "$1")
work=$(mktemp -d)
fail() { echo "FAIL: $*"; tail -5 "$work/serve.log" 2>/dev/null; exit 1; }
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait "${pid:-}" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export VIDSERVE_API_KEY=cli-test-key
VIDSERVE_API_KEYS=$VIDSERVE_API_KEY "$bin" serve --listen 127.0.0.1:0 --data "$work/data" --workers 1 \
  >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || fail "server did not start"
export VIDSERVE_SERVER=$base
gen() { "$bin" generate "$@" 2>"$work/gen.err"; }
json_of() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
probe() { ffprobe -v error -show_entries "$2" -of csv=p=0 "$1"; }

ffmpeg -v error -f lavfi -i color=c=blue:s=800x600 -frames:v 1 "$work/first.png" || fail "ffmpeg image"
ffmpeg -v error -f lavfi -i color=c=red:s=800x600 -frames:v 1 "$work/last.png" || fail "ffmpeg image"
ffmpeg -v error -f lavfi -i testsrc=s=640x640:r=24:d=3 -pix_fmt yuv420p "$work/face.mp4" || fail "ffmpeg video"
ffmpeg -v error -f lavfi -i sine=f=440:d=3 "$work/voice.wav" || fail "ffmpeg audio"

# --seed, --negative-prompt, --json, and -o .webm sets outputFormat WEBM.
out=$(gen --model klingai:6@1 --prompt "a blue square drifts" --negative-prompt "blurry, low quality" \
  --seed 4242 --image "$work/first.png" --image-last "$work/last.png" --duration 5 --width 1280 --height 720 \
  --json -o "$work/seeded.webm") || fail "generate --seed --json: $(cat "$work/gen.err")"
[ "$(json_of 'd[0]["seed"]' <<<"$out")" = 4242 ] || fail "--seed not sent: $out"
[ "$(json_of 'len(d)' <<<"$out")" = 1 ] || fail "--json: $out"
probe "$work/seeded.webm" format=format_name | grep -q webm || fail "-o .webm is $(probe "$work/seeded.webm" format=format_name)"
gen --model klingai:6@1 --prompt "x y" --negative-prompt "x" --duration 5 --width 1280 --height 720 -o "$work/n.mp4" \
  && fail "a one-character negativePrompt was accepted (was it sent?)"
grep -q "negativePrompt" "$work/gen.err" || fail "--negative-prompt error: $(cat "$work/gen.err")"

# -n 2: two files, seeds seed and seed + 1.
out=$(gen --model klingai:3@1 --prompt "two takes" --seed 10 -n 2 --duration 5 --width 1280 --height 720 \
  -o "$work/take.mp4") || fail "generate -n 2: $(cat "$work/gen.err")"
[ -s "$work/take-1.mp4" ] && [ -s "$work/take-2.mp4" ] || fail "-n 2 did not write take-1.mp4 and take-2.mp4: $out"
grep -q "take-2.mp4 .*seed 11" <<<"$out" || fail "-n 2 output: $out"

# --sound (priced with audio), and the same through --param; --shot sets the duration.
cost() { json_of 'd[0]["cost"]' <<<"$1"; }
silent=$(gen --model klingai:kling-video@3-standard --prompt "waves" --duration 5 --width 1280 --height 720 --no-sound --json \
  -o "$work/silent.mp4") || fail "generate silent: $(cat "$work/gen.err")"
loud=$(gen --model klingai:kling-video@3-standard --prompt "waves" --duration 5 --width 1280 --height 720 --sound \
  --json -o "$work/loud.mp4") || fail "generate --sound: $(cat "$work/gen.err")"
param=$(gen --model klingai:kling-video@3-standard --prompt "waves" --duration 5 --width 1280 --height 720 \
  --param providerSettings.klingai.sound=true --json -o "$work/param.mp4") || fail "--param: $(cat "$work/gen.err")"
[ "$(cost "$silent")" = 0.42 ] && [ "$(cost "$loud")" = 0.63 ] || fail "--sound cost: $(cost "$silent") $(cost "$loud")"
[ "$(cost "$param")" = 0.63 ] || fail "--param providerSettings.klingai.sound=true cost $(cost "$param")"
[ "$(probe "$work/loud.mp4" stream=codec_type | sort | tr '\n' ' ')" = "audio video " ] || fail "--sound: no audio track"
[ "$(probe "$work/silent.mp4" stream=codec_type | tr '\n' ' ')" = "video " ] || fail "--no-sound: an audio track"
gen --model klingai:kling-video@3-standard --prompt "shots" --width 1280 --height 720 \
  --shot "a calm sea at dawn:2" --shot "a storm rolls in:3" -o "$work/shots.mp4" >/dev/null \
  || fail "generate --shot: $(cat "$work/gen.err")"
dur=$(probe "$work/shots.mp4" format=duration)
python3 -c "import sys; sys.exit(0 if abs(float('$dur') - 5) < 0.2 else 1)" || fail "2 s + 3 s of shots gave $dur s"
gen --model klingai:3@1 --prompt "x y" --param outputQuality=5 -o "$work/q.mp4" && fail "--param outputQuality=5 accepted"
grep -q "outputQuality" "$work/gen.err" || fail "--param error: $(cat "$work/gen.err")"
gen --model klingai:3@1 --param "no-equals" -o "$work/q.mp4"; [ $? -eq 2 ] || fail "--param without '=' not a usage error"
gen --model klingai:kling-video@3-standard --shot "no seconds" -o "$work/q.mp4"; [ $? -eq 2 ] || fail "--shot without seconds"

# --request: the file's task, flags override its fields.
cat >"$work/task.json" <<'JSON'
{"model":"klingai:3@1","positivePrompt":"from a file","width":1280,"height":720,"duration":10,"seed":99}
JSON
out=$(gen --request "$work/task.json" --duration 5 --json -o "$work/req.mp4") || fail "--request: $(cat "$work/gen.err")"
[ "$(json_of 'd[0]["seed"]' <<<"$out")" = 99 ] || fail "--request seed: $out"
dur=$(probe "$work/req.mp4" format=duration)
python3 -c "import sys; sys.exit(0 if abs(float('$dur') - 5) < 0.2 else 1)" || fail "--duration 5 over the file's 10 gave $dur"

# Images: the extension picks the format; a video extension on an image model is refused.
gen --model klingai:kling-image@o1 --prompt "a red apple" -o "$work/img.mp4"; rc=$?
[ $rc -eq 2 ] || fail "-o img.mp4 on an image model exited $rc"
grep -q ".jpg, .jpeg, .png or .webp" "$work/gen.err" || fail "mismatch error: $(cat "$work/gen.err")"
[ ! -e "$work/img.mp4" ] || fail "img.mp4 was written"
gen --model klingai:kling-image@o1 --prompt "a red apple" --width 1024 --height 1024 -o "$work/img.png" >/dev/null || fail "image: $(cat "$work/gen.err")"
[ "$(head -c 8 "$work/img.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "img.png is not a PNG"

# Lip-sync (video + audio) and avatar (image + audio).
gen --model klingai:7@1 --video "$work/face.mp4" --audio "$work/voice.wav" -o "$work/lipsync.mp4" >/dev/null \
  || fail "lip-sync: $(cat "$work/gen.err")"
[ "$(probe "$work/lipsync.mp4" stream=codec_type | sort -u | tr '\n' ' ')" = "audio video " ] \
  || fail "lip-sync result streams: $(probe "$work/lipsync.mp4" stream=codec_type)"
gen --model klingai:avatar@2.0-standard --image "$work/first.png" --audio "$work/voice.wav" --prompt "speaks calmly" \
  -o "$work/avatar.mp4" >/dev/null || fail "avatar: $(cat "$work/gen.err")"
[ -s "$work/avatar.mp4" ] || fail "avatar wrote nothing"

# --no-wait and tasks get|list|cancel. A long render holds the only worker, so the next task waits.
long=$(gen --model klingai:kling-video@3-pro --prompt "a long pan" --duration 10 --width 1920 --height 1080 --no-wait) \
  || fail "--no-wait: $(cat "$work/gen.err")"
grep -Eq '^[0-9a-f-]{36}$' <<<"$long" || fail "--no-wait printed '$long'"
queued=$(gen --model klingai:3@1 --prompt "waits" --duration 5 --width 1280 --height 720 --no-wait) || fail "--no-wait 2"
gen --model klingai:3@1 --prompt "too slow" --duration 5 --width 1280 --height 720 --timeout 1 -o "$work/t.mp4"
[ $? -eq 1 ] && grep -q "is still processing after 1 s" "$work/gen.err" || fail "--timeout 1: $(cat "$work/gen.err")"
"$bin" tasks list --status queued >"$work/list" || fail "tasks list --status queued"
grep -q "^$queued  queued  0%  klingai:3@1  20" "$work/list" || fail "tasks list --status queued: $(cat "$work/list")"
grep -q "$long" "$work/list" && fail "tasks list --status queued shows the running task"
"$bin" tasks cancel "$queued" | grep -qx "cancelled $queued" || fail "tasks cancel"
"$bin" tasks get "$queued" >"$work/get" 2>&1; [ $? -eq 1 ] || fail "tasks get of a cancelled task should exit 1"
grep -q "taskCancelled" "$work/get" || fail "tasks get of a cancelled task: $(cat "$work/get")"
"$bin" tasks cancel "$queued" >/dev/null || fail "cancelling twice is not the same answer"
n=$("$bin" tasks list --limit 2 --json | json_of 'len(d)') || fail "tasks list --json"
[ "$n" = 2 ] || fail "tasks list --limit 2 gave $n"
[ "$("$bin" tasks list --status cancelled --json | json_of 'd[0]["taskUUID"]')" = "$queued" ] || fail "--status cancelled"
"$bin" tasks cancel "$long" >/dev/null || fail "cancel the running task"
done_uuid=$(json_of 'd[0]["taskUUID"]' <<<"$out")
"$bin" tasks get "$done_uuid" | grep -q "^$done_uuid  success .*videoURL http" || fail "tasks get: $("$bin" tasks get "$done_uuid")"
"$bin" tasks cancel "$done_uuid" 2>"$work/err"; [ $? -eq 1 ] || fail "cancel of a finished task should exit 1"
grep -q "taskNotCancellable" "$work/err" || fail "cancel of a finished task: $(cat "$work/err")"
"$bin" tasks get 00000000-0000-4000-8000-000000000000 2>&1 | grep -q taskNotFound || fail "tasks get unknown"
"$bin" tasks list --key wrong-key 2>&1 | grep -q invalidApiKey || fail "tasks list with a wrong key"
# GET /v1/tasks refuses a bad status or limit, naming the parameter.
for q in "status=done" "limit=0" "limit=501" "limit=x"; do
  reply=$(curl -s -w '\n%{http_code}' "$base/v1/tasks?$q" -H "Authorization: Bearer $VIDSERVE_API_KEY")
  [ "$(tail -1 <<<"$reply")" = 400 ] || fail "GET /v1/tasks?$q: $reply"
  [ "$(head -1 <<<"$reply" | json_of 'd["errors"][0]["code"], d["errors"][0]["parameter"]')" = \
    "invalidValue ${q%%=*}" ] || fail "GET /v1/tasks?$q: $reply"
done
echo ok
