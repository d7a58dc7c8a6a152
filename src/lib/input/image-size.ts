/**
 * An image's format and size read from the first bytes of its file, before anything is decoded: so that a
 * 50-megapixel photo can be refused with its size instead of taking hundreds of megabytes to decode, and
 * so that a file that is no image can be told from an image the browser failed to decode. PNG, GIF, JPEG
 * and WebP, the formats the upload accepts by name; checked against images written by Pillow
 * (tests/fixtures/images/).
 */
export interface ImageSize {
  format: 'PNG' | 'GIF' | 'JPEG' | 'WebP';
  width: number;
  height: number;
}

/** Bytes of a file's start that are enough for every format above (a JPEG's size follows its EXIF data). */
export const HEADER_BYTES = 256 * 1024;

const ascii = (b: Uint8Array, at: number, text: string) => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

/** The format and size stated by `head`, the start of a file; null when it is none of the four. */
export function imageSize(head: Uint8Array): ImageSize | null {
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const has = (n: number) => head.length >= n;
  if (has(24) && ascii(head, 0, '\x89PNG\r\n\x1a\n') && ascii(head, 12, 'IHDR')) {
    return { format: 'PNG', width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (has(10) && (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a'))) {
    return { format: 'GIF', width: v.getUint16(6, true), height: v.getUint16(8, true) };
  }
  if (has(30) && ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) {
    if (ascii(head, 12, 'VP8 ') && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) {
      return { format: 'WebP', width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
    }
    if (ascii(head, 12, 'VP8L') && head[20] === 0x2f) {
      const bits = v.getUint32(21, true);
      return { format: 'WebP', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (ascii(head, 12, 'VP8X')) {
      const u24 = (at: number) => head[at]! | (head[at + 1]! << 8) | (head[at + 2]! << 16);
      return { format: 'WebP', width: u24(24) + 1, height: u24(27) + 1 };
    }
    return null;
  }
  if (has(4) && head[0] === 0xff && head[1] === 0xd8) {
    // Walk the segments to the first start-of-frame (C0–CF, less C4 DHT, C8 and CC DAC): its size.
    let at = 2;
    while (at + 9 <= head.length) {
      if (head[at] !== 0xff) return null;
      const marker = head[at + 1]!;
      if (marker === 0xff) { at += 1; continue; } // fill byte
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: 'JPEG', width: v.getUint16(at + 7), height: v.getUint16(at + 5) };
      }
      if (marker === 0xd9 || marker === 0xda) return null; // end of image, or scan data before any frame
      at += 2 + v.getUint16(at + 2);
    }
  }
  return null;
}
