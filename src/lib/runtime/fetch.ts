/**
 * The one way the site downloads its data — models, samples, golden tensors, vocabularies, and the
 * onnxruntime WebAssembly binary: streamed, with progress for anything large, checked against the SHA-256
 * the model card states, and one clear error per way it can fail.
 */
import { modelFileUrl, type ModelCard } from '../card';
import { StoppedError, WidgetError } from './errors';

/** Smaller files arrive before a progress bar would be worth drawing. */
export const PROGRESS_MIN_BYTES = 100 * 1024;

export interface FetchOptions {
  /** Expected lower-case hex SHA-256; without it the bytes are returned unchecked (verified: false). */
  sha256?: string;
  /** Expected size (from the card): the progress total when the server's Content-Length cannot be used. */
  bytes?: number;
  /** Fraction in [0, 1], called only for downloads over PROGRESS_MIN_BYTES. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface Fetched {
  bytes: Uint8Array;
  /** True when the SHA-256 was checked and matched; false when no hash was given or the browser cannot
   * hash here (crypto.subtle exists only in secure contexts), which the widget must say. */
  verified: boolean;
}

/** Downloads `url`. Throws WidgetError 'error.modelMissing' {file, status} when the server answers with an
 * error, 'error.downloadCut' {file} when the connection fails or breaks off (a retry may pass),
 * 'error.modelCorrupt' {file} when the hash differs, and StoppedError when `signal` aborts. */
export async function fetchAsset(url: string, opts: FetchOptions = {}): Promise<Fetched> {
  const file = decodeURIComponent(url.split(/[?#]/)[0]!.split('/').pop() ?? url);
  const stopped = (err: unknown) => opts.signal?.aborted || (err instanceof Error && err.name === 'AbortError');
  let response: Response;
  try {
    response = await fetch(url, { signal: opts.signal });
  } catch (err) {
    if (stopped(err)) throw new StoppedError();
    throw new WidgetError('error.downloadCut', { file, received: 0 });
  }
  if (!response.ok || !response.body) throw new WidgetError('error.modelMissing', { file, status: response.status });

  // A compressed response's Content-Length counts compressed bytes while the stream yields decoded ones,
  // so it is only a size (for progress and for noticing a cut) when the body is sent as is.
  const encoding = response.headers.get('content-encoding');
  const length = !encoding || encoding === 'identity' ? Number(response.headers.get('content-length')) || 0 : 0;
  const total = opts.bytes ?? length;
  const progress = total > PROGRESS_MIN_BYTES ? opts.onProgress : undefined;

  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      progress?.(Math.min(1, received / total));
    }
  } catch (err) {
    if (stopped(err)) throw new StoppedError();
    throw new WidgetError('error.downloadCut', { file, received });
  }
  if (length && received < length) throw new WidgetError('error.downloadCut', { file, received });
  const bytes = concat(chunks, received);
  progress?.(1);

  if (!opts.sha256) return { bytes, verified: false };
  if (!globalThis.crypto?.subtle) return { bytes, verified: false };
  if ((await sha256Hex(bytes)) !== opts.sha256) throw new WidgetError('error.modelCorrupt', { file });
  return { bytes, verified: true };
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hash and size the card states for `file`: a graph's ONNX file or an entry of `files`. */
export function cardFileEntry(card: ModelCard, file: string): { sha256: string; bytes: number } {
  const entry = card.graphs.find((g) => g.file === file) ?? card.files[file];
  if (!entry) throw new WidgetError('error.cardInvalid', { detail: `${file} is not listed in the card of ${card.slug}` });
  return entry;
}

/** A file of the card's model folder, checked against the hash the card states for it. */
export function fetchCardFile(card: ModelCard, file: string, opts: Omit<FetchOptions, 'sha256' | 'bytes'> = {}): Promise<Fetched> {
  const { sha256, bytes } = cardFileEntry(card, file);
  return fetchAsset(modelFileUrl(card, file), { ...opts, sha256, bytes });
}

/** A JSON file of the card's model folder, hash-checked like fetchCardFile. */
export async function fetchCardJson<T>(card: ModelCard, file: string, opts: Omit<FetchOptions, 'sha256' | 'bytes'> = {}): Promise<{ value: T; verified: boolean }> {
  const { bytes, verified } = await fetchCardFile(card, file, opts);
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) as T, verified };
  } catch {
    // Only reachable when the hash could not be checked: a file that matches its hash was valid JSON when shipped.
    throw new WidgetError('error.modelCorrupt', { file });
  }
}
