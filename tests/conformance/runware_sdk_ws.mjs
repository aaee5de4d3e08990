// The unchanged official @runware/sdk-js (WebSocket transport) against a running vidserve.
// Usage: node runware_sdk_ws.mjs <base url> <api key> <package>
//   <package>: "@runware/sdk-js" (pinned 1.3.2) or "runware-sdk-js-latest" (the newest release,
//   pinned in package-lock.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const [base, apiKey, pkg] = process.argv.slice(2);
const { Runware } = await import(pkg);
const version = JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url))).version;
const url = base.replace(/^http/, 'ws') + '/v1';  // https:// (run_conformance.sh --tls) -> wss://
const rw = await Runware.initialize({ apiKey, url, timeoutDuration: 60000, globalMaxRetries: 1 });
assert.ok(rw._connectionSessionUUID, 'authentication gives a connectionSessionUUID');

async function fetchMedia(mediaUrl, type) {
  const res = await fetch(mediaUrl);
  assert.equal(res.status, 200, mediaUrl);
  assert.equal(res.headers.get('content-type'), type);
  return Buffer.from(await res.arrayBuffer());
}

// videoInference with numberResults 2: two distinct, playable results.
const videos = await rw.videoInference({
  model: 'klingai:kling-video@3-standard', positivePrompt: 'Two variations of a lighthouse at dusk',
  width: 720, height: 1280, duration: 3, numberResults: 2, includeCost: true,
});
assert.equal(videos.length, 2);
assert.notEqual(videos[0].videoUUID, videos[1].videoUUID);
assert.notEqual(videos[0].seed, videos[1].seed);
for (const v of videos) {
  assert.equal(v.status, 'success');
  assert.equal(v.cost, 0.252);
  const bytes = await fetchMedia(v.videoURL, 'video/mp4');
  assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
}
console.log(`videoInference x2: ${videos.map((v) => v.videoUUID).join(', ')}`);

// A multiPrompt request: one shot per prompt, durations adding up to the video's.
const [shots] = await rw.videoInference({
  model: 'klingai:kling-video@3-standard', width: 1280, height: 720,
  providerSettings: { klingai: { shotType: 'customize', multiPrompt: [
    { prompt: 'Wide shot of a quiet library', duration: '1' },
    { prompt: 'Close-up of turning pages', duration: '2' }] } },
});
assert.equal(shots.status, 'success');
await fetchMedia(shots.videoURL, 'video/mp4');
console.log(`multiPrompt: ${shots.videoUUID}`);

// imageInference (synchronous in sdk-js: the results are pushed on the socket).
const images = await rw.imageInference({
  model: 'klingai:kling-image@3', positivePrompt: 'A lighthouse at dawn', width: 1360, height: 768,
  numberResults: 2, outputFormat: 'PNG',
});
assert.equal(images.length, 2);
assert.notEqual(images[0].imageUUID, images[1].imageUUID);
for (const image of images) {
  const bytes = await fetchMedia(image.imageURL, 'image/png');
  assert.equal(bytes.readUInt32BE(16), 1360);
  assert.equal(bytes.readUInt32BE(20), 768);
}
console.log(`imageInference x2: ${images.map((i) => i.imageUUID).join(', ')}`);

// imageUpload, then the uploaded image as the first frame of an image-to-video task.
const png = await fetchMedia(images[0].imageURL, 'image/png');
const upload = await rw.imageUpload({ image: `data:image/png;base64,${png.toString('base64')}` });
assert.ok(upload.imageUUID);
const [framed] = await rw.videoInference({
  model: 'klingai:kling-video@3-standard', positivePrompt: 'The lighthouse beam sweeps the sea',
  duration: 3, inputs: { frameImages: [{ image: upload.imageUUID, frame: 'first' }] },
});
assert.equal(framed.status, 'success');
await fetchMedia(framed.videoURL, 'video/mp4');
console.log(`imageUpload ${upload.imageUUID} as first frame: ${framed.videoUUID}`);

// A validation error rejects with the error naming the parameter; nothing is retried.
const invalid = await rw.videoInference({
  model: 'klingai:kling-video@3-standard', positivePrompt: 'A size no model has', width: 1000, height: 1000, duration: 3,
}).then(() => null, (e) => e);
assert.ok(invalid?.error, 'rejected with an API error');
assert.deepEqual(invalid.error.parameter, ['width', 'height']);
console.log(`validation error: ${invalid.error.code} on ${invalid.error.parameter}`);

// getResponse of an unknown taskUUID is rejected.
const unknown = await rw.getResponse({ taskUUID: crypto.randomUUID() }).then(() => null, (e) => e);
assert.equal(unknown?.error?.code, 'taskNotFound');
console.log(`getResponse unknown: ${unknown.error.code}`);

assert.ok(rw.connected(), 'still connected');
await rw.disconnect();
console.log(`ok: @runware/sdk-js ${version}`);
process.exit(0);
