import { WidgetError } from '../runtime/errors';

const MAX_SIDE = 512; // larger photos are shrunk first; the model sees 28×28 anyway

/** Decodes an uploaded file into RGBA pixels, or throws the "not an image" error for the reader. */
export async function readImageFile(file: File): Promise<ImageData> {
  if (!file.type.startsWith('image/')) throw new WidgetError('error.notImage');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new WidgetError('error.notImage');
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
