/** The test-set images a model ships for its widget (public/models/<slug>/samples.json). */
export interface Sample {
  id: string;
  test_index: number;
  label: number;
  /** 8-bit grey pixels, row-major. */
  pixels: Uint8Array;
}
/** A held-out segmentation scene with its label map (public/models/unet/samples.json). */
export interface SceneSample {
  id: string;
  pixels: Uint8Array;
  labels: Uint8Array;
}
/** How a model that does not take the images as they are gets them (a diffusion model: padded with
 * background to `size` × `size`, bytes scaled to its range). */
export interface ToModel {
  pad: number;
  pad_value: number;
  size: number;
}
export interface SampleSet {
  width: number;
  height: number;
  samples: Sample[];
  toModel?: ToModel;
  scenes: SceneSample[];
  sceneSize: number;
}

interface RawSamples {
  width: number;
  height: number;
  samples: { id: string; test_index: number; label: number; pixels: string }[];
  scenes?: { id: string; pixels: string; labels: string }[];
  scene_size?: number;
  to_model?: ToModel;
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodeSized(text: string, length: number, what: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (bytes.length !== length) throw new Error(`${what} has ${bytes.length} pixels, not ${length}`);
  return bytes;
}

export function parseSamples(raw: RawSamples): SampleSet {
  const sceneSize = raw.scene_size ?? 0;
  return {
    width: raw.width,
    height: raw.height,
    ...(raw.to_model ? { toModel: raw.to_model } : {}),
    samples: raw.samples.map((s) => ({ ...s, pixels: decodeSized(s.pixels, raw.width * raw.height, `sample ${s.id}`) })),
    scenes: (raw.scenes ?? []).map((s) => ({
      id: s.id,
      pixels: decodeSized(s.pixels, sceneSize ** 2, `scene ${s.id}`),
      labels: decodeSized(s.labels, sceneSize ** 2, `labels of scene ${s.id}`),
    })),
    sceneSize,
  };
}
