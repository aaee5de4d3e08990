// The Runware WebSocket protocol driven with a raw client (npm `ws`): authentication rules,
// pushed results and progress, and session resume with connectionSessionUUID.
// Usage: node ws_protocol.mjs <base url> <api key>   (VIDSERVE_KEY_B: a second key)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [base, keyA] = process.argv.slice(2);
const keyB = process.env.VIDSERVE_KEY_B;
const url = base.replace(/^http:/, 'ws:') + '/v1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A connection that records every frame it receives.
async function connect() {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    frames.push(frame);
    for (const w of [...waiters]) if (w.test(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  // The first frame from index `from` on that passes `test`.
  const next = (test, ms = 30000, from = 0) => {
    const seen = frames.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { test, resolve };
      waiters.push(w);
      setTimeout(() => reject(new Error('no matching frame in ' + ms + ' ms')), ms).unref();
    });
  };
  const send = (tasks) => ws.send(JSON.stringify(tasks));
  const close = () => new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
  return { ws, frames, next, send, close };
}

const items = (frame) => [...(frame.data ?? []), ...(frame.errors ?? [])];
const about = (uuid) => (frame) => items(frame).some((i) => i.taskUUID === uuid);
const isResult = (uuid) => (frame) => items(frame).some((i) => i.taskUUID === uuid && i.status && i.status !== 'processing');

async function authenticate(c, apiKey, connectionSessionUUID) {
  const from = c.frames.length;
  c.send([{ taskType: 'authentication', apiKey, ...(connectionSessionUUID ? { connectionSessionUUID } : {}) }]);
  const reply = await c.next((f) => items(f).some((i) => i.taskType === 'authentication'), 30000, from);
  return reply;
}

function video(extra = {}) {
  return { taskType: 'videoInference', taskUUID: crypto.randomUUID(), model: 'klingai:kling-video@3-standard',
           positivePrompt: 'A paper boat on a pond', width: 1280, height: 720, duration: 3, ...extra };
}

// 1. Tasks before authentication get the auth error with their taskUUID; the socket stays open.
{
  const c = await connect();
  const early = video();
  c.send([early]);
  const refused = await c.next(about(early.taskUUID));
  assert.equal(refused.errors[0].code, 'missingApiKey');
  c.send([{ taskType: 'ping', ping: true }]);
  const pong = await c.next((f) => f.data?.[0]?.taskType === 'ping');
  assert.equal(pong.data[0].pong, true);
  const bad = await authenticate(c, 'not-a-key');
  assert.equal(bad.errors[0].code, 'invalidApiKey');
  assert.equal(bad.errors[0].taskUUID, undefined);
  const good = await authenticate(c, keyA);
  assert.ok(good.data[0].connectionSessionUUID);
  assert.equal(good.data[0].taskUUID, undefined);
  assert.equal(c.ws.readyState, WebSocket.OPEN);
  await c.close();
  console.log('before authentication: missingApiKey, pong, invalidApiKey; socket kept open');
}

// 2. Results are pushed, one frame per result, after the acknowledgement; progress in between.
{
  const c = await connect();
  await authenticate(c, keyA);
  const task = video({ numberResults: 2, duration: 5 });
  c.send([task]);
  const successes = () => c.frames.filter((f) => f.data?.some((i) => i.taskUUID === task.taskUUID && i.status === 'success'));
  for (let i = 0; i < 600 && successes().length < 2; i++) await sleep(100);
  const mine = c.frames.filter(about(task.taskUUID));
  const ackAt = mine.findIndex((f) => f.data?.[0] && !f.data[0].status);
  assert.equal(ackAt, 0, 'the acknowledgement comes first');
  const results = mine.filter((f) => f.data?.[0]?.status === 'success');
  assert.equal(results.length, 2, 'two result frames');
  for (const f of results) assert.equal(f.data.length, 1);
  assert.notEqual(results[0].data[0].videoUUID, results[1].data[0].videoUUID);
  const progress = mine.filter((f) => f.data?.[0]?.status === 'processing').map((f) => f.data[0].progress);
  assert.ok(progress.length >= 1, 'progress was pushed');
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], 'progress never goes back');
  assert.ok(progress.every((p) => Number.isInteger(p) && p >= 0 && p < 100));
  assert.ok(mine.indexOf(results[0]) > mine.findIndex((f) => f.data?.[0]?.status === 'processing'));
  // getResponse over the socket answers in one frame with both items.
  c.send([{ taskType: 'getResponse', taskUUID: task.taskUUID }]);
  await sleep(300);
  const polled = c.frames.filter(about(task.taskUUID)).at(-1);
  assert.equal(polled.data.length, 2);
  await c.close();
  console.log(`pushed: ack, ${progress.length} progress frames (${progress.join(' ')}), 2 result frames`);
}

