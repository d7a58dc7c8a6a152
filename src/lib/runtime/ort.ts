/**
 * The only module that runs onnxruntime-web (ort-build.mjs picks and imports the build). It owns
 * `ort.env`, chooses the execution provider and falls back to WASM, keeps one session per model file,
 * provider and profiling flag (shared by every widget that holds it, released when the last one lets go),
 * checks feeds against the card, and runs one inference at a time. It also times sessions of their own for
 * the benchmarks (timeModel).
 *
 * Not built: keeping outputs on the GPU between the runs of a loop (preferredOutputLocation). No loop
 * model exists yet to measure whether it pays, and SwiftShader timings say nothing about real GPU copies.
 */
import type * as OrtModule from 'onnxruntime-web/webgpu';
import { graphOf, modelFileUrl, type GraphSpec, type ModelCard } from '../card';
import { StoppedError, WidgetError, asWidgetError, isAbort, throwIfAborted } from './errors';
import { checkFeeds, checkFetches, type Feed } from './feeds';
import { fetchAsset, fetchCardFile, type Fetched } from './fetch';
import { importOrt, ortWasmUrl } from './ort-build.mjs';

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;

export type Provider = 'webgpu' | 'wasm';
export type ProviderChoice = Provider | 'auto';
/** Why 'auto' runs on WASM: no WebGPU device, the WebGPU session could not be created, or a WebGPU run
 * failed (the model was reopened on WASM and the run repeated there). */
export type Fallback = null | 'no-adapter' | 'session-failed' | 'run-failed';

/** Outputs reach viewers as float32 (integer outputs converted; small integers are exact). */
export interface Tensor {
  dims: number[];
  data: Float32Array;
}

/** A widget's hold on a model graph's session. Opaque: the session stays inside this module. */
export interface ModelHandle {
  /** Where the next run goes; changes to 'wasm' when a WebGPU run fails under 'auto'. */
  readonly provider: Provider;
  readonly fallback: Fallback;
  readonly graph: GraphSpec;
  /** False when the model file's SHA-256 could not be checked (no crypto.subtle): the widget says so. */
  readonly verified: boolean;
}

export interface RunOptions {
  /** Aborted before the run starts (or while it waits for another): the run throws StoppedError. */
  signal?: AbortSignal;
}

export interface RunResult {
  outputs: Record<string, Tensor>;
  provider: Provider;
  /** Wall time of session.run, including the download of the fetched outputs. */
  ms: number;
}

/** Executed kernels per provider, read from onnxruntime's profile (only with `profile: true`). */
export type ProfileSummary = Record<string, { count: number; ops: string[] }>;

/** What a progress fraction is about: the onnxruntime WebAssembly binary (once a page) or the model. */
export type LoadPart = 'runtime' | 'model';

export interface OpenOptions {
  card: ModelCard;
  /** The card graph to open; its first by default. */
  graph?: string;
  choice: ProviderChoice;
  /** Record which provider ran each kernel (for tests and the curious); costs a little time. */
  profile?: boolean;
  onProgress?: (fraction: number, part: LoadPart) => void;
  /** Stops waiting for downloads and session creation; a download others share goes on. */
  signal?: AbortSignal;
}

// ---- shared downloads --------------------------------------------------------------------------------

interface Job<T> {
  promise: Promise<T>;
  listeners: Set<(fraction: number) => void>;
}

/** Joins job `key`, starting it if none runs or succeeded: widgets loading at once share one download,
 * each with its own progress and signal (an abort stops the waiting, not the download). A failed job is
 * forgotten, so that it can be retried; a finished one stays as the cache. */
