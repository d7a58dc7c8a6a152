/** The runtime's public API: widgets, the verify module and the generators import from here. */
export { WidgetError, StoppedError, asWidgetError, isAbort, isRetryable, RETRYABLE } from './errors';
export { checkFeeds, type DType, type Feed } from './feeds';
export { fetchAsset, fetchCardFile, fetchCardJson, sha256Hex, PROGRESS_MIN_BYTES, type FetchOptions, type Fetched } from './fetch';
export { pause, pausedSoFar, runLoop, yieldToPage, type LoopOptions, type LoopResult, type LoopStep } from './loop';
export {
  openModel, run, release, endProfile, hasWebGpu, summariseProfile, timeModel, runtimeStats,
  type Fallback, type LoadPart, type ModelHandle, type OpenOptions, type ProfileSummary, type Provider,
  type ProviderChoice, type RunOptions, type RunResult, type Tensor, type Timing, type TimeOptions,
} from './ort';
