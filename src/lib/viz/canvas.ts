/**
 * The 2D context the viewers paint with. They write whole images (putImageData) into many small canvases: a
 * canvas kept in CPU memory takes each as a copy, where a GPU-backed one uploads it. In the bench's Chromium
 * the uploads were the largest part of the ViT widget's drawing (thirty views a run), and CPU canvases cut
 * that part by more than half.
 */
export function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  return canvas.getContext('2d', { willReadFrequently: true });
}
