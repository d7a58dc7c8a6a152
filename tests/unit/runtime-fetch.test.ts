/** The one download helper: missing files, cut-off streams, hash mismatches, no crypto.subtle, progress. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROGRESS_MIN_BYTES, fetchAsset, fetchCardFile, fetchCardJson } from '../../src/lib/runtime/fetch';
import { isAbort, isRetryable, type WidgetError } from '../../src/lib/runtime/errors';
import { FIXTURES, fixtureCard, serve, streamed } from './runtime-server';

const card = fixtureCard();
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** 300 KB of bytes that are not all alike, so a flipped byte changes the hash. */
const big = Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 2654435761) >>> 24);

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    const e = err as WidgetError;
    return { key: e.key, vars: e.vars, retryable: isRetryable(err), abort: isAbort(err) };
  }
  throw new Error('expected a failure');
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('fetchCardFile / fetchCardJson', () => {
  it('downloads a card file and checks it against the SHA-256 the card states', async () => {
    const requests = serve();
    const { bytes, verified } = await fetchCardFile(card, 'tokens.onnx');
    expect(requests).toEqual(['/models/runtime-fixture/tokens.onnx']);
    expect(verified).toBe(true);
    expect(bytes).toEqual(new Uint8Array(readFileSync(`${FIXTURES}/tokens.onnx`)));
    // The card's hash is Python's (training/fixtures.py); node:crypto agrees on the same bytes.
    expect(sha(bytes)).toBe(card.graphs.find((g) => g.file === 'tokens.onnx')!.sha256);
  });

  it('parses a JSON file listed in the card’s files', async () => {
    serve();
    const { value, verified } = await fetchCardJson<string[]>(card, 'vocab.json');
    expect(verified).toBe(true);
    expect(value).toEqual(JSON.parse(readFileSync(`${FIXTURES}/vocab.json`, 'utf8')));
  });

  it('refuses a file the card does not list (it has no hash to check against)', async () => {
    serve();
    expect(() => fetchCardFile(card, 'weights.bin')).toThrow(expect.objectContaining({ key: 'error.cardInvalid' }));
  });

  it('missing: names the file and the HTTP status', async () => {
    serve((url) => (url.endsWith('vocab.json') ? new Response('gone', { status: 404 }) : undefined));
    expect(await failure(fetchCardJson(card, 'vocab.json'))).toEqual({
      key: 'error.modelMissing', vars: { file: 'vocab.json', status: 404 }, retryable: false, abort: false,
    });
  });

  it('hash mismatch: one changed byte fails as corrupt', async () => {
    const tampered = new Uint8Array(readFileSync(`${FIXTURES}/tokens.onnx`));
    tampered[100]! ^= 1;
    serve(() => streamed(tampered));
    expect(await failure(fetchCardFile(card, 'tokens.onnx'))).toEqual({
      key: 'error.modelCorrupt', vars: { file: 'tokens.onnx' }, retryable: false, abort: false,
    });
  });

  it('no crypto.subtle (plain http): the bytes arrive with verified false, never silently as checked', async () => {
    serve();
    vi.stubGlobal('crypto', {});
    const { bytes, verified } = await fetchCardFile(card, 'tokens.onnx');
    expect(verified).toBe(false);
    expect(bytes).toEqual(new Uint8Array(readFileSync(`${FIXTURES}/tokens.onnx`)));
  });
});

describe('fetchAsset', () => {
  it('cut off: a stream that fails mid-way is a retryable cut, with the bytes that had arrived', async () => {
    serve(() => streamed(big, { chunk: 50_000, errorAfter: 100_000 }));
    expect(await failure(fetchAsset('/data/big.bin', { sha256: sha(big) }))).toEqual({
      key: 'error.downloadCut', vars: { file: 'big.bin', received: 100_000 }, retryable: true, abort: false,
    });
  });

  it('cut off: a stream that ends before Content-Length is a cut, not a hash mismatch', async () => {
    serve(() => streamed(big, { endAfter: 200_000 }));
    expect(await failure(fetchAsset('/data/big.bin', { sha256: sha(big) }))).toMatchObject({
      key: 'error.downloadCut', vars: { file: 'big.bin', received: 200_000 }, retryable: true,
    });
  });

  it('a connection that fails before any answer is a retryable cut too', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    expect(await failure(fetchAsset('/models/x/model.onnx'))).toMatchObject({ key: 'error.downloadCut', retryable: true });
  });

  it('reports progress for a file over 100 KB, from the first chunk to 1', async () => {
    serve(() => streamed(big, { chunk: 100_000 }));
    const seen: number[] = [];
    const { verified } = await fetchAsset('/data/big.bin', { sha256: sha(big), onProgress: (f) => seen.push(f) });
    expect(verified).toBe(true);
    expect(seen).toEqual([100_000 / big.length, 200_000 / big.length, 300_000 / big.length, 1, 1]);
  });

  it('reports no progress for a small file', async () => {
    const small = big.slice(0, PROGRESS_MIN_BYTES - 1);
    serve(() => streamed(small, { chunk: 1000 }));
    const seen: number[] = [];
    await fetchAsset('/data/small.bin', { onProgress: (f) => seen.push(f) });
    expect(seen).toEqual([]);
  });

  it('a compressed response: Content-Length (compressed) is no size, the card’s size is', async () => {
    // The stream yields decoded bytes, more than the compressed Content-Length says; that is no cut.
    serve(() => new Response(new Blob([big]).stream(), { headers: { 'content-length': '1000', 'content-encoding': 'gzip' } }));
    const seen: number[] = [];
    const { bytes, verified } = await fetchAsset('/data/big.bin', { sha256: sha(big), bytes: big.length, onProgress: (f) => seen.push(f) });
    expect(verified).toBe(true);
    expect(bytes.length).toBe(big.length);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
  });

  it('an aborted signal stops the download as "stopped", not as a failure', async () => {
    serve();
    const controller = new AbortController();
    controller.abort();
    expect(await failure(fetchCardFile(card, 'tokens.onnx', { signal: controller.signal }))).toMatchObject({ key: 'widget.stopped', abort: true });
  });
});
