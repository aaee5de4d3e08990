"""The preview engine uses its inputs, checked the way a user would, with ffprobe and ffmpeg on the
results of the real server: lip-sync mixes the supplied audio (soundVolume) with the video's own
sound (originalAudioVolume), measured as energy at the two sine frequencies; avatar lasts as long as
its audio and carries it; video edit and video-to-video show the input video's frames (mean colour
of a solid-colour input) and keep its sound only with keepOriginalSound; a portrait first frame on a
landscape request is letterboxed, with black bars and a note in the result item; a phone's portrait
video (landscape frames with a display matrix) comes out upright, as the ffmpeg CLI shows it."""
import base64
import math
import os
import struct
import subprocess
import tempfile
import unittest

from vidserve_harness import Server, ffprobe, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
VIDEO_HZ, AUDIO_HZ = 440, 1000  # the input video's own sound; the supplied audio
VIDEO_RGB = (48, 112, 192)      # the input video's solid colour
VIDEO_S, AUDIO_S = 3.0, 2.5
PCM_RATE = 16000


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw).stdout


def data_uri(path, mime):
    with open(path, "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode()


def goertzel_power(samples, rate, hz):
    """Power of one frequency in the samples (the Goertzel algorithm), normalised by length."""
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / max(1, len(samples)) ** 2


def pcm(path):
    """The first audio stream as mono 16 kHz samples in -1..1."""
    raw = run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", str(PCM_RATE),
               "-f", "s16le", "-"])
    return [v / 32768 for v in struct.unpack(f"<{len(raw) // 2}h", raw)]


def frame_rgb(path, at_s, width, height):
    raw = run(["ffmpeg", "-v", "error", "-ss", str(at_s), "-i", path, "-frames:v", "1", "-f", "rawvideo",
               "-pix_fmt", "rgb24", "-"])
    assert len(raw) == width * height * 3, (len(raw), width, height)
    return raw


def mean_rgb(raw, width, box):
    """Mean colour of box = (x0, y0, x1, y1) in a packed RGB24 frame."""
    x0, y0, x1, y1 = box
    sums, n = [0, 0, 0], 0
    for y in range(y0, y1, 2):
        row = raw[(y * width + x0) * 3:(y * width + x1) * 3]
        for c in range(3):
            sums[c] += sum(row[c::3][::2])
        n += len(row[0::3][::2])
    return [s / n for s in sums]


class PreviewInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vidserve-preview-inputs-")
        colour = "0x%02x%02x%02x" % VIDEO_RGB
        video = os.path.join(cls.tmp, "solid.mp4")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={colour}:s=1280x720:r=25",
             "-f", "lavfi", "-i", f"sine=frequency={VIDEO_HZ}:sample_rate=48000", "-t", str(VIDEO_S),
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", video])
        audio = os.path.join(cls.tmp, "voice.wav")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={AUDIO_HZ}:sample_rate=16000",
             "-t", str(AUDIO_S), audio])
        image = os.path.join(cls.tmp, "face.png")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0xc08040:s=480x640", "-frames:v", "1", image])
        portrait = os.path.join(cls.tmp, "portrait.png")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x30c060:s=360x640", "-frames:v", "1",
             portrait])
        halves, turned = os.path.join(cls.tmp, "halves.mp4"), os.path.join(cls.tmp, "turned.mp4")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=480x540:r=25", "-f", "lavfi", "-i",
             "color=c=blue:s=480x540:r=25", "-f", "lavfi", "-i", f"sine=frequency={VIDEO_HZ}:sample_rate=48000",
             "-filter_complex", "[0][1]hstack[v]", "-map", "[v]", "-map", "2", "-t", "2", "-c:v", "libx264",
             "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", halves])
        # Left half red, right half blue, with a display matrix: the ffmpeg CLI shows it 540x960, blue on top.
        run(["ffmpeg", "-v", "error", "-y", "-i", halves, "-c", "copy", "-metadata:s:v:0", "rotate=90", turned])
        cls.rotated = data_uri(turned, "video/mp4")
        cls.video = data_uri(video, "video/mp4")
        cls.audio = data_uri(audio, "audio/wav")
        cls.image = data_uri(image, "image/png")
        cls.portrait = data_uri(portrait, "image/png")
        cls.server = Server(BINARY, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def render(self, task):
        """Runs one videoInference task; returns its result item and the video's path."""
        task = dict(task, taskType="videoInference", taskUUID=new_uuid(), deliveryMethod="async")
        status, body = self.server.post([task])
        self.assertEqual(status, 200, body)
        _, body = self.server.poll(task["taskUUID"], timeout=120)
        self.assertNotIn("errors", body, body)
        item = body["data"][0]
        status, _, data = self.server.get(item["videoURL"])
        self.assertEqual(status, 200)
        path = os.path.join(self.tmp, task["taskUUID"] + ".mp4")
        with open(path, "wb") as f:
            f.write(data)
        return item, path

    def streams(self, path):
        info = ffprobe(path)
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
        return info, video, audio

    def lip_sync(self, sound_volume, original_volume):
        item, path = self.render({"model": "klingai:7@1", "inputs": {"video": self.video, "audio": self.audio},
                                  "providerSettings": {"klingai": {"soundVolume": sound_volume,
                                                                   "originalAudioVolume": original_volume}}})
        samples = pcm(path)[:int(2 * PCM_RATE)]  # both sines sound for the first 2 s
        return path, goertzel_power(samples, PCM_RATE, AUDIO_HZ), goertzel_power(samples, PCM_RATE, VIDEO_HZ)

    def assert_shows_input_video(self, path, width, height):
        raw = frame_rgb(path, 1.5, width, height)
        # The centre band, clear of the caption (bottom), the badge and label (top) and the bar.
        got = mean_rgb(raw, width, (width // 4, height * 3 // 10, width * 3 // 4, height // 2))
        for c in range(3):
            self.assertLess(abs(got[c] - VIDEO_RGB[c]), 12, f"mean colour {got} vs the input's {VIDEO_RGB}")

    def test_lip_sync_plays_the_supplied_audio_at_sound_volume(self):
        path, supplied, original = self.lip_sync(1, 0)
        self.assertGreater(supplied, 100 * original, (supplied, original))
        info, video, audio = self.streams(path)
        self.assertEqual(len(audio), 1)
        self.assertAlmostEqual(float(video["duration"]), VIDEO_S, delta=1 / 25 + 1e-6)
        self.assertEqual(video["r_frame_rate"], "25/1")  # the input's frame rate
        self.assertEqual((video["width"], video["height"]), (1280, 720))
        self.assert_shows_input_video(path, 1280, 720)
        self.assertEqual(info["format"]["tags"].get("encoder_engine"), "vidserve-preview")

    def test_lip_sync_plays_the_original_audio_at_original_audio_volume(self):
        _, supplied, original = self.lip_sync(0, 1)
        self.assertGreater(original, 100 * supplied, (supplied, original))

    def test_a_rotated_phone_video_comes_out_upright(self):
        _, path = self.render({"model": "klingai:7@1", "inputs": {"video": self.rotated, "audio": self.audio}})
        _, video, _ = self.streams(path)
        self.assertEqual((video["width"], video["height"]), (540, 960))
        raw = frame_rgb(path, 1, 540, 960)
        top = mean_rgb(raw, 540, (100, 250, 440, 400))  # as the ffmpeg CLI turns it: the right half on top
        bottom = mean_rgb(raw, 540, (100, 560, 440, 700))
        self.assertGreater(top[2], 200, top)
        self.assertLess(top[0], 40, top)
        self.assertGreater(bottom[0], 200, bottom)
        self.assertLess(bottom[2], 40, bottom)

    def test_avatar_lasts_as_long_as_its_audio_and_carries_it(self):
        _, path = self.render({"model": "klingai:avatar@2.0-standard",
                               "inputs": {"image": self.image, "audio": self.audio}})
        _, video, audio = self.streams(path)
        self.assertEqual(len(audio), 1)
        self.assertAlmostEqual(float(video["duration"]), AUDIO_S, delta=1 / 24 + 1e-6)
        samples = pcm(path)
        self.assertGreater(goertzel_power(samples, PCM_RATE, AUDIO_HZ), 100 * goertzel_power(samples, PCM_RATE, 700))
        self.assertEqual((video["width"], video["height"]), (480, 640))

    def test_video_edit_shows_the_input_and_keeps_its_sound(self):
        _, path = self.render({"model": "klingai:kling@o1-standard", "positivePrompt": "make it snow",
                               "inputs": {"video": self.video},
                               "providerSettings": {"klingai": {"keepOriginalSound": True}}})
        _, video, audio = self.streams(path)
        self.assertEqual(len(audio), 1)
        self.assertAlmostEqual(float(video["duration"]), VIDEO_S, delta=1 / 24 + 1e-6)
        samples = pcm(path)
        self.assertGreater(goertzel_power(samples, PCM_RATE, VIDEO_HZ), 100 * goertzel_power(samples, PCM_RATE, AUDIO_HZ))
        self.assert_shows_input_video(path, video["width"], video["height"])

    def test_video_to_video_without_keep_original_sound_is_silent(self):
        _, path = self.render({"model": "klingai:kling-video@o3-standard", "positivePrompt": "make it snow",
                               "inputs": {"video": self.video},
                               "providerSettings": {"klingai": {"keepOriginalSound": False}}})
        _, video, audio = self.streams(path)
        self.assertEqual(audio, [])
        self.assert_shows_input_video(path, video["width"], video["height"])

    def test_a_portrait_first_frame_is_letterboxed_with_a_note(self):
        item, path = self.render({"model": "klingai:kling@o1-standard", "duration": 5, "width": 1280, "height": 720,
                                  "positivePrompt": "a slow pan",
                                  "inputs": {"frameImages": [{"image": self.portrait, "frame": "first"}]}})
        self.assertEqual(item.get("notes"), ["the first frame (360x640) was letterboxed into 1280x720"])
        raw = frame_rgb(path, 0, 1280, 720)
        # Fitted whole: 405x720 in the middle, black bars left and right.
        bar = mean_rgb(raw, 1280, (40, 250, 400, 450))
        inside = mean_rgb(raw, 1280, (560, 250, 720, 450))
        self.assertLess(max(bar), 24, bar)
        self.assertGreater(inside[1], 150, inside)


if __name__ == "__main__":
    unittest.main()
