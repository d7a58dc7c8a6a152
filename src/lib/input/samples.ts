/** The test-set images a model ships for its widget (public/models/<slug>/samples.json). */
export interface Sample {
  id: string;
  test_index: number;
  label: number;
  /** 8-bit grey pixels, row-major. */
  pixels: Uint8Array;
}
export interface SampleSet {
  width: number;
  height: number;
  samples: Sample[];
}

interface RawSamples {
  width: number;
  height: number;
  samples: { id: string; test_index: number; label: number; pixels: string }[];
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function parseSamples(raw: RawSamples): SampleSet {
  return {
    width: raw.width,
    height: raw.height,
    samples: raw.samples.map((s) => {
      const pixels = decodeBase64(s.pixels);
      if (pixels.length !== raw.width * raw.height) throw new Error(`sample ${s.id} has ${pixels.length} pixels`);
      return { ...s, pixels };
    }),
  };
}
