// WebSocket vs REST on one vidserve, one run, loopback. See bench/websocket/README.md.
//   node ws_vs_rest.mjs --base http://127.0.0.1:PORT [--results-base http://127.0.0.1:PORT2]
//     [--key benchkey] [--conns 8] [--inflight 4] [--tasks 2000] [--warmup 100] [--pings 4000]
//     [--results 400] [--result-inflight 16] [--poll-ms 100] [--dump file.json]
// Exits non-zero when a request fails or a reply is not what the protocol says.
import http from 'node:http';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
let WebSocket;
try {
  WebSocket = require('ws');  // bench/websocket/node_modules (npm ci)
} catch {
  WebSocket = require('../../tests/conformance/node_modules/ws');
}

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string' },
    'results-base': { type: 'string', default: '' },
    key: { type: 'string', default: 'benchkey' },
    conns: { type: 'string', default: '8' },
    inflight: { type: 'string', default: '4' },
    tasks: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '100' },
    pings: { type: 'string', default: '4000' },
    results: { type: 'string', default: '400' },
    'result-inflight': { type: 'string', default: '16' },
    'poll-ms': { type: 'string', default: '100' },
    dump: { type: 'string', default: '' },
    'server-pid': { type: 'string', default: '' },          // for the server's CPU time (Linux /proc)
    'results-server-pid': { type: 'string', default: '' },
    'clk-tck': { type: 'string', default: '100' },
  },
});
if (!opt.base) throw new Error('--base is required');
const C = +opt.conns, K = +opt.inflight, N = +opt.tasks, W = +opt.warmup, P = +opt.pings;
const M = opt['results-base'] ? +opt.results : 0, RK = +opt['result-inflight'], pollMs = +opt['poll-ms'];
const key = opt.key;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function video() {
  return { taskType: 'videoInference', taskUUID: crypto.randomUUID(), model: 'klingai:kling-video@3-standard',
           positivePrompt: 'bench', width: 1280, height: 720, duration: 3 };
}
function image() {
  return { taskType: 'imageInference', taskUUID: crypto.randomUUID(), model: 'klingai:kling-image@3',
           positivePrompt: 'bench', width: 1360, height: 768, deliveryMethod: 'async' };
}
const PING = [{ taskType: 'ping', ping: true }];

// ---- REST: POST /v1 on a keep-alive agent with at most C sockets (requests beyond C wait in the agent).
function restClient(base) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const post = (body) => new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request({ host: url.hostname, port: url.port, path: '/v1', method: 'POST', agent,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json',
                 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`REST ${res.statusCode}: ${text.slice(0, 300)}`));
        try { resolve(JSON.parse(text)); } catch (e) { reject(new Error(`REST: not JSON: ${text.slice(0, 300)}`)); }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
  return {
    agent,
    async submit(task) {
      const r = await post([task]);
      const item = r.data?.[0];
      if (!item || item.taskUUID !== task.taskUUID || item.taskType !== task.taskType || r.errors)
        throw new Error(`REST: unexpected ack ${JSON.stringify(r).slice(0, 300)}`);
    },
    async ping() {
      const r = await post(PING);
      if (r.data?.[0]?.pong !== true) throw new Error(`REST: unexpected pong ${JSON.stringify(r).slice(0, 300)}`);
    },
    async poll(uuid) {  // -> the item with a final status, or null while processing
      const r = await post([{ taskType: 'getResponse', taskUUID: uuid }]);
      if (r.errors?.length) throw new Error(`REST: getResponse error ${JSON.stringify(r.errors).slice(0, 300)}`);
      const item = r.data?.find((i) => i.taskUUID === uuid && i.status && i.status !== 'processing');
      if (item && item.status !== 'success') throw new Error(`REST: task ${item.status}: ${JSON.stringify(item)}`);
      return item ?? null;
    },
  };
}

