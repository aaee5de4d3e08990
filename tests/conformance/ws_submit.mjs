// Submits tasks over one WebSocket connection and waits for each task's final push.
// Usage: node ws_submit.mjs <base url> <api key> <tasks.json> [timeout seconds]
// Prints one JSON line: {"acked": [uuid...], "finished": {uuid: status}, "finishedAt": {uuid: s},
// "errors": [...]}. It sends no ping tasks: the server's own WebSocket pings keep it connected.
// Exits 0 when every task was acknowledged and got its final push, 1 otherwise.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [base, apiKey, tasksFile, timeoutArg] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(tasksFile, 'utf8'));
const timeoutMs = Number(timeoutArg ?? 300) * 1000;
const url = base.replace(/^http:/, 'ws:') + '/v1';

const acked = new Set();
const finished = {};
const finishedAt = {};  // seconds since start, for a failure's message
const errors = [];
const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
const ws = new WebSocket(url, { perMessageDeflate: false });
let done;
const allDone = new Promise((r) => { done = r; });
const check = () => {
  if (tasks.every((t) => acked.has(t.taskUUID) && finished[t.taskUUID])) done();
};

ws.on('message', (data) => {
  const frame = JSON.parse(data.toString());
  for (const item of frame.data ?? []) {
    if (item.taskType === 'authentication') {
      for (let i = 0; i < tasks.length; i += 10) ws.send(JSON.stringify(tasks.slice(i, i + 10)));
      continue;
    }
    if (!item.taskUUID) continue;
    if (item.status === undefined || item.status === 'processing') acked.add(item.taskUUID);
    if (item.status === 'success' || item.status === 'error') {
      acked.add(item.taskUUID);
      finished[item.taskUUID] = item.status;
      finishedAt[item.taskUUID] = elapsed();
    }
  }
  for (const e of frame.errors ?? []) errors.push(e);
  check();
});
ws.on('error', (e) => { errors.push({ message: String(e) }); done(); });
ws.on('close', (code, reason) => {
  if (!tasks.every((t) => finished[t.taskUUID])) {
    errors.push({ message: `closed by the server at ${elapsed()} s: ${code} ${reason}` });
  }
  done();
});
ws.on('open', () => ws.send(JSON.stringify([{ taskType: 'authentication', apiKey }])));

const timer = setTimeout(done, timeoutMs);
await allDone;
clearTimeout(timer);
ws.close();
console.log(JSON.stringify({ acked: [...acked], finished, finishedAt, errors }));
process.exit(tasks.every((t) => acked.has(t.taskUUID) && finished[t.taskUUID]) ? 0 : 1);
