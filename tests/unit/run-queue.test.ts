/** A widget's job queue: two jobs never run at once, only the newest waiting input is kept, a preempting
 * job aborts the running one, and closing stops everything. */
import { describe, expect, it } from 'vitest';
import { RunQueue } from '../../src/components/widgets/parts/run-queue';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** A job that runs `steps` ticks, stopping between them when aborted, and logs what it did. */
function job(log: string[], name: string, steps = 3, state = { running: 0, most: 0 }) {
  return async (signal: AbortSignal) => {
    state.running += 1;
    state.most = Math.max(state.most, state.running);
    log.push(`${name} start`);
    try {
      for (let i = 0; i < steps; i++) {
        if (signal.aborted) {
          log.push(`${name} aborted`);
          return;
        }
        await tick();
      }
      log.push(`${name} done`);
    } finally {
      state.running -= 1;
    }
  };
}

describe('RunQueue', () => {
  it('runs jobs one at a time, and keeps only the newest waiting job of a key', async () => {
    const queue = new RunQueue();
    const log: string[] = [];
    const state = { running: 0, most: 0 };
    const all = [
      queue.submit('draw', job(log, 'a', 3, state)),
      queue.submit('draw', job(log, 'b', 3, state)), // replaced by c before it starts
      queue.submit('verify', job(log, 'v', 1, state)),
      queue.submit('draw', job(log, 'c', 3, state)),
    ];
    await Promise.all(all);
    expect(log).toEqual(['a start', 'a done', 'v start', 'v done', 'c start', 'c done']);
    expect(state.most).toBe(1);
    expect(queue.busy).toBe(false);
  });

  it('a preempting job aborts the running one, which stops between its steps', async () => {
    const queue = new RunQueue();
    const log: string[] = [];
    const first = queue.submit('load', job(log, 'webgpu', 50));
    await tick();
    await Promise.all([first, queue.submit('load', job(log, 'wasm', 2), { preempt: true })]);
    expect(log).toEqual(['webgpu start', 'webgpu aborted', 'wasm start', 'wasm done']);
  });

  it('abort() stops the running job only; a job that throws does not stop the queue', async () => {
    const queue = new RunQueue();
    const log: string[] = [];
    const loop = queue.submit('draw', job(log, 'loop', 50));
    const failing = queue.submit('verify', async () => {
      log.push('failing start');
      throw new Error('boom');
    });
    const after = queue.submit('load', job(log, 'after', 1));
    await tick();
    queue.abort();
    await Promise.all([loop, failing, after]);
    expect(log).toEqual(['loop start', 'loop aborted', 'failing start', 'after start', 'after done']);
  });

  it('close() aborts the running job, drops the waiting ones and ignores new ones until open()', async () => {
    const queue = new RunQueue();
    const log: string[] = [];
    void queue.submit('load', job(log, 'running', 50));
    const waiting = queue.submit('draw', job(log, 'waiting', 1));
    await tick();
    await queue.close();
    await waiting;
    expect(queue.busy).toBe(false);
    await queue.submit('draw', job(log, 'ignored', 1));
    queue.open();
    await queue.submit('draw', job(log, 'reopened', 1));
    expect(log).toEqual(['running start', 'running aborted', 'reopened start', 'reopened done']);
  });
});