function join<T>(
  jobs: Map<string, Job<T>>,
  key: string,
  start: (progress: (fraction: number) => void) => Promise<T>,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  let job = jobs.get(key);
  if (!job) {
    const listeners = new Set<(fraction: number) => void>();
    const created: Job<T> = { promise: start((f) => listeners.forEach((l) => l(f))), listeners };
    created.promise.catch(() => {
      if (jobs.get(key) === created) jobs.delete(key);
    });
    jobs.set(key, created);
    job = created;
  }
  const { promise, listeners } = job;
  if (onProgress) listeners.add(onProgress);
  return abortable(promise, signal).finally(() => onProgress && listeners.delete(onProgress));
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedError());
    const onAbort = () => reject(new StoppedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// ---- the runtime -------------------------------------------------------------------------------------

const runtimeJobs = new Map<string, Job<Ort>>();
const modelJobs = new Map<string, Job<Fetched>>();
let logSink: string[] | null = null;
let logTapped = false;

/** onnxruntime's WebAssembly module binds console.log when it loads and prints profiles through it, so
 * a tap that can collect those lines must be in place before the import. */
function tapConsoleLog(): void {
  if (logTapped) return;
  logTapped = true;
  const original = console.log;
  console.log = (...args: unknown[]) => {
    logSink?.push(args.map(String).join(' '));
    original.apply(console, args);
  };
}

/** onnxruntime-web with its WebAssembly binary, loaded once a page. Any failure is 'error.runtimeDownload'
 * and is forgotten, so that Retry loads it again without a reload. */
function loadRuntime(profile: boolean, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<Ort> {
  return join(runtimeJobs, 'ort', async (progress) => {
    if (profile) tapConsoleLog();
    try {
      const [ort, wasmUrl] = await Promise.all([importOrt(), ortWasmUrl()]);
      // The binary (16–26 MB) is fetched here rather than by onnxruntime: its own fetch reports no progress,
      // and onnxruntime-web 1.30 remembers a failed initialisation until the page is reloaded.
      const { bytes } = await fetchAsset(wasmUrl, { onProgress: progress });
      ort.env.wasm.wasmBinary = bytes;
      // One thread: small models run faster without worker overhead, and no COOP/COEP headers are needed.
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'warning';
      return ort;
    } catch (err) {
      const detail = err instanceof WidgetError ? `${err.key} ${JSON.stringify(err.vars)}` : asWidgetError(err).vars.detail!;
      throw new WidgetError('error.runtimeDownload', { detail });
    }
  }, onProgress, signal);
}

let gpuPromise: Promise<boolean> | undefined;

/** Whether WebGPU can be used here: an adapter that gives a device. The device is asked for here, and
 * dropped at once, because onnxruntime-web 1.30 does not recover when it fails to get one while creating a
 * session: its Asyncify build (/webgpu) never settles again, its JSPI build fails the next creation. */
export function hasWebGpu(): Promise<boolean> {
  gpuPromise ??= (async () => {
    type Gpu = { requestAdapter(): Promise<{ requestDevice(): Promise<{ destroy(): void }> } | null> };
    const gpu = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: Gpu }).gpu;
    if (!gpu) return false;
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return false;
      (await adapter.requestDevice()).destroy();
      return true;
    } catch {
      return false;
    }
  })();
  return gpuPromise;
}

// ---- sessions ----------------------------------------------------------------------------------------

// Sessions on the web must not run concurrently; creation, runs and releases all go through this queue.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const next = queue.then(task, task);
  queue = next.catch(() => undefined);
  return next;
}

interface Entry {
  key: string;
  provider: Provider;
  session: Promise<Session>;
  refs: number;
}
const sessions = new Map<string, Entry>();

/** Set when a WebGPU session creation failed after onnxruntime registered its device: onnxruntime-web 1.30
 * then leaves that registration pending (webgpuRegisterDevice without webgpuOnCreateSession), and the next
 * creation, on any provider, throws once while clearing it. That one creation is tried again. */
let gpuRegistrationLeft = false;

async function createSession(ort: Ort, model: Uint8Array, provider: Provider, profile: boolean): Promise<Session> {
  const options: OrtModule.InferenceSession.SessionOptions = {
    // Exactly one provider, so that the one we report is the one that ran.
    executionProviders: [provider === 'webgpu' ? { name: 'webgpu', preferredLayout: 'NCHW' } : 'wasm'],
    graphOptimizationLevel: 'all',
    enableProfiling: profile,
    logSeverityLevel: 3,
  };
  const create = () => ort.InferenceSession.create(model, options);
  try {
    const session = await create().catch((err: unknown) => {
      if (!gpuRegistrationLeft) throw err;
      gpuRegistrationLeft = false;
      return create();
    });
    gpuRegistrationLeft = false;
    return session;
  } catch (err) {
    if (provider === 'webgpu') gpuRegistrationLeft = true;
    throw err;
  }
}

/** Takes a reference on the session of `url` on `provider`, creating it (in the queue) if nobody holds it. */
async function acquire(ort: Ort, url: string, model: Uint8Array, provider: Provider, profile: boolean): Promise<Entry> {
  const key = `${url}|${provider}|${profile ? 'profile' : ''}`;
  let entry = sessions.get(key);
  if (!entry) {
    const created: Entry = { key, provider, refs: 0, session: serialised(() => createSession(ort, model, provider, profile)) };
    created.session.catch(() => {
      if (sessions.get(key) === created) sessions.delete(key);
    });
    sessions.set(key, created);
    entry = created;
  }
  entry.refs += 1;
  try {
    await entry.session;
  } catch (err) {
    entry.refs -= 1;
    throw asWidgetError(err);
  }
  return entry;
}

