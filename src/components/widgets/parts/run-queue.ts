/**
 * A widget's jobs (load, draw, verify), one at a time: two never interleave. A job that arrives while
 * another runs waits; a waiting job with the same key is replaced by the newer one (only the latest input
 * matters). A preempting job (a provider switch) first aborts the running one through its AbortSignal;
 * the job decides where it can stop (between runs).
 */
export type Job = (signal: AbortSignal) => Promise<void>;

interface Waiting {
  key: string;
  job: Job;
  settle: () => void;
}

export class RunQueue {
  private running: AbortController | null = null;
  private waiting: Waiting[] = [];
  private idle: Promise<void> = Promise.resolve();
  private closed = false;

  /** Resolves when the job has finished, failed, or was replaced while waiting. The job handles its own
   * errors; anything it lets escape is dropped here so that the queue keeps going. */
  submit(key: string, job: Job, opts: { preempt?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((settle) => {
      const same = this.waiting.findIndex((w) => w.key === key);
      if (same >= 0) this.waiting.splice(same, 1)[0]!.settle();
      this.waiting.push({ key, job, settle });
      if (opts.preempt) this.running?.abort();
      if (!this.running) this.idle = this.drain();
    });
  }

  /** Whether a job is running now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Aborts the running job (the Stop button); waiting jobs still run. */
  abort(): void {
    this.running?.abort();
  }

  /** Aborts the running job, drops the waiting ones and resolves once nothing runs; later submits are
   * ignored until `open()`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.settle();
    this.running?.abort();
    await this.idle;
  }

  open(): void {
    this.closed = false;
  }

  private async drain(): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      const controller = new AbortController();
      this.running = controller;
      try {
        await next.job(controller.signal);
      } catch {
        // The job reports its own failures; the queue only has to survive them.
      } finally {
        this.running = null;
        next.settle();
      }
    }
  }
}
