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

/** Wraps anything thrown while running a model so that it can be shown to the reader. */
export function asWidgetError(err: unknown, key: UiKey = 'error.run'): WidgetError {
  if (err instanceof WidgetError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new WidgetError(key, { detail: detail.slice(0, 300) });
}
