// @runware/ai-sdk-provider@2.0.0 (REST, imageInference) generates an image with a kling-image model
// against a running vidserve. Usage: node ai_sdk_image.mjs <base url> <api key>
import assert from 'node:assert/strict';
import { createRunware } from '@runware/ai-sdk-provider';
import { generateImage } from 'ai';

const [base, apiKey] = process.argv.slice(2);
const runware = createRunware({ apiKey, baseURL: `${base}/v1` });

for (const [model, size] of [['klingai:kling-image@3', '1360x768'], ['klingai:kling-image@o1', '1024x1024']]) {
  const { images } = await generateImage({ model: runware.image(model), prompt: 'A lighthouse at dawn, preview', size, n: 1 });
  assert.equal(images.length, 1);
  const bytes = images[0].uint8Array;
  // outputFormat PNG is the provider's default: the bytes must be a PNG.
  assert.deepEqual([...bytes.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = new DataView(bytes.buffer, bytes.byteOffset).getUint32(16);
  const height = new DataView(bytes.buffer, bytes.byteOffset).getUint32(20);
  assert.equal(`${width}x${height}`, size);
  console.log(`${model}: ${bytes.length} bytes, ${width}x${height} PNG`);
}

// A validation error surfaces as an error in the SDK, not as a silent success.
await assert.rejects(
  generateImage({ model: runware.image('klingai:kling-image@3'), prompt: 'bad size', size: '512x512' }),
);
console.log('ok');
