#!/usr/bin/env bash
# `vidserve keys` creates hashed keys that the server accepts until revoked; `vidserve generate`
# submits a task, waits, and downloads a playable video.
set -u
bin=$1
work=$(mktemp -d)
fail() { echo "FAIL: $*"; cat "$work/serve.log" 2>/dev/null | tail -5; exit 1; }
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait "${pid:-}" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

key=$("$bin" keys create --label ci --data "$work/data" 2>/dev/null) || fail "keys create"
[[ "$key" == vs_* ]] || fail "unexpected key format: $key"
grep -qa "$key" "$work/data/vidserve.db" "$work/data/vidserve.db-wal" 2>/dev/null && fail "plaintext key stored"
id=$("$bin" keys list --data "$work/data" | awk '/ ci/ {print $1}')
[ -n "$id" ] || fail "keys list does not show the key"

env -u VIDSERVE_API_KEYS "$bin" serve --listen 127.0.0.1:0 --data "$work/data" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || fail "server did not start"

ping() { curl -s -o /dev/null -w '%{http_code}' "$base/v1" -H "Authorization: Bearer $1" -d '[{"taskType":"ping"}]'; }
[ "$(ping "$key")" = 200 ] || fail "created key refused"
[ "$(ping "vs_not-a-key")" = 401 ] || fail "unknown key accepted"

ffmpeg -v error -f lavfi -i color=c=blue:s=800x600 -frames:v 1 "$work/first.png" || fail "ffmpeg"
"$bin" generate --server "$base" --key "$key" --model klingai:6@1 --prompt "a blue square drifts" \
  --image "$work/first.png" --duration 5 --width 1280 --height 720 -o "$work/out.mp4" >"$work/gen.log" 2>&1 \
  || { cat "$work/gen.log"; fail "generate"; }
probe=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$work/out.mp4")
[ "$probe" = "h264,1280,720" ] || fail "generated video is '$probe'"
grep -q "out.mp4" "$work/gen.log" || fail "generate did not report the file"

"$bin" generate --server "$base" --key "$key" --model klingai:kling-video@3-standard --prompt "x" \
  --width 1920 --height 1080 -o "$work/bad.mp4" >"$work/bad.log" 2>&1 && fail "invalid task accepted"
grep -q "klingai:kling-video@3-pro" "$work/bad.log" || fail "generate did not print the validation error"

"$bin" keys revoke "$id" --data "$work/data" >/dev/null || fail "revoke"
[ "$(ping "$key")" = 401 ] || fail "revoked key still accepted"
echo ok
