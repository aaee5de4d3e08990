"""Cancel in each API on the real binary: Runware DELETE /v1/tasks/{taskUUID}, APIMart
POST /v1/tasks/{id}/cancel, Kling native POST /v1/videos/{product}/{task_id}/cancel.

With the preview engine and one worker: a task cancelled while queued never runs; a running
render stops within a second (its scratch file goes) and leaves no media behind (no file, no
media row); the task reads back as cancelled; cancelling twice answers the same; another key's
task is not found; a finished task cannot be cancelled. With the kling engine against
tests/mock_kling: once cancelled, the task is polled no more."""
import json
import os
import sqlite3
import time
import unittest
import urllib.error
import urllib.request

from vidserve_harness import KEY_A, KEY_B, MockKling, Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
SCALE = 3 if os.environ.get("VIDSERVE_SANITIZED") else 1
OUT_AK, OUT_SK = "ak-outbound", "sk-outbound-secret"

LONG = {  # renders for tens of seconds with the preview engine
    "runware": {"model": "klingai:kling-video@3-pro", "positivePrompt": "a long pan over the sea",
                "duration": 10, "width": 1920, "height": 1080},
    "kling": {"model_name": "kling-v2-6", "prompt": "a long pan over the sea", "mode": "pro", "duration": "10",
              "aspect_ratio": "16:9"},
    "apimart": {"model": "kling-v2-6", "prompt": "a long pan over the sea", "mode": "pro", "duration": 10,
                "aspect_ratio": "16:9"},
}
SHORT = {
    "runware": {"model": "klingai:3@1", "positivePrompt": "a short clip", "duration": 5, "width": 1280,
                "height": 720},
    "kling": {"model_name": "kling-v1-6", "prompt": "a short clip", "duration": "5", "aspect_ratio": "16:9"},
    "apimart": {"model": "kling-v2-6", "prompt": "a short clip", "duration": 5, "aspect_ratio": "16:9"},
}


def call(method, url, body=None, key=KEY_A):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Api:
    """One front-end: submit a task, read its status as that API shows it, cancel it."""

    def __init__(self, name, server):
        self.name, self.server, self.base = name, server, server.base

    def submit(self, body):
        if self.name == "runware":
            uuid = new_uuid()
            status, reply = self.server.post([dict(body, taskType="videoInference", taskUUID=uuid)])
            assert status == 200 and reply["data"][0]["taskUUID"] == uuid, reply
            return uuid
        if self.name == "kling":
            status, reply = call("POST", self.base + "/v1/videos/text2video", body)
            assert status == 200 and reply["code"] == 0, reply
            return reply["data"]["task_id"]
        status, reply = call("POST", self.base + "/v1/videos/generations", body)
        assert status == 200, reply
        return reply["data"][0]["task_id"]

    def uuid(self, task_id):
        return task_id[len("task_"):] if self.name == "apimart" else task_id

    def cancel(self, task_id, key=KEY_A):
        if self.name == "runware":
            return call("DELETE", f"{self.base}/v1/tasks/{task_id}", key=key)
        if self.name == "kling":
            return call("POST", f"{self.base}/v1/videos/text2video/{task_id}/cancel", key=key)
        return call("POST", f"{self.base}/v1/tasks/{task_id}/cancel", key=key)

    def shown_cancelled(self, task_id):
        """Reads the task back; True when this API shows it as cancelled."""
        if self.name == "runware":
            _, body = self.server.post([{"taskType": "getResponse", "taskUUID": task_id}])
            errors = body.get("errors", [])
            return bool(errors) and errors[0]["code"] == "taskCancelled"
        if self.name == "kling":
            _, body = call("GET", f"{self.base}/v1/videos/text2video/{task_id}")
            task = body["data"]
            return task["task_status"] == "failed" and task["task_status_msg"] == "the task was cancelled"
        _, body = call("GET", f"{self.base}/v1/tasks/{task_id}")
        return body["data"]["status"] == "cancelled"

    def check_cancel_reply(self, test, status, body, task_id):
        test.assertEqual(status, 200, body)
        if self.name == "runware":
            test.assertEqual(body["data"][0]["taskUUID"], task_id)
            test.assertEqual(body["data"][0]["status"], "cancelled")
        elif self.name == "kling":
            test.assertEqual(body["code"], 0, body)
            test.assertEqual(body["data"]["task_id"], task_id)
            test.assertEqual(body["data"]["task_status"], "failed")
            test.assertEqual(body["data"]["task_status_msg"], "the task was cancelled")
        else:
            test.assertEqual(body["data"]["id"], task_id)
            test.assertEqual(body["data"]["status"], "cancelled")

    def error_code(self, body):
        """The error code as this API puts it in an error reply."""
        if self.name == "runware":
            return body["errors"][0]["code"]
        return body["code"] if self.name == "kling" else body["error"]["code"]

    def check_not_found(self, test, status, body):
        test.assertEqual(status, 404, body)
        test.assertEqual(self.error_code(body), {"runware": "taskNotFound", "kling": 1203,
                                                 "apimart": "task_not_found"}[self.name])

    def check_finished(self, test, status, body):
        test.assertEqual(status, 409, body)
        test.assertEqual(self.error_code(body), {"runware": "taskNotCancellable", "kling": 1200,
                                                 "apimart": "task_not_cancellable"}[self.name])
        test.assertIn("cannot be cancelled", json.dumps(body))