// 3. Resume: results that finished while away arrive once, on reconnection with the session uuid
//    and the same key; another key presenting that uuid gets a new session and nothing.
{
  const first = await connect();
  const session = (await authenticate(first, keyA)).data[0].connectionSessionUUID;
  const task = video();
  first.send([task]);
  await first.next(about(task.taskUUID));  // the acknowledgement
  await first.close();
  // Wait until it finished, polling over REST.
  for (let i = 0; i < 120; i++) {
    const res = await fetch(`${base}/v1`, { method: 'POST', headers: { Authorization: `Bearer ${keyA}` },
      body: JSON.stringify([{ taskType: 'getResponse', taskUUID: task.taskUUID }]) });
    const body = await res.json();
    if (body.data?.[0]?.status === 'success') break;
    await sleep(250);
  }
  const stranger = await connect();
  const other = (await authenticate(stranger, keyB, session)).data[0].connectionSessionUUID;
  assert.notEqual(other, session, 'another key gets a session of its own');
  await sleep(1000);
  assert.equal(stranger.frames.filter(about(task.taskUUID)).length, 0, 'another key hears nothing');
  await stranger.close();

  const back = await connect();
  const resumed = (await authenticate(back, keyA, session)).data[0].connectionSessionUUID;
  assert.equal(resumed, session);
  const result = await back.next(isResult(task.taskUUID), 5000);
  assert.equal(result.data[0].status, 'success');
  await sleep(1000);
  assert.equal(back.frames.filter(about(task.taskUUID)).length, 1, 'delivered exactly once');
  await back.close();

  const again = await connect();
  await authenticate(again, keyA, session);
  await sleep(1000);
  assert.equal(again.frames.filter(about(task.taskUUID)).length, 0, 'not delivered a second time');
  await again.close();
  console.log('resume: delivered once to the same key, nothing to another key or a second time');
}
// 4. Authenticating again with the same key keeps the session: results still come to this socket.
//    Eight messages without a valid key close the connection.
{
  const c = await connect();
  const session = (await authenticate(c, keyA)).data[0].connectionSessionUUID;
  const task = video();
  c.send([task]);
  await c.next(about(task.taskUUID));
  assert.equal((await authenticate(c, keyA)).data[0].connectionSessionUUID, session);
  const result = await c.next(isResult(task.taskUUID), 60000);
  assert.equal(result.data[0].status, 'success');
  await c.close();

  const stranger = await connect();
  const closed = new Promise((resolve) => stranger.ws.once('close', resolve));
  for (let i = 0; i < 8; i++) stranger.send([video()]);
  assert.equal(await Promise.race([closed, sleep(5000).then(() => 'open')]), 1001);
  assert.equal(stranger.frames.filter((f) => f.errors?.[0]?.code === 'missingApiKey').length, 8);
  console.log('re-authentication keeps the session; 8 unauthenticated messages close the socket');
}

// 5. A message over the body limit (10 MiB by default) closes the connection: with the close
//    frame 1009 when the client reads it, or a reset (1006) when the client was still sending the
//    rest of the message as the server closed; either way the server logs why.
{
  const c = await connect();
  await authenticate(c, keyA);
  const code = new Promise((resolve) => c.ws.once('close', resolve));
  c.ws.on('error', () => {});
  c.send([video({ positivePrompt: 'x'.repeat(11 * 1024 * 1024) })]);
  const closed = await code;
  assert.ok([1009, 1006].includes(closed), `closed with ${closed}`);
  await sleep(200);
  assert.ok(readFileSync(process.env.VIDSERVE_LOG, 'utf8').includes('message over the limit; closed with 1009'));
  console.log(`message over the body limit: closed (${closed}), logged`);
}
console.log('ok');
process.exit(0);
