/** A square drawing surface for mouse, pen and touch (pointer events), light strokes on dark. */
export class DrawPad {
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private dirty = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Called when a stroke ends and something was drawn. */
    private readonly onStroke: () => void,
  ) {
    canvas.style.touchAction = 'none'; // the finger draws instead of scrolling the page
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'] as const) {
      canvas.addEventListener(type, () => this.up());
    }
    this.clear();
  }

  private ctx(): CanvasRenderingContext2D {
    return this.canvas.getContext('2d', { willReadFrequently: true })!;
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) / rect.width) * this.canvas.width,
      y: ((e.clientY - rect.top) / rect.height) * this.canvas.height,
    };
  }

  private down(e: PointerEvent): void {
    this.drawing = true;
    this.canvas.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
    this.line(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.drawing || !this.last) return;
    const p = this.point(e);
    this.line(this.last, p);
    this.last = p;
  }

  private up(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    if (this.dirty) this.onStroke();
  }

  private line(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const ctx = this.ctx();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    this.dirty = true;
  }

  clear(): void {
    const ctx = this.ctx();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.dirty = false;
  }

  pixels(): ImageData {
    return this.ctx().getImageData(0, 0, this.canvas.width, this.canvas.height);
  }
}