class Store:
    """Reads the server's SQLite file (WAL: safe while it runs)."""

    def __init__(self, data_dir):
        self.data_dir = data_dir

    def task(self, uuid):
        with sqlite3.connect(os.path.join(self.data_dir, "vidserve.db")) as db:
            return db.execute("SELECT status, progress, attempts FROM tasks WHERE task_uuid = ?", (uuid,)).fetchone()

    def media_rows(self, uuid):
        with sqlite3.connect(os.path.join(self.data_dir, "vidserve.db")) as db:
            return db.execute("SELECT media_uuid FROM media WHERE task_uuid = ?", (uuid,)).fetchall()

    def result_media(self, uuid):
        with sqlite3.connect(os.path.join(self.data_dir, "vidserve.db")) as db:
            return [r[0] for r in db.execute("SELECT media_uuid FROM task_results WHERE task_uuid = ?", (uuid,))]

    def scratch_files(self):
        return [f for f in self.media_files() if f.startswith(".tmp-")]

    def media_files(self):
        return sorted(os.listdir(os.path.join(self.data_dir, "media")))


def wait_for(test, what, condition, timeout):
    deadline = time.time() + timeout
    while not condition():
        test.assertLess(time.time(), deadline, f"timed out waiting for {what}")
        time.sleep(0.02)


class EachApi:
    """One test per API, each running the subclass's scenario."""

    def test_runware(self):
        self.scenario("runware")

    def test_kling_native(self):
        self.scenario("kling")

    def test_apimart(self):
        self.scenario("apimart")


class PreviewCancelTest(EachApi, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, workers=1).start()
        cls.store = Store(cls.server.data_dir)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def scenario(self, name):
        api, store = Api(name, self.server), self.store
        running = api.submit(LONG[name])
        wait_for(self, "the long render to start",
                 lambda: (store.task(api.uuid(running)) or ("", 0))[1] > 0 and store.scratch_files(), 60 * SCALE)
        queued = api.submit(SHORT[name])
        self.assertEqual(store.task(api.uuid(queued))[0], "queued")

        # Queued: cancelled, never claimed.
        status, body = api.cancel(queued)
        api.check_cancel_reply(self, status, body, queued)
        self.assertTrue(api.shown_cancelled(queued))

        # Running: the render stops within a second, its scratch file goes, no media stays.
        status, body = api.cancel(running)
        cancelled_at = time.time()
        api.check_cancel_reply(self, status, body, running)
        wait_for(self, "the render to stop", lambda: not store.scratch_files(), 10 * SCALE)
        self.assertLess(time.time() - cancelled_at, 1.0 * SCALE + 0.5, "the render went on after the cancel")
        self.assertEqual(store.media_rows(api.uuid(running)), [])
        files = " ".join(store.media_files())
        for media_uuid in store.result_media(api.uuid(running)):
            self.assertNotIn(media_uuid, files)
        self.assertTrue(api.shown_cancelled(running))
        self.assertEqual(store.task(api.uuid(running))[0], "cancelled")

        # Twice is fine; another key's task is not found (and stays as it is).
        status, body = api.cancel(running)
        api.check_cancel_reply(self, status, body, running)
        status, body = api.cancel(running, key=KEY_B)
        api.check_not_found(self, status, body)

        # The queued one never ran, even once the worker was free.
        finished = api.submit(SHORT[name])
        wait_for(self, "a short task to finish", lambda: store.task(api.uuid(finished))[0] == "success", 120 * SCALE)
        self.assertEqual(store.task(api.uuid(queued))[2], 0)
        status, body = api.cancel(finished)
        api.check_finished(self, status, body)
        self.assertEqual(store.task(api.uuid(finished))[0], "success")


class KlingEngineCancelTest(EachApi, unittest.TestCase):
    POLL = "GET videos/text2video/id"

    @classmethod
    def setUpClass(cls):
        cls.mock = MockKling(OUT_AK, OUT_SK, delay=120)  # never finishes during the test
        env = {"VIDSERVE_ENGINE_ROUTES": "klingai:*=kling", "VIDSERVE_KLING_BASE_URL": cls.mock.base,
               "VIDSERVE_KLING_ACCESS_KEY": OUT_AK, "VIDSERVE_KLING_SECRET_KEY": OUT_SK,
               "VIDSERVE_KLING_POLL_MS": "200", "VIDSERVE_KLING_POLL_MAX_MS": "300",
               "VIDSERVE_FETCH_ALLOW": "127.0.0.0/8"}
        cls.server = Server(BINARY, workers=1, env=env).start()
        cls.store = Store(cls.server.data_dir)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    def polls(self):
        with urllib.request.urlopen(self.mock.base + "/_mock/stats", timeout=10) as resp:
            return json.loads(resp.read())["calls"].get(self.POLL, 0)

    def scenario(self, name):
        api = Api(name, self.server)
        before = self.polls()
        task_id = api.submit(SHORT[name])
        wait_for(self, "Kling to be polled", lambda: self.polls() >= before + 2, 30 * SCALE)
        status, body = api.cancel(task_id)
        api.check_cancel_reply(self, status, body, task_id)
        time.sleep(1.0 * SCALE)  # the worker notices within a second; a poll in flight may finish
        after_cancel = self.polls()
        time.sleep(2.0)  # several poll intervals
        self.assertEqual(self.polls(), after_cancel, "the kling engine kept polling a cancelled task")
        self.assertTrue(api.shown_cancelled(task_id))
        self.assertEqual(self.store.task(api.uuid(task_id))[0], "cancelled")


if __name__ == "__main__":
    unittest.main(verbosity=2)
