// The unchanged npm client `kling-api` (pinned in package-lock.json) against vidserve over
// HTTPS: it refuses any base URL that is not https://, and trusts the test CA through
// NODE_EXTRA_CA_CERTS. Run by run_conformance.sh --tls.
// Usage: node kling_api.mjs <https base url> <api key>
import assert from 'node:assert/strict';
import { KlingAPI } from 'kling-api';

const [base] = process.argv.slice(2);
assert.match(base, /^https:\/\/127\.0\.0\.1:\d+$/);
// Key pair given to the server by run_conformance.sh (VIDSERVE_KLING_KEYS).
const credentials = { accessKey: process.env.KLING_TEST_AK, secretKey: process.env.KLING_TEST_SK };
assert.throws(() => new KlingAPI({ ...credentials, baseUrl: base.replace(/^https:/, 'http:') }), /HTTPS/);
const api = new KlingAPI({ ...credentials, baseUrl: base, timeout: 30000 });

const created = await api.textToVideo({
  model_name: 'kling-v1-6', prompt: 'A red fox runs through snow', duration: '5', mode: 'std', aspect_ratio: '16:9',
});
assert.equal(created.code, 0, JSON.stringify(created));
const taskId = created.data.task_id;
assert.ok(taskId);
const done = await api.waitForVideoResult(taskId, undefined, { interval: 500, timeout: 120000, showSpinner: false });
assert.equal(done.data.task_status, 'succeed', JSON.stringify(done));
const [video] = done.data.task_result.videos;
assert.equal(video.duration, '5');
assert.ok(video.url.startsWith(`${base}/media/`), video.url);  // media links are https too
console.log(`text2video ${taskId}: ${video.url}`);

// The media link over the same TLS listener (the client's own downloader refuses loopback
// addresses, so Node's fetch reads it).
const media = await fetch(video.url);
assert.equal(media.status, 200);
assert.equal(media.headers.get('content-type'), 'video/mp4');
const bytes = Buffer.from(await media.arrayBuffer());
assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
console.log(`media: ${bytes.length} bytes`);

// A query by the same client reads the task back; a wrong secret is refused with Kling's code.
const again = await api.queryTextToVideoTask(taskId);
assert.equal(again.data.task_status, 'succeed');
const wrong = new KlingAPI({ accessKey: credentials.accessKey, secretKey: 'wrong-secret', baseUrl: base });
const refused = await wrong.queryTextToVideoTask(taskId).then(() => null, (e) => e);
assert.ok(refused, 'a wrong secret is refused');
assert.equal(refused.code, 1000, String(refused));
console.log('kling-api over https: ok');
