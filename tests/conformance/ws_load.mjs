// 200 concurrent WebSocket connections, each authenticating, submitting videoInference tasks and
// pinging, while the preview engine renders: every ping must be answered within 1 s.
// Usage: node ws_load.mjs <base url> <api key>
// Knobs: WS_LOAD_CONNECTIONS (200), WS_LOAD_SECONDS (15), WS_LOAD_PING_MS (500), WS_LOAD_TASKS (2 per
// connection), WS_LOAD_LIMIT_MS (1000).
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const [base, apiKey] = process.argv.slice(2);
const url = base.replace(/^http:/, 'ws:') + '/v1';
const connections = Number(process.env.WS_LOAD_CONNECTIONS ?? 200);
const seconds = Number(process.env.WS_LOAD_SECONDS ?? 15);
const pingEvery = Number(process.env.WS_LOAD_PING_MS ?? 500);
const tasksEach = Number(process.env.WS_LOAD_TASKS ?? 2);
const limitMs = Number(process.env.WS_LOAD_LIMIT_MS ?? 1000);

const rtts = [];
let acks = 0;
let unanswered = 0;
let errors = 0;
let submitted = 0;

async function open() {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const pending = [];  // send times of pings not answered yet, in order
  let authed;
  const authenticated = new Promise((r) => { authed = r; });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    for (const item of frame.data ?? []) {
      if (item.taskType === 'ping' && item.pong === true) rtts.push(performance.now() - pending.shift());
      else if (item.taskType === 'authentication') authed();
      else if (item.taskType === 'videoInference' && item.status === undefined) acks++;
    }
    if (frame.errors) errors++;
  });
  ws.on('error', () => errors++);
  ws.send(JSON.stringify([{ taskType: 'authentication', apiKey }]));
  await authenticated;
  return { ws, pending };
}

const clients = [];
for (let i = 0; i < connections; i += 20) {
  clients.push(...(await Promise.all(Array.from({ length: Math.min(20, connections - i) }, open))));
}
console.log(`${clients.length} connections authenticated`);

// Bounded loop: a fixed number of rounds; in each, every connection pings, and in the first
// rounds it also submits a task, so renders run for the whole window.
const rounds = Math.round((seconds * 1000) / pingEvery);
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  for (const [i, c] of clients.entries()) {
    c.pending.push(performance.now());
    c.ws.send(JSON.stringify([{ taskType: 'ping', ping: true }]));
    if (round < tasksEach) {
      submitted++;
      c.ws.send(JSON.stringify([{ taskType: 'videoInference', taskUUID: crypto.randomUUID(),
        model: 'klingai:kling-video@3-standard', positivePrompt: `load ${i}.${round}`, width: 1280, height: 720, duration: 3 }]));
    }
  }
  await new Promise((r) => setTimeout(r, Math.max(0, pingEvery - (performance.now() - started))));
}
await new Promise((r) => setTimeout(r, limitMs));
for (const c of clients) { unanswered += c.pending.length; c.ws.terminate(); }

rtts.sort((a, b) => a - b);
const pct = (p) => rtts[Math.min(rtts.length - 1, Math.floor((p / 100) * rtts.length))].toFixed(1);
console.log(`pings: ${rtts.length} answered, ${unanswered} unanswered; rtt p50 ${pct(50)} ms, p99 ${pct(99)} ms, ` +
            `max ${rtts.at(-1).toFixed(1)} ms; ${acks} tasks acknowledged; ${errors} error frames`);
assert.equal(unanswered, 0, 'every ping answered');
assert.equal(rtts.length, rounds * clients.length);
assert.ok(rtts.at(-1) < limitMs, `slowest pong ${rtts.at(-1).toFixed(1)} ms (limit ${limitMs} ms)`);
assert.equal(acks, submitted, 'every task acknowledged');
assert.equal(errors, 0);
console.log('ok');
process.exit(0);