// ---- WebSocket: one authenticated connection; acks and results matched by taskUUID, pongs in order.
async function wsConnect(base, stats) {
  const ws = new WebSocket(base.replace(/^http:/, 'ws:') + '/v1', { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const acks = new Map(), results = new Map(), pongs = [];
  let auth = null, failure = null;
  const fail = (e) => {
    failure = e;
    for (const m of [acks, results]) { for (const w of m.values()) w.reject(e); m.clear(); }
    for (const w of pongs.splice(0)) w.reject(e);
    if (auth) auth.reject(e);
  };
  ws.on('message', (data) => {
    let frame;
    try { frame = JSON.parse(data.toString()); } catch { return fail(new Error('WS: frame is not JSON')); }
    for (const e of frame.errors ?? []) {
      const w = acks.get(e.taskUUID) ?? results.get(e.taskUUID);
      if (w) { acks.delete(e.taskUUID); results.delete(e.taskUUID); w.reject(new Error(`WS error ${JSON.stringify(e)}`)); }
      else return fail(new Error(`WS error ${JSON.stringify(e)}`));
    }
    for (const item of frame.data ?? []) {
      if (item.taskType === 'authentication') { auth?.resolve(item); auth = null; continue; }
      if (item.taskType === 'ping') { if (item.pong === true) pongs.shift()?.resolve(); continue; }
      if (!('status' in item)) {  // the acknowledgement
        const w = acks.get(item.taskUUID);
        if (w) { acks.delete(item.taskUUID); w.resolve(); } else stats.stray++;
      } else if (item.status === 'processing') {
        stats.progress++;
      } else {
        const w = results.get(item.taskUUID);
        if (!w) { stats.stray++; continue; }
        results.delete(item.taskUUID);
        if (item.status === 'success') w.resolve(item);
        else w.reject(new Error(`WS: task ${item.status}: ${JSON.stringify(item)}`));
      }
    }
  });
  ws.on('close', (code) => fail(new Error(`WS closed (${code})`)));
  ws.on('error', (e) => fail(e));
  const wait = (map, uuid) => new Promise((resolve, reject) => {
    if (failure) return reject(failure);
    map.set(uuid, { resolve, reject });
  });
  const authed = await new Promise((resolve, reject) => {
    auth = { resolve, reject };
    ws.send(JSON.stringify([{ taskType: 'authentication', apiKey: key }]));
  });
  if (!authed.connectionSessionUUID) throw new Error('WS: no connectionSessionUUID');
  return {
    ws,
    async submit(task) {
      const ack = wait(acks, task.taskUUID);
      ws.send(JSON.stringify([task]));
      await ack;
    },
    // Registers for the result before sending; resolves when the pushed result arrives.
    async submitForResult(task) {
      const result = wait(results, task.taskUUID);
      result.catch(() => {});
      await this.submit(task);
      return result;
    },
    ping() {
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        pongs.push({ resolve, reject });
        ws.send(JSON.stringify(PING));
      });
    },
    close() {
      ws.removeAllListeners('close');
      return new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
    },
  };
}

// CPU time (ms) a process has used so far, from /proc/PID/stat; NaN when not available.
function serverCpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((+f[11]) + (+f[12])) * 1000 / +opt['clk-tck'];  // utime, stime (fields 14, 15)
  } catch { return NaN; }
}
let serverPid = opt['server-pid'];

// `lanes` concurrent loops share `count` operations; op(lane) is timed from call to resolution.
// Also the CPU time the client (this process) and the server used meanwhile.
async function runLanes(lanes, count, op) {
  let issued = 0;
  const lat = [];
  const cpu0 = process.cpuUsage(), srv0 = serverCpuMs(serverPid);
  const t0 = now();
  await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
    while (issued < count) {
      issued++;
      const t = now();
      await op(lane);
      lat.push(now() - t);
    }
  }));
  const wallMs = now() - t0, cpu = process.cpuUsage(cpu0);
  return { lat, wallMs, count, clientCpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs: serverCpuMs(serverPid) - srv0 };
}

// A-B-B-A: two halves per transport, the first half REST then WS, the second WS then REST, so
// that a trend in the machine's load over the run weighs on both sides alike.
async function abba(count, ops) {
  const half = Math.floor(count / 2);
  const segs = { rest: [], ws: [] };
  for (const [name, n] of [['rest', half], ['ws', half], ['ws', count - half], ['rest', count - half]]) {
    if (n > 0) segs[name].push(await runLanes(ops.lanes, n, ops[name]));
  }
  return segs;
}

function summarize(segs) {
  const lat = segs.flatMap((s) => s.lat).sort((a, b) => a - b);
  const wall = segs.reduce((a, s) => a + s.wallMs, 0);
  const q = (p) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))];
  const sum = (k) => segs.reduce((a, s) => a + s[k], 0);
  return { n: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1), mean: lat.reduce((a, b) => a + b, 0) / lat.length,
           perSecond: lat.length / (wall / 1000), wallMs: wall, segmentsMs: segs.map((s) => s.wallMs),
           clientCpuPct: 100 * sum('clientCpuMs') / wall, serverCpuPct: 100 * sum('serverCpuMs') / wall,
           serverCpuUsPerOp: 1000 * sum('serverCpuMs') / lat.length };
}

const out = { date: new Date().toISOString(), config: { conns: C, inflight: K, tasks: N, warmup: W, pings: P,
  results: M, resultInflight: RK, pollMs }, phases: {} };
const wsStats = { stray: 0, progress: 0 };

