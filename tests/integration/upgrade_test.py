"""Upgrade: a database written by the previous release (schema 6, requests stored as Runware JSON)
starts, resumes its queued task and serves its finished one unchanged."""
import json
import os
import sqlite3
import tempfile
import time
import unittest

from vidserve_harness import Server, ffprobe, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]


def video_task(prompt, width, height):
    return {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
            "positivePrompt": prompt, "width": width, "height": height, "duration": 3}


def as_previous_release(db_path, finished, finished_seed, queued, owner):
    """Turns the database back into what the previous release wrote: schema 6 without the
    request_version column (7), the webhook columns and outbox (8) nor the per-key limits (9), and each request the Runware
    task with the seed added."""
    now = int(time.time() * 1000)
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TABLE webhook_outbox")
        db.execute("ALTER TABLE tasks DROP COLUMN webhook_url")
        db.execute("ALTER TABLE tasks DROP COLUMN webhook_events")
        db.execute("ALTER TABLE api_keys DROP COLUMN webhook_secret")
        db.execute("DROP INDEX tasks_by_request_version")
        db.execute("ALTER TABLE tasks DROP COLUMN request_version")
        db.execute("UPDATE tasks SET request = ? WHERE client_uuid = ?",
                   (json.dumps(dict(finished, seed=finished_seed)), finished["taskUUID"]))
        db.execute("INSERT INTO tasks (task_uuid, owner, task_type, model, request, status, created_ms, updated_ms, "
                   "api, external_id, client_uuid) VALUES (?, ?, 'videoInference', ?, ?, 'queued', ?, ?, 'runware', '', ?)",
                   (queued["taskUUID"], owner, queued["model"], json.dumps(dict(queued, seed=77)), now, now,
                    queued["taskUUID"]))
        db.execute("INSERT INTO task_results (task_uuid, idx, media_uuid, status, payload) "
                   "VALUES (?, 0, ?, 'processing', '')", (queued["taskUUID"], new_uuid()))
        # The per-key limits migration (api_keys columns, spend tables) came later too.
        db.execute("DROP TABLE owner_spend")
        db.execute("DROP TABLE spend_charges")
        for column in ("rate_per_s", "rate_burst", "spend_cap_micros"):
            db.execute(f"ALTER TABLE api_keys DROP COLUMN {column}")
        db.execute("PRAGMA user_version = 6")


class UpgradeTest(unittest.TestCase):
    def test_previous_schema_starts_resumes_and_serves(self):
        data_dir = tempfile.mkdtemp(prefix="vidserve-upgrade-")
        db_path = os.path.join(data_dir, "vidserve.db")
        finished = video_task("finished before the upgrade", 1280, 720)
        # Its webhook (a refused address: given up at once) survives the upgrade.
        queued = dict(video_task("queued before the upgrade", 960, 960), webhookURL="http://127.0.0.1:9/hook")
        server = Server(BINARY, data_dir=data_dir, workers=1).start()
        try:
            self.assertEqual(server.post([finished])[0], 200)
            _, before = server.poll(finished["taskUUID"])
            before_json = json.dumps(before["data"]).replace(server.base, "BASE")
        finally:
            server.stop()
        with sqlite3.connect(db_path) as db:
            owner, stored = db.execute("SELECT owner, request FROM tasks WHERE client_uuid = ?",
                                       (finished["taskUUID"],)).fetchone()
            columns = [row[1] for row in db.execute("PRAGMA table_info(task_results)")]
        self.assertEqual(columns[:5], ["task_uuid", "idx", "media_uuid", "status", "payload"])
        seed = json.loads(stored)["request"]["options"]["seed"]
        as_previous_release(db_path, finished, seed, queued, owner)

        server = Server(BINARY, data_dir=data_dir, workers=1).start()
        try:
            status, after = server.poll(finished["taskUUID"])
            self.assertEqual(status, 200, after)
            # The same items; only the server's port differs.
            self.assertEqual(json.dumps(after["data"]).replace(server.base, "BASE"), before_json)
            status, resumed = server.poll(queued["taskUUID"])
            self.assertEqual(status, 200, resumed)
            item = resumed["data"][0]
            self.assertEqual(item["seed"], 77)
            _, _, video = server.get(item["videoURL"])
            path = os.path.join(data_dir, "resumed.mp4")
            with open(path, "wb") as f:
                f.write(video)
            stream = ffprobe(path)["streams"][0]
            self.assertEqual((stream["width"], stream["height"]), (960, 960))
        finally:
            server.stop()
        log = server.proc.stderr.read()
        self.assertIn("converted 2 stored task(s)", log)
        with sqlite3.connect(db_path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 9)  # every later migration ran
            self.assertEqual(db.execute("SELECT count(*) FROM owner_spend").fetchone()[0], 0)
            self.assertEqual(db.execute("SELECT webhook_url, webhook_events FROM tasks WHERE client_uuid = ?",
                                        (queued["taskUUID"],)).fetchone(), ("http://127.0.0.1:9/hook", 4))
            self.assertEqual(db.execute("SELECT event FROM webhook_outbox WHERE task_uuid = ?",
                                        (queued["taskUUID"],)).fetchall(), [("final",)])
            rows = db.execute("SELECT request_version, request FROM tasks").fetchall()
        self.assertEqual(len(rows), 2)
        for version, request in rows:
            self.assertEqual(version, 1)
            self.assertEqual(json.loads(request)["taskSpec"], 1)


if __name__ == "__main__":
    unittest.main()
