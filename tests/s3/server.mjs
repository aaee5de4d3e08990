// The S3 test server: s3rver on 127.0.0.1 (a port the kernel picks), with the bucket
// `vidserve-test` and the account S3RVER / S3RVER, behind two additions of its own:
//   - every request must be signed, and its AWS Signature Version 4 is verified (header or
//     presigned query) with the AWS SDK's own canonicalisation (@smithy/signature-v4). s3rver
//     itself only checks that a V4 request names a known access key, and lets unsigned requests
//     in; a test server that accepts any signature could not show that vidserve signs correctly.
//   - fault injection for tests of retries: `POST /__faults` with a JSON body
//     {"prefix": "/vidserve-test/some/prefix", "status": 503, "count": 2} makes the next `count`
//     requests whose path starts with `prefix` answer `status` (0: the connection is closed
//     without an answer). Scoped by prefix, so tests running at the same time do not interfere.
// Usage: node server.mjs STATE_DIR. Writes STATE_DIR/url ("http://127.0.0.1:PORT") once it
// listens; objects live in STATE_DIR/data.
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { SignatureV4, createScope, getCanonicalHeaders } from '@smithy/signature-v4';
import S3rver from 's3rver';

const kBucket = 'vidserve-test';
const kAccounts = new Map([['S3RVER', 'S3RVER']]);

class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

// The raw query as name -> value (decoded), the way the SDK's signer takes it.
function parseQuery(raw) {
  const query = {};
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    query[name] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return query;
}

// What the request says about its signature, or an error message.
function claimedSignature(req, query) {
  const auth = req.headers['authorization'];
  if (auth) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return { error: 'malformed Authorization header' };
    return {
      credential: m[1], signedHeaders: m[2], signature: m[3], longDate: req.headers['x-amz-date'],
      payloadHash: req.headers['x-amz-content-sha256'] ?? 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    };
  }
  if (query['X-Amz-Signature']) {
    return {
      credential: query['X-Amz-Credential'], signedHeaders: query['X-Amz-SignedHeaders'],
      signature: query['X-Amz-Signature'], longDate: query['X-Amz-Date'],
      payloadHash: query['X-Amz-Content-Sha256'] ?? 'UNSIGNED-PAYLOAD',
    };
  }
  return { error: 'the request is not signed' };
}

// Recomputes the request's signature with the SDK's signer; returns an error message or null.
async function verify(req) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const query = parseQuery(rawQuery);
  const claim = claimedSignature(req, query);
  if (claim.error) return claim.error;
  const [accessKeyId, shortDate, region, service, terminator] = (claim.credential ?? '').split('/');
  const secretAccessKey = kAccounts.get(accessKeyId);
  if (!secretAccessKey) return `unknown access key id ${accessKeyId}`;
  if (service !== 's3' || terminator !== 'aws4_request' || !claim.longDate?.startsWith(shortDate)) {
    return `malformed credential scope ${claim.credential}`;
  }
  const signable = new Set(claim.signedHeaders.split(';'));
  const headers = {};
  for (const name of signable) {
    if (req.headers[name] === undefined) return `signed header ${name} is missing`;
    headers[name] = String(req.headers[name]);
  }
  const canonicalHeaders = getCanonicalHeaders({ headers }, undefined, signable);
  const credentials = { accessKeyId, secretAccessKey, sessionToken: query['X-Amz-Security-Token'] };
  const signer = new SignatureV4({ credentials, region, service: 's3', sha256: Sha256, uriEscapePath: false });
  const request = { method: req.method, path: rawPath, query };
  const canonicalRequest = signer.createCanonicalRequest(request, canonicalHeaders, claim.payloadHash);
  const scope = createScope(shortDate, region, 's3');
  const expected = await signer.getSignature(claim.longDate, scope,
    signer.getSigningKey(credentials, region, shortDate), canonicalRequest);
  return expected === claim.signature ? null : 'SignatureDoesNotMatch';
}

function xmlError(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const faults = [];

function takeFault(urlPath) {
  const fault = faults.find(f => f.count > 0 && urlPath.startsWith(f.prefix));
  if (!fault) return null;
  fault.count -= 1;
  return fault;
}

function addFault(req, res) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', chunk => { body += chunk; });
  req.on('end', () => {
    const { prefix, status, count } = JSON.parse(body);
    faults.push({ prefix, status, count });
    res.writeHead(204);
    res.end();
  });
}

async function main() {
  const state = process.argv[2];
  if (!state) throw new Error('usage: node server.mjs STATE_DIR');
  const dataDir = path.join(state, 'data');
  mkdirSync(dataDir, { recursive: true });
  const s3rver = new S3rver({
    silent: true, directory: dataDir, vhostBuckets: false, configureBuckets: [{ name: kBucket }],
  });
  await s3rver.configureBuckets();
  const handler = s3rver.callback();
  const server = http.createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/__faults') return addFault(req, res);
    const fault = takeFault(req.url);
    if (fault) {
      if (fault.status === 0) return req.socket.destroy();
      return xmlError(res, fault.status, 'InjectedFault', 'a fault injected by the test');
    }
    let problem;
    try {
      problem = await verify(req);
    } catch (e) {
      problem = `cannot verify the signature: ${e.message}`;
    }
    if (problem === 'SignatureDoesNotMatch') {
      return xmlError(res, 403, 'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.');
    }
    if (problem) return xmlError(res, 403, 'AccessDenied', problem);
    return handler(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${server.address().port}`;
    writeFileSync(path.join(state, 'url.tmp'), url + '\n');
    renameSync(path.join(state, 'url.tmp'), path.join(state, 'url'));
  });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
