import { WidgetError } from './errors';

/** Downloads `url` as bytes, reporting progress in [0, 1] when the server says how large it is. */
export async function fetchBytes(url: string, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new WidgetError('error.modelMissing', { status: 'network' });
  }
  if (!response.ok || !response.body) throw new WidgetError('error.modelMissing', { status: response.status });
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (total) onProgress?.(Math.min(1, received / total));
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  onProgress?.(1);
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The bytes of a model file, refused unless their SHA-256 is the one its card states. */
export async function fetchVerified(url: string, sha256: string, onProgress?: (f: number) => void): Promise<Uint8Array> {
  const bytes = await fetchBytes(url, onProgress);
  // crypto.subtle exists only in secure contexts (https, localhost); elsewhere the check cannot run.
  if (globalThis.crypto?.subtle && (await sha256Hex(bytes)) !== sha256) throw new WidgetError('error.modelCorrupt');
  return bytes;
}
