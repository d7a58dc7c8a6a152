import type * as Ort from 'onnxruntime-web/webgpu';

export const BUILD: 'jspi' | 'webgpu';
export function importOrt(): Promise<typeof Ort>;
export function ortWasmUrl(): Promise<string>;
