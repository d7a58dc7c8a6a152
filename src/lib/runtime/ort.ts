/**
 * The only module that imports onnxruntime-web. It owns `ort.env`, chooses the execution provider,
 * keeps one session per model and provider, and runs one inference at a time.
 *
 * We import the native WebGPU builds (`/jspi` where the browser has JavaScript Promise Integration,
 * `/webgpu` otherwise), never the default import: that one runs the older JSEP backend, which gave
 * silently wrong results on some of our ops. Both builds also carry the WASM (CPU) provider.
 * The import is dynamic, so nothing is downloaded until a widget asks for it.
 */
import type * as OrtModule from 'onnxruntime-web/webgpu';
import { WidgetError, asWidgetError } from './errors';
import { fetchVerified } from './fetch-bytes';

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;

export type Provider = 'webgpu' | 'wasm';
export type ProviderChoice = Provider | 'auto';

export interface Tensor {
  dims: number[];
  data: Float32Array;
}

export interface RunResult {
  outputs: Record<string, Tensor>;
  provider: Provider;
  /** Wall time of session.run, including the download of the fetched outputs. */
  ms: number;
}

/** Executed kernels per provider, read from onnxruntime's profile (only with `profile: true`). */
export type ProfileSummary = Record<string, { count: number; ops: string[] }>;

export interface ModelHandle {
  url: string;
  sha256: string;
  provider: Provider;
  /** True when 'auto' wanted WebGPU but the browser has no adapter. */
  fellBack: boolean;
  session: Session;
  inputName: string;
  profile: boolean;
}

let ortPromise: Promise<Ort> | undefined;
let logSink: string[] | null = null;

/** onnxruntime's WebAssembly module binds console.log when it loads and prints profiles through it, so
 * a tap that can collect those lines must be in place before the import. */
function tapConsoleLog(): void {
  const original = console.log;
  console.log = (...args: unknown[]) => {
    logSink?.push(args.map(String).join(' '));
    original.apply(console, args);
  };
}

export function loadOrt(profile = false): Promise<Ort> {
  ortPromise ??= (async () => {
    if (profile) tapConsoleLog();
    const ort: Ort =
      'Suspending' in WebAssembly ? await import('onnxruntime-web/jspi') : await import('onnxruntime-web/webgpu');
    // One thread: small models run faster without worker overhead, and no COOP/COEP headers are needed.
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'warning';
    return ort;
  })();
  return ortPromise;
}

let adapterPromise: Promise<boolean> | undefined;

export function hasWebGpu(): Promise<boolean> {
  adapterPromise ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return false;
    try {
      return (await gpu.requestAdapter()) !== null;
    } catch {
      return false;
    }
  })();
  return adapterPromise;
}

// Sessions on the web must not run concurrently; everything goes through this queue.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const next = queue.then(task, task);
  queue = next.catch(() => undefined);
  return next;
}

const bytesCache = new Map<string, Promise<Uint8Array>>();
const sessionCache = new Map<string, Promise<ModelHandle>>();

export interface OpenOptions {
  url: string;
  sha256: string;
  choice: ProviderChoice;
  /** Record which provider ran each kernel (for tests and the curious); costs a little time. */
  profile?: boolean;
  onProgress?: (fraction: number) => void;
}

/** A session for the model at `url` on the chosen provider, created once and cached. */
export function openModel(opts: OpenOptions): Promise<ModelHandle> {
  return (async () => {
    const gpu = await hasWebGpu();
    if (opts.choice === 'webgpu' && !gpu) throw new WidgetError('error.webgpuUnavailable');
    const provider: Provider = opts.choice === 'wasm' || !gpu ? 'wasm' : 'webgpu';
    const fellBack = opts.choice === 'auto' && !gpu;
    const key = `${opts.url}|${provider}|${opts.profile ? 'p' : ''}`;
    let handle = sessionCache.get(key);
    if (!handle) {
      handle = createSession(opts, provider, fellBack);
      sessionCache.set(key, handle);
      handle.catch(() => sessionCache.delete(key)); // a failed load may be retried
    }
    return { ...(await handle), fellBack };
  })();
}

async function createSession(opts: OpenOptions, provider: Provider, fellBack: boolean): Promise<ModelHandle> {
  let bytes = bytesCache.get(opts.url);
  if (!bytes) {
    bytes = fetchVerified(opts.url, opts.sha256, opts.onProgress);
    bytesCache.set(opts.url, bytes);
    bytes.catch(() => bytesCache.delete(opts.url));
  }
  const [ort, model] = await Promise.all([loadOrt(opts.profile), bytes]);
  try {
    const session = await serialised(() =>
      ort.InferenceSession.create(model, {
        // Exactly one provider, so that the one we report is the one that ran.
        executionProviders: [provider === 'webgpu' ? { name: 'webgpu', preferredLayout: 'NCHW' } : 'wasm'],
        graphOptimizationLevel: 'all',
        enableProfiling: !!opts.profile,
        logSeverityLevel: 3,
      }),
    );
    const inputName = session.inputNames[0];
    if (!inputName) throw new Error('the model has no input');
    return { url: opts.url, sha256: opts.sha256, provider, fellBack, session, inputName, profile: !!opts.profile };
  } catch (err) {
    throw asWidgetError(err);
  }
}

/** Runs the model on one float32 input and downloads only the outputs in `fetches`. */
export function run(handle: ModelHandle, input: Tensor, fetches: string[]): Promise<RunResult> {
  return serialised(async () => {
    const ort = await loadOrt();
    const feed = new ort.Tensor('float32', input.data, input.dims);
    const start = performance.now();
    let results: Awaited<ReturnType<Session['run']>>;
    try {
      results = await handle.session.run({ [handle.inputName]: feed }, fetches);
    } catch (err) {
      throw asWidgetError(err);
    }
    const outputs: Record<string, Tensor> = {};
    for (const name of fetches) {
      const value = results[name];
      if (!value) throw new WidgetError('error.run', { detail: `no output "${name}"` });
      const data = await value.getData(true);
      // Integer outputs (a segmentation's class map, int64) become floats too: one array type for every
      // viewer, and small integers are exact in float32.
      outputs[name] = { dims: [...value.dims], data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number | bigint>, Number) };
    }
    const ms = performance.now() - start;
    feed.dispose();
    return { outputs, provider: handle.provider, ms };
  });
}

/** Ends profiling of a `profile: true` session and counts its kernels per provider. onnxruntime prints
 * the profile through the console.log it captured when it loaded (see loadOrt), one event a line. */
export function endProfile(handle: ModelHandle): Promise<ProfileSummary> {
  return serialised(async () => {
    const lines: string[] = [];
    logSink = lines;
    try {
      handle.session.endProfiling();
      // The lines may be printed after the call returns; give them a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      logSink = null;
    }
    return summariseProfile(lines);
  });
}

/** Counts the kernels ("Node" events) of an onnxruntime profile per execution provider. */
export function summariseProfile(lines: string[]): ProfileSummary {
  const summary: ProfileSummary = {};
  for (const line of lines) {
    let event: { cat?: string; args?: { provider?: string; op_name?: string } };
    try {
      event = JSON.parse(line.trim().replace(/,$/, ''));
    } catch {
      continue; // the "[" and "]" around the events
    }
    const provider = event.args?.provider;
    if (event.cat !== 'Node' || !provider) continue;
    const entry = (summary[provider] ??= { count: 0, ops: [] });
    entry.count += 1;
    const op = event.args?.op_name;
    if (op && !entry.ops.includes(op)) entry.ops.push(op);
  }
  return summary;
}