// ---- 1 and 2: acknowledgements and pings on the --workers 0 server
{
  const rest = restClient(opt.base);
  const conns = await Promise.all(Array.from({ length: C }, () => wsConnect(opt.base, wsStats)));
  const ackOps = { lanes: C * K, rest: () => rest.submit(video()), ws: (lane) => conns[lane % C].submit(video()) };
  const pingOps = { lanes: C * K, rest: () => rest.ping(), ws: (lane) => conns[lane % C].ping() };
  await runLanes(C * K, W, ackOps.rest);
  await runLanes(C * K, W, ackOps.ws);
  await runLanes(C * K, W, pingOps.rest);
  await runLanes(C * K, W, pingOps.ws);
  const ack = await abba(N, ackOps);
  const ping = await abba(P, pingOps);
  out.phases.videoInferenceAck = { rest: ack.rest, ws: ack.ws };
  out.phases.ping = { rest: ping.rest, ws: ping.ws };
  await Promise.all(conns.map((c) => c.close()));
  rest.agent.destroy();
}

// ---- 3: results end to end on the --workers 2 server (optional)
if (M > 0) {
  const base = opt['results-base'];
  serverPid = opt['results-server-pid'];
  const rest = restClient(base);
  const conns = await Promise.all(Array.from({ length: C }, () => wsConnect(base, wsStats)));
  const ops = {
    lanes: RK,
    async rest() {
      const task = image();
      await rest.submit(task);
      for (;;) {
        await sleep(pollMs);
        if (await rest.poll(task.taskUUID)) return;
      }
    },
    ws: (lane) => conns[lane % C].submitForResult(image()),
  };
  await runLanes(RK, Math.min(RK, M), ops.rest);
  await runLanes(RK, Math.min(RK, M), ops.ws);
  out.phases.imageInferenceResult = await abba(M, ops);
  await Promise.all(conns.map((c) => c.close()));
  rest.agent.destroy();
}
out.wsFrames = wsStats;

// ---- report
const f = (x, d = 2) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
const rows = [];
const add = (label, phase, unit) => {
  if (!out.phases[phase]) return;
  const r = summarize(out.phases[phase].rest), w = summarize(out.phases[phase].ws);
  out.summary ??= {};
  out.summary[phase] = { rest: r, ws: w, ratio: { p50: w.p50 / r.p50, p99: w.p99 / r.p99, max: w.max / r.max, perSecond: w.perSecond / r.perSecond } };
  for (const [k, name] of [['p50', 'p50 ms'], ['p99', 'p99 ms'], ['max', 'max ms']])
    rows.push([`${label} ${name}`, f(r[k]), f(w[k]), f(w[k] / r[k])]);
  rows.push([`${label} ${unit}/s`, f(r.perSecond, 0), f(w.perSecond, 0), f(w.perSecond / r.perSecond)]);
  rows.push([`  client CPU %`, f(r.clientCpuPct, 0), f(w.clientCpuPct, 0), f(w.clientCpuPct / r.clientCpuPct)]);
  rows.push([`  server CPU % (us/op)`, `${f(r.serverCpuPct, 0)} (${f(r.serverCpuUsPerOp, 0)})`,
             `${f(w.serverCpuPct, 0)} (${f(w.serverCpuUsPerOp, 0)})`, f(w.serverCpuUsPerOp / r.serverCpuUsPerOp)]);
};
add('videoInference ack', 'videoInferenceAck', 'acks');
add('ping', 'ping', 'replies');
add('imageInference result', 'imageInferenceResult', 'results');
const widths = [0, 1, 2, 3].map((i) => Math.max(...[['', 'REST k-a', 'WebSocket', 'WS/REST'], ...rows].map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
console.log(`vidserve WebSocket vs REST keep-alive, loopback: ${C} connections x ${K} in flight; ` +
            `${N} videoInference, ${P} ping per transport after ${W} warm-up` +
            (M ? `; ${M} imageInference end to end, ${RK} in flight, REST polls every ${pollMs} ms` : ''));
console.log(line(['', 'REST k-a', 'WebSocket', 'WS/REST']));
for (const r of rows) console.log(line(r));
if (wsStats.stray) console.log(`(WS frames about tasks this connection is not waiting for: ${wsStats.stray})`);
if (opt.dump) {
  out.phases = Object.fromEntries(Object.entries(out.phases).map(([k, v]) => [k, {
    rest: v.rest.map(({ lat, ...s }) => ({ ...s, latencyMs: lat })),
    ws: v.ws.map(({ lat, ...s }) => ({ ...s, latencyMs: lat })) }]));
  fs.writeFileSync(opt.dump, JSON.stringify(out, null, 1));
  console.log(`raw figures: ${opt.dump}`);
}
process.exit(0);
