// The AWS SDK for JavaScript as an independent S3 client for the C++ tests (they run it and read
// what it prints on stdout):
//   presign ENDPOINT REGION BUCKET KEY EXPIRES_S UNIX_MS ACCESS_KEY SECRET [TOKEN]
//       the presigned GET URL @aws-sdk/s3-request-presigner makes (path-style, no checksum mode)
//   put ENDPOINT BUCKET KEY BASE64 CONTENT_TYPE   PutObject
//   get ENDPOINT BUCKET KEY                       GetObject: the body in base64
//   list ENDPOINT BUCKET PREFIX                   ListObjectsV2, every page: one key per line
//   fetch URL [RANGE]                             a plain GET without credentials (with the header
//                                                 Range: RANGE): "STATUS BASE64"
// put, get and list use the test server's credentials, S3RVER / S3RVER, region us-east-1.
// Errors go to stderr with exit status 1.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

function client(endpoint, region, credentials) {
  return new S3Client({
    endpoint, region, credentials, forcePathStyle: true,
    // Only what the request needs: no x-amz-checksum-mode added to GetObject.
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const testCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function presign([endpoint, region, bucket, key, expires, unixMs, accessKeyId, secretAccessKey, sessionToken]) {
  const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return getSignedUrl(client(endpoint, region, credentials), new GetObjectCommand({ Bucket: bucket, Key: key }),
    { expiresIn: Number(expires), signingDate: new Date(Number(unixMs)) });
}

async function put([endpoint, bucket, key, base64, contentType]) {
  await client(endpoint, 'us-east-1', testCredentials).send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: Buffer.from(base64, 'base64'), ContentType: contentType,
  }));
  return 'ok';
}

async function get([endpoint, bucket, key]) {
  const answer = await client(endpoint, 'us-east-1', testCredentials).send(
    new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body.transformToByteArray()).toString('base64');
}

async function list([endpoint, bucket, prefix]) {
  const s3 = client(endpoint, 'us-east-1', testCredentials);
  const keys = [];
  let ContinuationToken;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) keys.push(object.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys.join('\n');
}

async function plainFetch([url, range]) {
  const answer = await fetch(url, range ? { headers: { Range: range } } : {});
  return `${answer.status} ${Buffer.from(await answer.arrayBuffer()).toString('base64')}`;
}

const commands = { presign, put, get, list, fetch: plainFetch };
const [command, ...args] = process.argv.slice(2);
process.removeAllListeners('warning');  // the SDK's notice about newer Node.js versions
try {
  if (!commands[command]) throw new Error(`unknown command ${command}`);
  process.stdout.write(await commands[command](args));
} catch (e) {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
}
