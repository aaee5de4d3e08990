"""Scale-out on PostgreSQL + S3 (s3rver), on the real binary: 2 API nodes and 3 worker processes.

Tasks are submitted across both API nodes, over REST and over WebSocket. While they run, one
worker is killed with SIGKILL in the middle of a render, one API node is killed and started again
on the same port, and PostgreSQL itself is restarted. Every task must reach success exactly once
(one result set; each task's final webhook comes with one webhook-id), the bucket must hold
exactly the result objects (no orphans), and every result must download through either API node.

SCALEOUT_TASKS sets the number of tasks (100 here; bench/scaleout runs 500).
"""
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster, Postgres, S3, get_bytes, media_key, post, video_task, ws_submit  # noqa: E402

BINARY = os.environ["VIDSERVE_BIN"]
TASKS = int(os.environ.get("SCALEOUT_TASKS", "100"))
WS_SHARE = 0.3  # of the tasks go over WebSocket to node A


class Receiver:
    """Counts final webhooks by task and webhook-id (2xx to every call)."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.calls.append((self.headers.get("webhook-id"), json.loads(body or b"{}")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def ids_by_task(self):
        out = {}
        with self.lock:
            for webhook_id, body in self.calls:
                for item in body.get("data", [body]):
                    if item.get("taskUUID"):
                        out.setdefault(item["taskUUID"], set()).add(webhook_id)
        return out

    def close(self):
        self.server.shutdown()


class ScaleOutTest(unittest.TestCase):
    def setUp(self):
        self.pg = Postgres().start()
        self.s3 = S3().start()
        self.receiver = Receiver()
        # VIDSERVE_FETCH_ALLOW: the webhook receiver is on loopback, which the SSRF guard refuses.
        self.cluster = Cluster(BINARY, self.pg, self.s3, extra_env={"VIDSERVE_FETCH_ALLOW": "127.0.0.1"})

    def tearDown(self):
        self.cluster.stop()
        self.receiver.close()
        self.s3.stop()
        self.pg.stop()

    def submit_rest(self, nodes, tasks):
        for i, task in enumerate(tasks):
            status, body = post(nodes[i % len(nodes)].base, [task])
            self.assertEqual(status, 200, body)

    def wait_all(self, nodes, uuids, timeout):
        """Polls each task (alternating nodes) until it succeeded; returns {uuid: results}."""
        pending, results = set(uuids), {}
        deadline = time.time() + timeout
        turn = 0
        while pending and time.time() < deadline:
            for uuid in list(pending):
                turn += 1
                status, body = post(nodes[turn % len(nodes)].base, [{"taskType": "getResponse", "taskUUID": uuid}])
                items = body.get("data", []) if status == 200 else []
                if body.get("errors") and status == 200:
                    self.fail(f"task {uuid} failed: {body}")
                if items and all(i.get("status") == "success" for i in items):
                    results[uuid] = items
                    pending.discard(uuid)
            time.sleep(0.5)
        self.assertFalse(pending, f"{len(pending)} tasks not finished in {timeout}s")
        return results

    def psql(self, sql):
        out = subprocess.run(["psql", "-qAt", self.pg.url, "-c", sql], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout.strip()

    def wait_holding(self, worker, timeout=120):
        """The uuid of a task `worker` holds in processing (worker ids name the process id)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            held = self.psql(f"SELECT task_uuid FROM tasks WHERE status = 'processing' "
                             f"AND worker_id LIKE '%:pid{worker.proc.pid}-w%' LIMIT 1")
            if held:
                return held
            time.sleep(0.05)
        self.fail("the worker never held a task")

    def test_nodes_and_workers_die_postgres_restarts_nothing_lost_nothing_twice(self):
        node_a = self.cluster.add_node()
        node_b = self.cluster.add_node()
        workers = [self.cluster.add_worker() for _ in range(3)]
        tasks = [dict(video_task(i), webhookURL=self.receiver.url) for i in range(TASKS)]
        ws_count = int(TASKS * WS_SHARE)
        ws_tasks, rest_tasks = tasks[:ws_count], tasks[ws_count:]

        ws = ws_submit(node_a.base, ws_tasks)
        self.submit_rest([node_a, node_b], rest_tasks[: len(rest_tasks) // 2])

        # A worker dies in the middle of a render: once PostgreSQL shows it holding a task.
        victim = self.wait_holding(workers[0])
        workers[0].kill()
        # An API node dies and comes back on the same port; submissions go on meanwhile.
        node_b.kill()
        self.submit_rest([node_a], rest_tasks[len(rest_tasks) // 2:][:10])
        node_b.start()
        self.submit_rest([node_a, node_b], rest_tasks[len(rest_tasks) // 2:][10:])
        # PostgreSQL restarts under load: work pauses, then resumes.
        self.pg.restart()
        workers.append(self.cluster.add_worker())  # the killed one's replacement

        results = self.wait_all([node_a, node_b], [t["taskUUID"] for t in tasks], timeout=900)
        out, err = ws.communicate(timeout=900)
        summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        self.assertEqual(ws.returncode, 0, f"WebSocket client: {summary} {err[-2000:]}")
        self.assertEqual(set(summary["finished"]), {t["taskUUID"] for t in ws_tasks})
        self.assertEqual(set(summary["finished"].values()), {"success"})

        # The killed worker's task ran again (a second attempt) and still finished once.
        self.assertGreaterEqual(int(self.psql(f"SELECT attempts FROM tasks WHERE task_uuid = '{victim}'")), 2)

        # One result set per task, and the bucket holds exactly those objects.
        media = {}
        for uuid, items in results.items():
            self.assertEqual(len(items), 1, items)
            media[media_key(items[0]["videoURL"])] = items[0]["videoURL"]
        self.assertEqual(len(media), TASKS)
        objects = self.s3.objects()
        self.assertEqual(len(objects), TASKS, f"orphans or missing objects: {len(objects)} objects")
        self.assertEqual({media_key("/" + o) for o in objects}, set(media))

        # Every result downloads through either node (the URL names the node that answered).
        for i, (uuid, url) in enumerate(sorted(media.items())):
            path = url[url.index("/media/"):]
            sizes = set()
            for node in (node_a, node_b):
                status, data = get_bytes(node.base + path)
                self.assertEqual(status, 200, f"{uuid} through {node.base}")
                sizes.add(len(data))
            self.assertEqual(len(sizes), 1)
            self.assertGreater(sizes.pop(), 1000)

        # Each task finished once: its final webhook has one webhook-id, however often it came.
        deadline = time.time() + 120
        while time.time() < deadline and len(self.receiver.ids_by_task()) < TASKS:
            time.sleep(0.5)
        ids = self.receiver.ids_by_task()
        self.assertEqual(set(ids), {t["taskUUID"] for t in tasks})
        twice = {u: i for u, i in ids.items() if len(i) != 1}
        self.assertFalse(twice, f"tasks with more than one final webhook: {twice}")


if __name__ == "__main__":
    unittest.main()
