#!/usr/bin/env python3
"""Render benchmark client (python3 stdlib only); bench/render/run.sh starts vidserve and calls it.

For each case, --reps times in alternation: vidserve renders it (Runware API, POST /v1 then
getResponse), and the ffmpeg CLI does the same work with vidserve's x264 threading (2 slice
threads, mbtree off: the goal line); once more with ffmpeg's defaults (for information).
vidserve's time is the server's own: the growth of vidserve_render_duration_seconds_sum{engine=
"preview"} on /metrics over the task (the engine's render call; the client's polling is not in
it). ffmpeg's time is the wall time of the process. The same size, frame rate, duration, audio and
CRF as vidserve's result (read back with ffprobe and from its x264 settings string) are given to
ffmpeg. Prints one table per case, the ratio lines, and the server's peak RSS (VmHWM).
Exit status 0 whether the goals are met or not; 1 when something failed to run.
"""
import argparse
import functools
import http.server
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
PROMPT = "a red fox runs through fresh snow at dawn, low sun, long shadows"
MATCHED = ["-threads", "2", "-x264-params", "sliced-threads=1:mbtree=0"]
# The lip-sync inputs: a busy 1080p30 picture with a 440 Hz tone, and a 660 Hz voice track.
INPUT_SECONDS = 10


class BenchError(Exception):
    pass


