import type { UiKey } from '../../i18n';

/** A failure the reader should see, as a UI-dictionary key plus values, so it shows in the page's language. */
export class WidgetError extends Error {
  constructor(
    readonly key: UiKey,
    readonly vars: Record<string, string | number> = {},
  ) {
    super(`${key} ${JSON.stringify(vars)}`);
    this.name = 'WidgetError';
  }
}

/** Wraps anything thrown while running a model so that it can be shown to the reader. onnxruntime's
 * WebAssembly side may throw values that are not Errors (a number, a WebAssembly.Exception). */
export function asWidgetError(err: unknown, key: UiKey = 'error.run'): WidgetError {
  if (err instanceof WidgetError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new WidgetError(key, { detail: detail.slice(0, 300) });
}

/** Thrown when an AbortSignal stopped the work: not a failure, the reader (or a newer input) asked for it.
 * Named like the DOM's AbortError, which an aborted fetch throws. */
export class StoppedError extends WidgetError {
  constructor() {
    super('widget.stopped');
    this.name = 'AbortError';
  }
}

/** Whether `err` means "stopped" rather than "failed": ours, or a DOM AbortError from an aborted fetch. */
export function isAbort(err: unknown): boolean {
  return err instanceof StoppedError || (err instanceof Error && err.name === 'AbortError');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StoppedError();
}

/** Failures that may pass on a second try without reloading the page: the widget offers Retry. */
export const RETRYABLE: readonly UiKey[] = ['error.downloadCut', 'error.runtimeDownload'];

export function isRetryable(err: unknown): boolean {
  return err instanceof WidgetError && RETRYABLE.includes(err.key);
}
