/** Step-by-step work (greedy decoding, sampling, a recurrence) that reports every step, stays out of the
 * page's way and can be stopped between steps. */
import { isAbort } from './errors';

export interface LoopStep<T> {
  index: number;
  total: number;
  value: T;
}

export interface LoopOptions<T> {
  /** The most steps the loop takes. */
  total: number;
  /** Checked before every step; an abort ends the loop as stopped. It is also handed to `step`, so that
   * a run inside it refuses to start once the loop was stopped. */
  signal?: AbortSignal;
  step: (index: number, signal?: AbortSignal) => Promise<T>;
  /** Called after each step with its value (to draw it); awaited before the next step. */
  onStep?: (s: LoopStep<T>) => void | Promise<void>;
  /** Ends the loop early (not as stopped) after a step whose value satisfies it: the decoder's EOS. */
  until?: (value: T, index: number) => boolean;
}

export interface LoopResult<T> {
  /** The value of every step that completed, in order. */
  values: T[];
  /** True when the signal ended the loop before `total` steps or `until`. */
  stopped: boolean;
}

/** Lets the browser handle input and paint before the next step: scheduler.yield where the browser has it
 * (the continuation keeps its priority), else a macrotask. */
export function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

let pausedMs = 0;

/** Milliseconds spent in `pause` on this page so far: a widget's time to a result, less these, is its own
 * work (what `npm run bench` compares with the time in session.run). */
export function pausedSoFar(): number {
  return pausedMs;
}

/** Resolves after `ms`, or at once when `signal` aborts: the pace of a widget's Play, which a Stop cuts
 * short (the loop then ends as stopped). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      pausedMs += performance.now() - start;
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** Runs `step` for index 0, 1, … up to `total - 1`, yielding to the page between steps. A step that
 * throws an abort (see isAbort) ends the loop as stopped; any other error propagates. */
export async function runLoop<T>(opts: LoopOptions<T>): Promise<LoopResult<T>> {
  const { total, signal } = opts;
  const values: T[] = [];
  for (let index = 0; index < total; index++) {
    if (index > 0) await yieldToPage();
    if (signal?.aborted) return { values, stopped: true };
    let value: T;
    try {
      value = await opts.step(index, signal);
    } catch (err) {
      if (isAbort(err)) return { values, stopped: true };
      throw err;
    }
    values.push(value);
    await opts.onStep?.({ index, total, value });
    if (opts.until?.(value, index)) break;
  }
  return { values, stopped: false };
}
