// A client that sends requests but never reads the replies is disconnected, and the server's
// memory stays bounded (its outgoing queue per connection is capped).
// Usage: node ws_slow_reader.mjs <base url> <api key>   (VIDSERVE_PID, VIDSERVE_LOG from run_conformance.sh)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [base, apiKey] = process.argv.slice(2);
const pid = process.env.VIDSERVE_PID;
const log = process.env.VIDSERVE_LOG;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const memory = (field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]) * 1024;
const mib = (bytes) => (bytes / 1048576).toFixed(1);

const ws = new WebSocket(base.replace(/^http:/, 'ws:') + '/v1', { perMessageDeflate: false });
await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
ws.send(JSON.stringify([{ taskType: 'authentication', apiKey }]));
await new Promise((resolve) => ws.once('message', resolve));
const before = memory('VmRSS');
ws.on('error', () => {});  // the reset the client gets when it writes after the drop

// Stop reading: the server's writes stall once the socket buffers are full.
ws._socket.pause();
// 1000 messages of 100 modelSearch tasks: ~5.5 KB of reply per task, ~550 MB in all if the
// server kept every reply. Sent in slices so this client's own buffers stay small.
const message = JSON.stringify(Array.from({ length: 100 }, () => ({ taskType: 'modelSearch', taskUUID: crypto.randomUUID() })));
let sent = 0;
let dropped = false;
for (let i = 0; i < 1000 && !dropped; i++) {
  ws.send(message);
  sent++;
  if (i % 20 === 19) {
    await sleep(20);
    dropped = readFileSync(log, 'utf8').includes('dropped: the peer does not read');
  }
}
for (let i = 0; i < 300 && !dropped; i++) {  // up to 30 s: the write timeout is 15 s
  await sleep(100);
  dropped = readFileSync(log, 'utf8').includes('dropped: the peer does not read');
}
const peak = memory('VmHWM');
console.log(`sent ${sent} messages; server RSS before ${mib(before)} MiB, peak ${mib(peak)} MiB; dropped: ${dropped}`);
assert.ok(dropped, 'the server dropped the connection and logged why');
// The queue limit is 64 MiB; allow the socket buffers and the allocator's slack on top.
assert.ok(peak - before < 160 * 1048576, `peak RSS grew by ${mib(peak - before)} MiB`);
// The client sees the connection end (when it writes, or when it reads again).
ws._socket.resume();
for (let i = 0; i < 100 && ws.readyState !== WebSocket.CLOSED; i++) await sleep(100);
assert.equal(ws.readyState, WebSocket.CLOSED, 'the connection was closed');
// The server still answers.
const res = await fetch(`${base}/health`);
assert.equal(res.status, 200);
console.log('ok');
process.exit(0);