/** Gives back a reference; the last one releases the session. */
async function drop(entry: Entry): Promise<void> {
  entry.refs -= 1;
  if (entry.refs > 0) return;
  if (sessions.get(entry.key) === entry) sessions.delete(entry.key);
  await serialised(async () => (await entry.session).release());
}

interface Held {
  ort: Ort;
  url: string;
  model: Uint8Array;
  choice: ProviderChoice;
  profile: boolean;
  entry: Entry;
  fallback: Fallback;
  /** The move to WASM after a failed WebGPU run, shared by runs that failed together. */
  moving?: Promise<void>;
  released: boolean;
}
const held = new WeakMap<ModelHandle, Held>();

function stateOf(handle: ModelHandle): Held {
  const state = held.get(handle);
  if (!state || state.released) throw new Error('the model handle was released (or not made by openModel)');
  return state;
}

/** Opens graph `graph` of `card` on the chosen provider. 'auto' uses WebGPU when this browser has it and
 * falls back to WASM (see Fallback) when it has not or the WebGPU session cannot be created; an explicit
 * 'webgpu' never falls back. Every handle must be given back with `release`. */
export async function openModel(opts: OpenOptions): Promise<ModelHandle> {
  const { card, choice, signal, onProgress } = opts;
  const profile = !!opts.profile;
  let graph: GraphSpec;
  try {
    graph = graphOf(card, opts.graph);
  } catch (err) {
    throw new WidgetError('error.cardInvalid', { detail: (err as Error).message });
  }
  throwIfAborted(signal);
  const url = modelFileUrl(card, graph.file);
  const [ort, { bytes, verified }] = await Promise.all([
    loadRuntime(profile, onProgress && ((f) => onProgress(f, 'runtime')), signal),
    join(modelJobs, url, (progress) => fetchCardFile(card, graph.file, { onProgress: progress }), onProgress && ((f) => onProgress(f, 'model')), signal),
  ]);

  const gpu = choice !== 'wasm' && (await hasWebGpu());
  if (choice === 'webgpu' && !gpu) throw new WidgetError('error.webgpuUnavailable');
  let fallback: Fallback = choice === 'auto' && !gpu ? 'no-adapter' : null;
  let entry: Entry | undefined;
  if (gpu) {
    try {
      entry = await acquire(ort, url, bytes, 'webgpu', profile);
    } catch (err) {
      if (choice === 'webgpu') throw err;
      console.warn(`WebGPU could not open ${url}; using WASM.`, err);
      fallback = 'session-failed';
    }
  }
  entry ??= await acquire(ort, url, bytes, 'wasm', profile);
  if (signal?.aborted) {
    await drop(entry);
    throw new StoppedError();
  }

  const state: Held = { ort, url, model: bytes, choice, profile, entry, fallback, released: false };
  const handle: ModelHandle = {
    get provider() {
      return state.entry.provider;
    },
    get fallback() {
      return state.fallback;
    },
    graph,
    verified,
  };
  held.set(handle, state);
  return handle;
}

/** Gives the handle back; the session goes when no other handle holds it. Later calls do nothing. */
export async function release(handle: ModelHandle): Promise<void> {
  const state = held.get(handle);
  if (!state || state.released) return;
  state.released = true;
  await state.moving?.catch(() => undefined);
  await drop(state.entry);
}

/** Runs the handle's graph on `feeds` (checked against the card first: WidgetError 'error.input…' naming
 * the input) and downloads only the outputs in `fetches`, as float32. Under 'auto', a failed WebGPU run
 * moves the handle to WASM (fallback 'run-failed') and is repeated there once. */
export async function run(handle: ModelHandle, feeds: Record<string, Feed>, fetches: string[], options: RunOptions = {}): Promise<RunResult> {
  const state = stateOf(handle);
  checkFeeds(handle.graph, feeds);
  checkFetches(handle.graph, fetches);
  let used = state.entry;
  const attempt = () =>
    serialised(() => {
      used = state.entry;
      return runSession(state.ort, used, feeds, fetches, options.signal);
    });
  try {
    return await attempt();
  } catch (err) {
    if (isAbort(err)) throw err;
    if (used.provider !== 'webgpu' || state.choice !== 'auto') throw asWidgetError(err);
    console.warn('A WebGPU run failed; the model moves to WASM.', err);
    state.moving ??= moveToWasm(state, used);
    await state.moving;
    try {
      return await attempt();
    } catch (again) {
      throw isAbort(again) ? again : asWidgetError(again);
    }
  }
}

async function moveToWasm(state: Held, gpu: Entry): Promise<void> {
  state.entry = await acquire(state.ort, state.url, state.model, 'wasm', state.profile);
  state.fallback = 'run-failed';
  await drop(gpu);
}

