import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, imageSize } from '../../src/lib/input/image-size';

// Written by Pillow (tests/fixtures/images/make.py): the sizes it wrote, by file.
const dir = 'tests/fixtures/images';
const sizes = JSON.parse(readFileSync(`${dir}/sizes.json`, 'utf8')) as Record<string, { format: string; width: number; height: number }>;
const head = (name: string) => new Uint8Array(readFileSync(`${dir}/${name}`)).subarray(0, HEADER_BYTES);

describe('imageSize reads the size Pillow wrote, from the header alone', () => {
  for (const [name, size] of Object.entries(sizes)) {
    it(name, () => expect(imageSize(head(name))).toEqual(size));
  }

  it('needs only the start of the file: a PNG cut after its header still has its size', () => {
    expect(imageSize(head('fifty-megapixels.png').subarray(0, 24))).toEqual(sizes['fifty-megapixels.png']);
  });

  it('a JPEG whose frame lies beyond the bytes read, text, an SVG and an empty file have none', () => {
    expect(imageSize(head('baseline.jpg').subarray(0, 200))).toBeNull(); // the EXIF segment is 3 KB long
    expect(imageSize(new TextEncoder().encode('not really a png'))).toBeNull();
    expect(imageSize(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'))).toBeNull();
    expect(imageSize(new Uint8Array(0))).toBeNull();
  });
});
