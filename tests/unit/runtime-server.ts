/** A stand-in for the site's server in the runtime tests: `fetch` answers from the repository (the fixture
 * model folder under /models/runtime-fixture/, onnxruntime's files under /node_modules/), streamed in
 * chunks, and a test can answer any URL its own way (a 404, a cut, other bytes). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { parseCard } from '../../src/lib/card/parse';

export const FIXTURES = 'tests/fixtures/onnx';
export const fixtureCard = () => parseCard(JSON.parse(readFileSync(join(FIXTURES, 'card.json'), 'utf8')));

export interface StreamOptions {
  status?: number;
  /** Bytes per chunk. */
  chunk?: number;
  /** The stream fails (a dropped connection) after this many bytes. */
  errorAfter?: number;
  /** The stream ends cleanly after this many bytes, although Content-Length promised all of them. */
  endAfter?: number;
  headers?: Record<string, string>;
}

/** A response whose body arrives in chunks, with Content-Length set to the full size. */
export function streamed(bytes: Uint8Array, opts: StreamOptions = {}): Response {
  const chunk = opts.chunk ?? 64 * 1024;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (opts.errorAfter !== undefined && offset >= opts.errorAfter) return controller.error(new TypeError('network error'));
      if (offset >= Math.min(bytes.length, opts.endAfter ?? Infinity)) return controller.close();
      const end = Math.min(bytes.length, offset + chunk, opts.errorAfter ?? Infinity, opts.endAfter ?? Infinity);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
  return new Response(body, { status: opts.status ?? 200, headers: { 'content-length': String(bytes.length), ...opts.headers } });
}

export function repoFile(url: string): string | null {
  if (url.startsWith('/models/runtime-fixture/')) return join(FIXTURES, url.slice('/models/runtime-fixture/'.length));
  if (url.startsWith('/node_modules/')) return `.${url}`;
  return null;
}

/** Replaces fetch; `answer` may return a Response for a URL (else the repository file, or 404). Returns
 * the list of requested URLs, which grows as requests come. */
export function serve(answer: (url: string) => Response | undefined = () => undefined): string[] {
  const requests: string[] = [];
  vi.stubGlobal('fetch', async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push(url);
    if (init?.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    const own = answer(url);
    if (own) return own;
    const file = repoFile(url);
    if (!file || !existsSync(file)) return new Response('not found', { status: 404 });
    return streamed(new Uint8Array(readFileSync(file)));
  });
  return requests;
}

export interface Expected {
  tokens: { inputs: Record<string, Stored>; outputs: Record<string, Stored> };
  decoder: { inputs: Record<string, Stored>; outputs: Record<string, Stored> };
  step: { inputs: Record<string, Stored>; trajectory: { logits: number[]; token: number }[] };
}
export interface Stored {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: number[];
}

/** What PyTorch computed for the fixtures (training/fixtures.py). */
export const expected = (): Expected => JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

/** A stored tensor as a runtime feed. */
export function feedOf(t: Stored) {
  return t.dtype === 'int64'
    ? { dtype: 'int64' as const, dims: t.shape, data: BigInt64Array.from(t.data, BigInt) }
    : { dtype: 'float32' as const, dims: t.shape, data: Float32Array.from(t.data) };
}

/** Largest |a - b| over two equally long arrays (Infinity when their lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
