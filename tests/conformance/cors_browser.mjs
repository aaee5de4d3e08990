// CORS in a real browser: Debian's Chromium (headless, driven by npm playwright-core, no browser
// download) opens pages served from two other loopback origins and calls vidserve's POST /v1
// with fetch (Authorization + JSON: a preflighted request), then reads the media link.
// vidserve allows one of the origins (--cors-origin): there both succeed; from the other the
// preflight gets 403 and fetch fails.
// Usage: node cors_browser.mjs <vidserve binary>
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [bin] = process.argv.slice(2);
const key = 'cors-test-key';
const temp = mkdtempSync(join(tmpdir(), 'vidserve-cors-'));

// A blank page on its own origin (127.0.0.1 and a free port).
async function pageServer() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>app</title>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// vidserve on a free port allowing `origin`; resolves with its base URL.
function startVidserve(origin) {
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', join(temp, 'data'), '--cors-origin', origin],
    { env: { ...process.env, VIDSERVE_API_KEYS: key }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vidserve did not start:\n${log}`)), 20000);
    child.stdout.on('data', (d) => {
      log += d;
      const found = log.match(/listening on (http:\/\/[0-9.:]+)/);
      if (found) {
        clearTimeout(timer);
        resolve({ child, base: found[1], log: () => log });
      }
    });
  });
}

// In the page: POST /v1 with an image task, then GET its media link. Never throws: returns what
// happened.
async function callFromPage(page, base) {
  return page.evaluate(async ({ base, key }) => {
    const task = { taskType: 'imageInference', taskUUID: crypto.randomUUID(), model: 'klingai:kling-image@3',
      positivePrompt: 'a teapot', width: 1360, height: 768, outputFormat: 'PNG' };
    try {
      const res = await fetch(`${base}/v1`, { method: 'POST', body: JSON.stringify([task]),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
      const body = await res.json();
      const media = await fetch(body.data[0].imageURL);
      const bytes = new Uint8Array(await media.arrayBuffer());
      return { status: res.status, mediaStatus: media.status, mediaType: media.headers.get('content-type'),
        png: bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 };
    } catch (e) {
      return { error: String(e) };
    }
  }, { base, key });
}

const allowed = await pageServer();
const other = await pageServer();
const vidserve = await startVidserve(allowed.origin);
const browser = await chromium.launchPersistentContext(join(temp, 'profile'), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${allowed.origin}/`);
  const ok = await callFromPage(page, vidserve.base);
  assert.deepEqual(ok, { status: 200, mediaStatus: 200, mediaType: 'image/png', png: true }, JSON.stringify(ok));
  console.log(`allowed origin ${allowed.origin}: POST /v1 and the media link read`);

  await page.goto(`${other.origin}/`);
  const refused = await callFromPage(page, vidserve.base);
  assert.match(refused.error ?? '', /TypeError: Failed to fetch/, JSON.stringify(refused));
  console.log(`other origin ${other.origin}: ${refused.error}`);
} catch (e) {
  console.error(vidserve.log());
  throw e;
} finally {
  await browser.close();
  vidserve.child.kill('SIGTERM');
  allowed.server.close();
  other.server.close();
  rmSync(temp, { recursive: true, force: true });
}
console.log('CORS in Chromium: ok');