let runsInFlight = 0;
let peakRunsInFlight = 0;

/** Sessions open in this page (widgets' shared ones) and the most session runs ever in flight at once,
 * which the queue keeps at 1: the widgets show both, so that a test of rapid clicks can see that none
 * overlapped and no session was left behind. */
export function runtimeStats(): { sessions: number; peakRuns: number } {
  return { sessions: sessions.size, peakRuns: peakRunsInFlight };
}

async function runSession(ort: Ort, entry: Entry, feeds: Record<string, Feed>, fetches: string[], signal?: AbortSignal): Promise<RunResult> {
  throwIfAborted(signal);
  const session = await entry.session;
  const tensors: Record<string, OrtModule.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) tensors[name] = new ort.Tensor(feed.dtype, feed.data, feed.dims);
  peakRunsInFlight = Math.max(peakRunsInFlight, ++runsInFlight);
  const start = performance.now();
  try {
    const results = await session.run(tensors, fetches);
    const outputs: Record<string, Tensor> = {};
    for (const name of fetches) {
      const value = results[name]!;
      const data = await value.getData(true);
      // Integer outputs (a class map, a chosen token; int64) become floats too: one array type for every
      // viewer, and small integers are exact in float32.
      outputs[name] = { dims: [...value.dims], data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number | bigint>, Number) };
    }
    return { outputs, provider: entry.provider, ms: performance.now() - start };
  } finally {
    runsInFlight -= 1;
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}

export interface Timing {
  /** Milliseconds to create the session from the downloaded model (the download not included). */
  createMs: number;
  /** The first run after creation: WebGPU compiles its shaders here. */
  firstMs: number;
  /** Each warm run after the first, in order. */
  warmMs: number[];
  /** What the first run computed, for a check against PyTorch. */
  outputs: Record<string, Tensor>;
}

export interface TimeOptions {
  card: ModelCard;
  graph: string;
  provider: Provider;
  feeds: Record<string, Feed>;
  fetches: string[];
  /** Warm runs timed after the first. */
  runs: number;
  /** Untimed runs between the first and the timed ones, for at least this long (ms). */
  settleMs?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, part: LoadPart | 'runs') => void;
}

/** Times a session of its own (never one a widget holds, so that creation is really timed) on exactly
 * `provider`: creation, the first run, untimed runs for `settleMs`, then `runs` warm runs, each through the
 * same path as a widget's run (tensors in, fetched outputs read back as float32). For the device benchmark
 * and `npm run bench`. */
export async function timeModel(opts: TimeOptions): Promise<Timing> {
  const { card, graph: name, provider, feeds, fetches, runs, settleMs = 0, signal, onProgress } = opts;
  const graph = graphOf(card, name);
  checkFeeds(graph, feeds);
  checkFetches(graph, fetches);
  const url = modelFileUrl(card, graph.file);
  const [ort, { bytes }] = await Promise.all([
    loadRuntime(false, onProgress && ((f) => onProgress(f, 'runtime')), signal),
    join(modelJobs, url, (progress) => fetchCardFile(card, graph.file, { onProgress: progress }), onProgress && ((f) => onProgress(f, 'model')), signal),
  ]);
  if (provider === 'webgpu' && !(await hasWebGpu())) throw new WidgetError('error.webgpuUnavailable');
  throwIfAborted(signal);
  let createMs = 0;
  const session = serialised(async () => {
    const start = performance.now();
    const created = await createSession(ort, bytes, provider, false);
    createMs = performance.now() - start;
    return created;
  });
  const entry: Entry = { key: `${url}|${provider}|timing`, provider, refs: 1, session };
  try {
    await session;
    const once = () => serialised(() => runSession(ort, entry, feeds, fetches, signal));
    const first = await once();
    for (const start = performance.now(); performance.now() - start < settleMs; ) await once();
    const warmMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      onProgress?.(i / runs, 'runs');
      warmMs.push((await once()).ms);
    }
    return { createMs, firstMs: first.ms, warmMs, outputs: first.outputs };
  } catch (err) {
    throw isAbort(err) ? err : asWidgetError(err);
  } finally {
    await serialised(async () => (await session.catch(() => null))?.release());
  }
}

/** Ends profiling of a `profile: true` session and counts its kernels per provider. onnxruntime prints
 * the profile through the console.log it captured when it loaded (see tapConsoleLog), one event a line. */
export async function endProfile(handle: ModelHandle): Promise<ProfileSummary> {
  const state = stateOf(handle);
  return serialised(async () => {
    const session = await state.entry.session;
    const lines: string[] = [];
    logSink = lines;
    try {
      session.endProfiling();
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