def run(args, **kw):
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise BenchError(f"{args[0]} failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return done.stdout


class Vidserve:
    def __init__(self, base, key, pid):
        self.base, self.key, self.pid = base, key, pid

    def post(self, tasks):
        req = urllib.request.Request(self.base + "/v1", data=json.dumps(tasks).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def render_sum(self):
        with urllib.request.urlopen(self.base + "/metrics", timeout=30) as resp:
            text = resp.read().decode()
        total, count = 0.0, 0
        for m in re.finditer(r'^vidserve_render_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$', text, re.M):
            if 'engine="preview"' in m.group(2):
                if m.group(1) == "sum":
                    total += float(m.group(3))
                else:
                    count += int(float(m.group(3)))
        return total, count

    def peak_rss_mb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        raise BenchError("no VmHWM in /proc/PID/status")

    def cpu_seconds(self):
        """User + system CPU time of the server process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def render(self, task, timeout=300):
        """Runs one task to success; returns (server render seconds, server CPU seconds over the
        task, result item)."""
        sum0, count0 = self.render_sum()
        cpu0 = self.cpu_seconds()
        task = dict(task, taskType="videoInference", taskUUID=str(uuid.uuid4()))
        ack = self.post([task])
        if ack.get("errors"):
            raise BenchError(f"vidserve refused the task: {ack['errors']}")
        deadline = time.monotonic() + timeout
        while True:
            body = self.post([{"taskType": "getResponse", "taskUUID": task["taskUUID"]}])
            if body.get("errors"):
                raise BenchError(f"vidserve task failed: {body['errors']}")
            items = body.get("data", [])
            if items and all(i.get("status") == "success" for i in items):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"vidserve task {task['taskUUID']} not done in {timeout} s")
            time.sleep(0.05)
        cpu1 = self.cpu_seconds()
        sum1, count1 = self.render_sum()
        if count1 - count0 != 1:
            raise BenchError(f"expected one preview render on /metrics, saw {count1 - count0}")
        return sum1 - sum0, cpu1 - cpu0, items[0]


def probe(path):
    out = json.loads(run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          "-show_format", path]))
    video = next(s for s in out["streams"] if s["codec_type"] == "video")
    audio = next((s for s in out["streams"] if s["codec_type"] == "audio"), None)
    num, den = (int(x) for x in video["r_frame_rate"].split("/"))
    return {"width": video["width"], "height": video["height"], "fps": num / den,
            "frames": int(video.get("nb_frames", 0)), "duration": float(out["format"]["duration"]),
            "audio_rate": int(audio["sample_rate"]) if audio else None}


def x264_crf(path):
    """The CRF vidserve's x264 used, from the settings string x264 writes into the stream."""
    with open(path, "rb") as f:
        m = re.search(rb"x264 - core .{0,2000}? crf=([0-9.]+)", f.read(1 << 20), re.S)
    if not m:
        raise BenchError(f"no x264 settings string (crf=) in {path}")
    return float(m.group(1))


def layout(width, height):
    """vidserve's caption layout (src/media/text_overlay.cpp layout_for), for the same text sizes."""
    base = min(width, height)
    return {"margin": max(4, base // 40), "badge": max(12, base // 16), "small": max(8, base // 40),
            "prompt": max(10, base // 26)}


def drawtext_chain(work, width, height, label, prompt):
    """The five captions vidserve draws (badge, subtitle, label, timecode, prompt) as drawtext
    filters reading their text from files (no filtergraph escaping of the text needed)."""
    L = layout(width, height)
    m = L["margin"]
    items = [("PREVIEW", L["badge"], m, m, "0xC62828@0.85", True, False),
             ("vidserve preview engine - not model output", L["small"], m, m + L["badge"] + L["badge"] // 2,
              "black@0.5", False, False),
             (label, L["small"], f"w-tw-{m}", m, "black@0.5", False, False),
             ("%{pts:hms}  frame %{n}", L["small"], f"w-tw-{m}", m + 2 * L["small"], "black@0.5", False, True)]
    if prompt:
        items.append((prompt, L["prompt"], m, f"h-th-{2 * m}", "black@0.55", False, False))
    filters = []
    for i, (text, size, x, y, box, bold, expand) in enumerate(items):
        path = os.path.join(work, f"text{i}.txt")
        with open(path, "w") as f:
            f.write(text)
        font = os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        filters.append(f"drawtext=fontfile={font}:textfile={path}:expansion={'normal' if expand else 'none'}"
                       f":fontsize={size}:fontcolor=white:line_spacing={size // 4}:x={x}:y={y}"
                       f":box=1:boxcolor={box}:boxborderw={size // 4}")
    return ",".join(filters)


def encode_args(out, crf, fps, seconds, audio_rate, threading_args):
    args = ["-c:v", "libx264", "-preset", "veryfast", "-crf", f"{crf:g}", "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-g", str(2 * round(fps)), "-r", f"{fps:g}", "-t", f"{seconds:g}"]
    args += threading_args
    if audio_rate:
        args += ["-c:a", "aac", "-b:a", "128k", "-ar", str(audio_rate), "-ac", "2"]
    return args + ["-movflags", "+faststart", "-y", out]


def ffmpeg_t2v(work, result, crf, label, threading_args):
    """A moving three-colour gradient (lavfi `gradients`) with the same captions, encoded."""
    w, h, fps, seconds = result["width"], result["height"], result["fps"], result["duration"]
    source = f"gradients=s={w}x{h}:r={fps:g}:d={seconds:g}:n=3:speed=0.01:seed=1"
    args = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", source]
    if result["audio_rate"]:
        args += ["-f", "lavfi", "-i", f"sine=f=220:r={result['audio_rate']}:d={seconds:g}"]
    args += ["-vf", "format=yuv420p," + drawtext_chain(work, w, h, label, PROMPT)]
    return args + encode_args(os.path.join(work, "ffmpeg.mp4"), crf, fps, seconds, result["audio_rate"],
                              threading_args)


def ffmpeg_lipsync(work, result, crf, label, inputs, threading_args):
    """Decode the 1080p input, scale it to vidserve's output size, captions; mix the video's audio
    with the voice track (amix); encode."""
    w, h, fps, seconds = result["width"], result["height"], result["fps"], result["duration"]
    graph = (f"[0:v]scale={w}:{h},format=yuv420p,{drawtext_chain(work, w, h, label, '')}[v];"
             f"[0:a][1:a]amix=inputs=2:duration=first:normalize=0[a]")
    args = ["ffmpeg", "-v", "error", "-nostdin", "-i", inputs["video"], "-i", inputs["audio"],
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]"]
    return args + encode_args(os.path.join(work, "ffmpeg.mp4"), crf, fps, seconds,
                              result["audio_rate"] or 48000, threading_args)


def timed(args):
    """Wall seconds and CPU seconds (user + system) of one ffmpeg run."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    run(args)
    wall = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)


def make_inputs(work):
    video = os.path.join(work, "input-1080p30.mp4")
    audio = os.path.join(work, "voice.wav")
    run(["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={INPUT_SECONDS}",
         "-f", "lavfi", "-i", f"sine=f=440:r=48000:d={INPUT_SECONDS}", "-c:v", "libx264", "-preset", "ultrafast",
         "-crf", "26", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", "-y", video])
    run(["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", f"sine=f=660:r=48000:d={INPUT_SECONDS}",
         "-ac", "2", "-y", audio])
    return {"video": video, "audio": audio}


def serve_files(directory):
    """A loopback HTTP server for the lip-sync inputs (vidserve fetches them like any URL)."""
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def frame_similarity(a, b, at):
    """SSIM of the frames at `at` seconds of two videos, both scaled to 320x180 (1 = same picture)."""
    out = subprocess.run(["ffmpeg", "-v", "info", "-nostdin", "-ss", f"{at:g}", "-i", a, "-ss", f"{at:g}", "-i", b,
                          "-filter_complex", "[0:v]scale=320:180,format=yuv420p[x];[1:v]scale=320:180,format=yuv420p[y];"
                          "[x][y]ssim", "-frames:v", "1", "-f", "null", "-"], capture_output=True, text=True)
    m = re.search(r"SSIM .*All:([0-9.]+)", out.stderr)
    return float(m.group(1)) if m else 0.0


def download(url, path):
    with urllib.request.urlopen(url, timeout=60) as resp, open(path, "wb") as f:
        f.write(resp.read())
    return path


def cases(inputs, input_base):
    t2v = lambda model, w, h, seconds: {"model": model, "positivePrompt": PROMPT, "width": w, "height": h,
                                        "duration": seconds}
    return {
        "t2v720": {"title": "5 s 720p30 text-to-video (klingai:3@1)", "task": t2v("klingai:3@1", 1280, 720, 5),
                   "ffmpeg": ffmpeg_t2v, "note": ""},
        # Every model that renders 1920x1080 has a fixed catalog frame rate of 24 fps (fps=30 is
        # refused), so the 1080p case runs at 24 fps, the closest.
        "t2v1080": {"title": "10 s 1080p24 text-to-video (klingai:3@2)", "task": t2v("klingai:3@2", 1920, 1080, 10),
                    "ffmpeg": ffmpeg_t2v,
                    "note": "no model renders 1080p at 30 fps (every 1080p model's catalog fps is 24): run at 24 fps"},
        "lipsync": {"title": "10 s lip-sync, 1080p30 input video with audio + audio input (klingai:7@1)",
                    "task": {"model": "klingai:7@1",
                             "inputs": {"video": f"{input_base}/{os.path.basename(inputs['video'])}",
                                        "audio": f"{input_base}/{os.path.basename(inputs['audio'])}"},
                             "providerSettings": {"klingai": {"soundVolume": 1, "originalAudioVolume": 1}}},
                    "ffmpeg": functools.partial(ffmpeg_lipsync, inputs=inputs), "note": ""},
    }


def fmt_s(values):
    return f"{statistics.median(values):7.2f} s" + (f"  ({min(values):.2f}..{max(values):.2f})" if len(values) > 1 else "")


def run_case(vs, name, case, args):
    print(f"\n== {case['title']}", flush=True)
    if case["note"]:
        print(f"   note: {case['note']}")
    times = {"vidserve": [], "ffmpeg matched": [], "ffmpeg default": []}
    cpu = {side: [] for side in times}
    result = crf = label = None
    for rep in range(args.reps):
        seconds, cpu_s, item = vs.render(case["task"])
        times["vidserve"].append(seconds)
        cpu["vidserve"].append(cpu_s)
        if result is None:
            path = download(item["videoURL"], os.path.join(args.work, f"vidserve-{name}.mp4"))
            result, crf = probe(path), x264_crf(path)
            label = f"{case['task']['model']}  seed {item.get('seed', 0)}"
            case["result_path"] = path
            print(f"   vidserve's result: {result['width']}x{result['height']} {result['fps']:g} fps, "
                  f"{result['duration']:.2f} s, {result['frames']} frames, "
                  f"{'audio ' + str(result['audio_rate']) + ' Hz' if result['audio_rate'] else 'no audio'}, crf {crf:g}")
        sides = [("ffmpeg matched", MATCHED)] + ([("ffmpeg default", [])] if rep == 0 else [])
        for side, threading_args in sides:  # ffmpeg's defaults once: information only
            wall, cpu_s = timed(case["ffmpeg"](args.work, result, crf, label, threading_args=threading_args))
            times[side].append(wall)
            cpu[side].append(cpu_s)
    return times, cpu, result


def report(vs, name, case, times, cpu, result, args, dump, inputs):
    vs_t = statistics.median(times["vidserve"])
    ff_t = statistics.median(times["ffmpeg matched"])
    ffd_t = statistics.median(times["ffmpeg default"])
    mark = ""
    if name == "lipsync":
        sim = frame_similarity(case["result_path"], inputs["video"], min(5.0, result["duration"] / 2))
        # Unrelated pictures (vidserve's own gradient vs the input's test pattern) score ~0.5;
        # the input under captions scores > 0.9.
        print(f"   frame SSIM of vidserve's result vs the input video: {sim:.2f}")
        if sim < 0.8:
            mark = ("  [MARK: this vidserve does not show the input video (SSIM < 0.8): its time is its own "
                    "preview render, not decode+compose+mix]")
    for side, title in (("vidserve", "vidserve render (server-side)"),
                        ("ffmpeg matched", "ffmpeg, 2 slice threads, mbtree=0"),
                        ("ffmpeg default", "ffmpeg, default threading")):
        print(f"   {title:34s} {fmt_s(times[side]):28s} CPU {statistics.median(cpu[side]):6.2f} s")
    met = vs_t <= args.goal_ratio * ff_t
    print(f"   ratio {vs_t / ff_t:.2f} vs ffmpeg with matched threading (goal <= {args.goal_ratio:g}): "
          f"{'met' if met else 'missed'}{mark}")
    print(f"   ratio {vs_t / ffd_t:.2f} vs ffmpeg with its default threading (information)")
    print(f"   CPU time ratio {statistics.median(cpu['vidserve']) / statistics.median(cpu['ffmpeg matched']):.2f} "
          "vs ffmpeg with matched threading (information: less sensitive to other load than wall time)")
    print(f"   server peak RSS so far {vs.peak_rss_mb():.0f} MB")
    dump[name] = {"times": times, "cpu": cpu, "result": result, "ratio": vs_t / ff_t, "ratio_default": vs_t / ffd_t,
                  "goal_met": met, "marked": bool(mark)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vidserve", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--cases", default="t2v720,t2v1080,lipsync")
    p.add_argument("--goal-ratio", type=float, default=1.2)
    p.add_argument("--goal-rss-mb", type=float, default=300)
    p.add_argument("--dump")
    args = p.parse_args()
    vs = Vidserve(args.vidserve, args.key, args.pid)
    wanted = [c for c in args.cases.split(",") if c]
    started = time.monotonic()
    load0 = os.getloadavg()
    inputs_dir = os.path.join(args.work, "inputs")
    os.makedirs(inputs_dir, exist_ok=True)
    inputs = make_inputs(inputs_dir) if "lipsync" in wanted else {"video": "", "audio": ""}
    server, input_base = serve_files(inputs_dir)
    all_cases = cases(inputs, input_base)
    unknown = [c for c in wanted if c not in all_cases]
    if unknown:
        raise BenchError(f"unknown case(s) {unknown}; known: {', '.join(all_cases)}")
    print(f"render bench: {os.cpu_count()} CPUs, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
          f"at the start; {args.reps} repetitions per case and side, medians (min..max)")
    dump = {}
    try:
        for name in wanted:
            times, cpu, result = run_case(vs, name, all_cases[name], args)
            report(vs, name, all_cases[name], times, cpu, result, args, dump, inputs)
    finally:
        server.shutdown()
    rss = vs.peak_rss_mb()
    load1 = os.getloadavg()
    print(f"\nserver peak RSS (VmHWM): {rss:.0f} MB (goal <= {args.goal_rss_mb:g} MB): "
          f"{'met' if rss <= args.goal_rss_mb else 'missed'}")
    print(f"load average at the end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; "
          f"run took {time.monotonic() - started:.0f} s")
    if args.dump:
        dump["peak_rss_mb"] = rss
        dump["load"] = [load0, load1]
        with open(args.dump, "w") as f:
            json.dump(dump, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"render bench failed: {e}", file=sys.stderr)
        sys.exit(1)
