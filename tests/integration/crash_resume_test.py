"""Durability: 20 tasks queued, the server killed with SIGKILL mid-way, restarted on the same data
directory. Every task reaches success, and none is rendered twice."""
import os
import sqlite3
import time
import unittest

from vidserve_harness import Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
TASKS = 20


def task(i):
    return {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
            "positivePrompt": f"crash test clip number {i}", "width": 720, "height": 1280, "duration": 3}


class CrashResumeTest(unittest.TestCase):
    def test_a_second_server_on_the_same_data_directory_is_refused(self):
        # It would requeue the live server's tasks and delete its scratch files; it stops first.
        server = Server(BINARY, workers=1).start()
        try:
            with self.assertRaises(RuntimeError) as refused:
                Server(BINARY, data_dir=server.data_dir, workers=1).start()
            self.assertIn("another vidserve process uses the data directory", str(refused.exception))
            t = task(0)
            status, body = server.post([t])
            self.assertEqual(status, 200, body)
            _, result = server.poll(t["taskUUID"])
            self.assertEqual(result["data"][0]["status"], "success", result)
        finally:
            server.stop()
        # The lock goes with the process: a server killed with SIGKILL leaves the directory usable.
        again = Server(BINARY, data_dir=server.data_dir, workers=1).start()
        again.kill()
        Server(BINARY, data_dir=server.data_dir, workers=1).start().stop()

    def test_sigkill_loses_nothing_and_repeats_nothing(self):
        server = Server(BINARY, workers=1).start()
        data_dir = server.data_dir
        tasks = [task(i) for i in range(TASKS)]
        status, body = server.post(tasks)
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["data"]), TASKS)

        # Let a few finish, then kill the server while it is rendering.
        done_before = set()
        deadline = time.time() + 120
        while len(done_before) < 3 and time.time() < deadline:
            for t in tasks:
                _, r = server.post([{"taskType": "getResponse", "taskUUID": t["taskUUID"]}])
                if r.get("data") and r["data"][0]["status"] == "success":
                    done_before.add(t["taskUUID"])
            time.sleep(0.2)
        server.kill()
        self.assertGreaterEqual(len(done_before), 3)
        self.assertLess(len(done_before), TASKS, "all tasks finished before the kill; nothing was tested")

        with sqlite3.connect(os.path.join(data_dir, "vidserve.db")) as db:
            before = dict(db.execute("SELECT task_uuid, status FROM tasks").fetchall())
        self.assertEqual(len(before), TASKS, "every acknowledged task must be in the store")

        restarted = Server(BINARY, data_dir=data_dir, workers=1).start()
        try:
            videos = {}
            for t in tasks:
                status, r = restarted.poll(t["taskUUID"], timeout=300)
                self.assertNotIn("errors", r, r)
                videos[t["taskUUID"]] = r["data"][0]["videoUUID"]
        finally:
            restarted.stop()

        with sqlite3.connect(os.path.join(data_dir, "vidserve.db")) as db:
            rows = db.execute("SELECT task_uuid, status, attempts FROM tasks").fetchall()
        self.assertEqual(len(rows), TASKS)
        for task_uuid, status, attempts in rows:
            self.assertEqual(status, "success")
            if task_uuid in done_before:
                self.assertEqual(attempts, 1, "a task finished before the kill was run again")
            else:
                self.assertLessEqual(attempts, 2)
        media = os.listdir(os.path.join(data_dir, "media"))
        self.assertEqual(sorted(media), sorted(v + ".mp4" for v in videos.values()),
                         "exactly one video per task, no duplicates, no leftover scratch files")


if __name__ == "__main__":
    unittest.main(verbosity=2)
