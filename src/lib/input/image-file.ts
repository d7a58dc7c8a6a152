import { WidgetError } from '../runtime/errors';
import { HEADER_BYTES, imageSize } from './image-size';

const MAX_SIDE = 512; // larger photos are shrunk first; the model sees 28×28 anyway
/** The largest image decoded, in megapixels: decoding takes 4 bytes a pixel (160 MB here) before the
 * picture is shrunk, more than a phone may give a page. */
export const MAX_MEGAPIXELS = 40;

/** Decodes an uploaded file into RGBA pixels, at most MAX_SIDE on a side, or throws the error the reader
 * needs: 'error.svgImage' for a drawing, 'error.notImage' for a file that is no image, 'error.imageTooLarge'
 * (read from the file's header, before decoding) and 'error.imageDecode' for an image the browser could not
 * decode. */
export async function readImageFile(file: File): Promise<ImageData> {
  if (file.type === 'image/svg+xml' || /\.svgz?$/i.test(file.name)) throw new WidgetError('error.svgImage');
  if (!file.type.startsWith('image/')) throw new WidgetError('error.notImage');
  const size = imageSize(new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer()));
  if (size && size.width * size.height > MAX_MEGAPIXELS * 1e6) {
    throw new WidgetError('error.imageTooLarge', {
      width: size.width, height: size.height, megapixels: (size.width * size.height / 1e6).toFixed(1), max: MAX_MEGAPIXELS,
    });
  }
  let bitmap: ImageBitmap;
  try {
    // With the size known, the browser may shrink while decoding instead of after.
    const scale = size ? Math.min(1, MAX_SIDE / Math.max(size.width, size.height)) : 1;
    bitmap = await (size && scale < 1
      ? createImageBitmap(file, { resizeWidth: Math.max(1, Math.round(size.width * scale)), resizeHeight: Math.max(1, Math.round(size.height * scale)), resizeQuality: 'high' })
      : createImageBitmap(file));
  } catch {
    // A file whose header names a format we read but that does not decode is a damaged image; one with no
    // such header (or a format we cannot size) is, for this page, not an image.
    throw size ? new WidgetError('error.imageDecode', { format: size.format }) : new WidgetError('error.notImage');
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}
