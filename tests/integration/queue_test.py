"""The queue against the real server and the preview engine: one key's flood does not hold another
key's task back (fair claims), the per-key limit answers 429 in each API's shape, and a full disk
delays tasks instead of failing them."""
import json
import os
import sqlite3
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from vidserve_harness import KEY_A, KEY_B, Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
SHIM = os.environ.get("VIDSERVE_ENOSPC_SHIM")


def image_task():
    """About the cheapest task there is: one preview still, acknowledged at once."""
    return {"taskType": "imageInference", "taskUUID": new_uuid(), "model": "klingai:kling-image@3",
            "positivePrompt": "a teapot", "width": 1024, "height": 1024, "outputFormat": "JPG",
            "deliveryMethod": "async"}


def video_task():
    return {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
            "positivePrompt": "a quiet harbour at dawn", "width": 720, "height": 1280, "duration": 3}


class Database:
    """Read-only view of the server's task table (WAL: reading never blocks the server)."""

    def __init__(self, data_dir):
        self.db = sqlite3.connect(f"file:{os.path.join(data_dir, 'vidserve.db')}?mode=ro", uri=True,
                                  check_same_thread=False)

    def started(self, owner_uuids):
        """How many of these tasks a worker has claimed (no longer queued)."""
        rows = self.db.execute("SELECT task_uuid, status FROM tasks").fetchall()
        return sum(1 for uuid, status in rows if uuid in owner_uuids and status != "queued")

    def status(self, task_uuid):
        row = self.db.execute("SELECT status FROM tasks WHERE task_uuid = ?", (task_uuid,)).fetchone()
        return row[0] if row else None


class FairnessTest(unittest.TestCase):
    WORKERS = 2
    FLOOD = 2000

    def test_a_flood_does_not_delay_another_keys_task_by_more_than_one_render(self):
        server = Server(BINARY, workers=self.WORKERS, extra_args=["--max-queued-per-key", "5000"]).start()
        try:
            flood = set()
            for _ in range(self.FLOOD // 100):
                tasks = [image_task() for _ in range(100)]
                status, body = server.post(tasks, key=KEY_A)
                self.assertEqual(status, 200, body)
                flood.update(t["taskUUID"] for t in tasks)
            db = Database(server.data_dir)
            deadline = time.time() + 60
            while db.started(flood) < self.WORKERS and time.time() < deadline:
                time.sleep(0.01)
            self.assertGreaterEqual(db.started(flood), self.WORKERS, "the workers never started on the flood")

            mine = image_task()
            status, body = server.post([mine], key=KEY_B)
            self.assertEqual(status, 200, body)
            submitted = time.time()
            before = db.started(flood)
            while db.status(mine["taskUUID"]) == "queued" and time.time() - submitted < 120:
                time.sleep(0.005)
            after = db.started(flood)
            print(f"\nkey B's task started {time.time() - submitted:.2f} s after its acknowledgement; "
                  f"key A's tasks claimed meanwhile: {after - before} (workers: {self.WORKERS})")
            self.assertNotEqual(db.status(mine["taskUUID"]), "queued", "key B's task never started")
            # With one shared FIFO, key B would wait for ~2000 renders here.
            self.assertLessEqual(after - before, self.WORKERS,
                                 f"{after - before} of key A's tasks were claimed before key B's one")
            status, body = server.poll(mine["taskUUID"], key=KEY_B, timeout=60)
            self.assertNotIn("errors", body, body)
            self.assertLess(db.started(flood), self.FLOOD // 2, "the flood was mostly rendered: nothing was tested")
        finally:
            server.stop()


class QueueLimitTest(unittest.TestCase):
    def test_each_api_answers_429_over_the_limit(self):
        # No workers: accepted tasks stay queued, so the count only grows.
        server = Server(BINARY, workers=0, extra_args=["--max-queued-per-key", "3"]).start()
        try:
            status, body = server.post([video_task(), video_task()], key=KEY_A)
            self.assertEqual(status, 200, body)
            over = [video_task(), video_task()]
            status, body = server.post(over, key=KEY_A)
            self.assertEqual(status, 200, body)  # one stored, one refused: partial success
            self.assertEqual([d["taskUUID"] for d in body["data"]], [over[0]["taskUUID"]])
            error = body["errors"][0]
            self.assertEqual((error["code"], error["taskUUID"]), ("tooManyQueuedTasks", over[1]["taskUUID"]))
            self.assertIn("3", error["message"])
            status, body = server.post([video_task()], key=KEY_A)
            self.assertEqual(status, 429, body)
            self.assertEqual(body["errors"][0]["code"], "tooManyQueuedTasks")
            status, body = server.post([video_task()], key=KEY_B)  # another key is not affected
            self.assertEqual(status, 200, body)

            status, body = self.request(server, "/v1/videos/text2video", {
                "model_name": "kling-v1-6", "prompt": "A red fox runs through snow", "duration": "5", "mode": "std"})
            self.assertEqual((status, body.get("code")), (429, 1303), body)
            status, body = self.request(server, "/v1/videos/generations", {
                "model": "kling-v2-6", "prompt": "A golden cat on a meadow", "mode": "std", "duration": 5,
                "aspect_ratio": "16:9"})
            self.assertEqual(status, 429, body)
            self.assertEqual(body["error"]["code"], "too_many_queued_tasks", body)
        finally:
            server.stop()

    def test_serve_flags_are_checked(self):
        for args, needle in ((["--retention", "5 weeks"], "--retention"), (["--max-queued-per-key", "-1"],
                                                                          "--max-queued-per-key")):
            run = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0"] + args, capture_output=True,
                                 text=True, timeout=30)
            self.assertNotEqual(run.returncode, 0, run)
            self.assertIn(needle, run.stderr + run.stdout)

    @staticmethod
    def request(server, path, body):
        req = urllib.request.Request(server.base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {KEY_A}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


@unittest.skipUnless(SHIM, "needs the enospc_shim library (not built with sanitizers)")
class DiskFullTest(unittest.TestCase):
    FAILING_WRITES = 4

    def test_tasks_wait_for_space_and_all_complete(self):
        server = Server(BINARY, workers=2)
        media = os.path.join(server.data_dir, "media")
        server.env.update({"LD_PRELOAD": SHIM, "VIDSERVE_ENOSPC_DIR": media + "/",
                           "VIDSERVE_ENOSPC_WRITES": str(self.FAILING_WRITES)})
        server.start()
        try:
            tasks = [image_task() for _ in range(4)] + [video_task() for _ in range(2)]
            status, body = server.post(tasks, key=KEY_A)
            self.assertEqual(status, 200, body)
            for t in tasks:
                status, body = server.poll(t["taskUUID"], timeout=240)
                self.assertNotIn("errors", body, body)
                self.assertEqual(body["data"][0]["status"], "success")
        finally:
            server.stop()
        log = server.proc.stderr.read()
        self.assertIn("disk full", log)
        with sqlite3.connect(os.path.join(server.data_dir, "vidserve.db")) as db:
            attempts = [a for (a,) in db.execute("SELECT attempts FROM tasks")]
        self.assertGreater(sum(attempts), len(tasks), "no task met the full disk: nothing was tested")


if __name__ == "__main__":
    unittest.main()
