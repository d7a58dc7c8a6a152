import { readFile } from 'node:fs/promises';

/** Where a training script writes the per-epoch log of run `run` (training/resnet.py does, for every run). */
export const logPath = (run: string) => `training/logs/${run}.json`;

/** Reads a run's log as parsed JSON at build time, for charts and for numbers quoted in the prose;
 * a missing or unreadable log fails the build, naming the file. */
export async function readLog(run: string): Promise<unknown> {
  const path = logPath(run);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`${path} is missing: the training script writes it (see training/resnet.py --log-only)`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
