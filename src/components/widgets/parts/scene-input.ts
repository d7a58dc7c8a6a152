/** The input side of the segmentation widget: a scene the reader composes from shipped test garments
 * (random, or by adding and dragging garments), the shipped held-out scenes, or an upload. Composed and
 * held-out scenes know their ground truth; uploads do not. */
import { t } from '../../../i18n';
import { greyFromBytes, letterbox, type Grey } from '../../../lib/input/preprocess';
import type { SceneSample } from '../../../lib/input/samples';
import {
  addGarment, garmentAt, moveTo, randomScene, renderScene, type Garment, type Scene, type SceneRecipe,
} from '../../../lib/input/scene';
import { GreyInput, fetchSamples, thumbButton } from './grey-input';
import type { Feeds, InputContext } from './model-widget';

const STEP = 2; // scene pixels per arrow-key press (8 with Shift)

export class SceneInput extends GreyInput {
  /** Label map of the current input, or null when it is not known (an upload). */
  truth: Uint8Array | null = null;
  private garments: (Garment & { id: string; testIndex: number })[] = [];
  private heldOut: SceneSample[] = [];
  private scene: Scene | null = null;
  /** The garment that arrow keys move: the last one added or dragged. */
  private active = -1;
  private readonly recipe: SceneRecipe;

  constructor(ctx: InputContext) {
    super(ctx, 'scene', 'scenes');
    if (!ctx.card.scene) throw new Error(`card ${ctx.card.slug} has no scene recipe`);
    this.recipe = ctx.card.scene;
    this.find('random').addEventListener('click', () => {
      // Before the garments have arrived there is nothing to compose with; the first click starts loading.
      if (this.garments.length) this.useScene(randomScene(this.newSeed(), this.garments, this.recipe));
    });
    this.find('clear').addEventListener('click', () => this.useScene({ size: this.recipe.size, seed: this.newSeed(), placed: [] }));
    this.wireSceneCanvas(this.find<HTMLCanvasElement>('scene'));
  }

  async load(signal: AbortSignal): Promise<Feeds | null> {
    const set = await fetchSamples(this.ctx, signal);
    if (set.sceneSize !== this.recipe.size) throw new Error(`shipped scenes are ${set.sceneSize} px, the recipe says ${this.recipe.size}`);
    this.garments = set.samples.map((s) => ({ id: s.id, testIndex: s.test_index, pixels: s.pixels, side: set.width, label: s.label }));
    this.heldOut = set.scenes;
    const labels = this.card.labels?.[this.lang] ?? [];
    this.find('garments').replaceChildren(...this.garments.map((g, i) => this.garmentButton(g, i, labels[g.label + 1] ?? '')));
    this.find('scenes').replaceChildren(
      ...this.heldOut.map((s, i) => {
        const button = this.sampleButton(greyFromBytes(s.pixels, this.recipe.size, this.recipe.size), s.id, t(this.lang, 'seg.heldOutScene', { n: i + 1 }));
        button.addEventListener('click', () => this.ctx.onInput(this.useHeldOut(s)));
        return button;
      }),
    );
    const first = this.heldOut[0];
    return first ? this.useHeldOut(first) : this.render(randomScene(this.newSeed(), this.garments, this.recipe));
  }

  private newSeed(): number {
    return Math.floor(Math.random() * 2 ** 32);
  }

  /** A palette entry: click or Enter adds the garment in the middle; dragging it onto the scene adds it
   * where it is dropped. */
  private garmentButton(g: Garment & { testIndex: number; id: string }, i: number, label: string): HTMLButtonElement {
    const button = thumbButton(greyFromBytes(g.pixels, g.side, g.side), t(this.lang, 'seg.addGarment', { label, id: g.testIndex }));
    button.dataset.garment = String(i);
    let dragged = false;
    button.addEventListener('pointerdown', (e) => {
      dragged = false;
      const start = { x: e.clientX, y: e.clientY };
      const move = (m: PointerEvent) => {
        if (Math.hypot(m.clientX - start.x, m.clientY - start.y) > 4) dragged = true;
      };
      const stop = () => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
        window.removeEventListener('pointercancel', stop);
      };
      const up = (u: PointerEvent) => {
        stop();
        const at = dragged ? this.scenePoint(u) : null;
        if (at) this.add(g, at.x, at.y);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
      // A touch that turns into scrolling is cancelled: forget the drag rather than drop it later.
      window.addEventListener('pointercancel', stop);
    });
    button.addEventListener('click', () => {
      if (!dragged) this.add(g, this.recipe.size / 2, this.recipe.size / 2);
      dragged = false;
    });
    return button;
  }

  /** Scene pixel under a pointer event, or null when the pointer is outside the scene canvas. */
  private scenePoint(e: { clientX: number; clientY: number }): { x: number; y: number } | null {
    const rect = this.find('scene').getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * this.recipe.size;
    const y = ((e.clientY - rect.top) / rect.height) * this.recipe.size;
    return x >= 0 && y >= 0 && x < this.recipe.size && y < this.recipe.size ? { x, y } : null;
  }

  private add(g: Garment, x: number, y: number): void {
    // A held-out scene or an upload has no garments to keep: adding one starts a fresh scene.
    const base = this.scene ?? { size: this.recipe.size, seed: this.newSeed(), placed: [] };
    const scene = addGarment(base, g, x, y, this.recipe);
    this.active = scene.placed.length - 1;
    this.useScene(scene, this.active);
  }

  private wireSceneCanvas(canvas: HTMLCanvasElement): void {
    let drag: { index: number; dx: number; dy: number } | null = null;
    canvas.addEventListener('pointerdown', (e) => {
      const at = this.scenePoint(e);
      if (!this.scene || !at) return;
      const index = garmentAt(this.scene, at.x, at.y, this.recipe);
      if (index < 0) return;
      const p = this.scene.placed[index]!;
      drag = { index, dx: at.x - (p.left + p.side / 2), dy: at.y - (p.top + p.side / 2) };
      this.active = index;
      canvas.setPointerCapture(e.pointerId);
      canvas.classList.add('dragging');
    });
    canvas.addEventListener('pointermove', (e) => {
      const at = this.scenePoint(e);
      if (drag && at) this.move(drag.index, at.x - drag.dx, at.y - drag.dy);
    });
    const end = () => {
      drag = null;
      canvas.classList.remove('dragging');
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('keydown', (e) => {
      const p = this.scene?.placed[this.active];
      if (!p) return;
      const step = e.shiftKey ? 4 * STEP : STEP;
      const delta: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const d = delta[e.key];
      if (d) {
        e.preventDefault();
        this.move(this.active, p.left + p.side / 2 + d[0], p.top + p.side / 2 + d[1]);
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        const placed = this.scene!.placed.filter((_, i) => i !== this.active);
        this.active = placed.length - 1;
        this.useScene({ ...this.scene!, placed });
      }
    });
  }

  private move(index: number, x: number, y: number): void {
    const scene = this.scene!;
    const placed = scene.placed.map((p, i) => (i === index ? moveTo(p, x, y, scene.size) : p));
    this.useScene({ ...scene, placed }, index);
  }

  private useScene(scene: Scene, active = scene.placed.length - 1): void {
    this.active = active;
    this.ctx.onInput(this.render(scene));
  }

  private render(scene: Scene): Feeds {
    const { image, labels } = renderScene(scene, this.recipe);
    this.scene = scene;
    this.truth = labels;
    this.press(null);
    this.find('scene').dataset.garments = String(scene.placed.length);
    return this.show(image);
  }

  private useHeldOut(s: SceneSample): Feeds {
    this.scene = null;
    this.truth = s.labels;
    this.press(s.id);
    return this.show(greyFromBytes(s.pixels, this.recipe.size, this.recipe.size));
  }

  protected fit(img: Grey): Grey {
    return letterbox(img, this.recipe.size);
  }

  protected forget(): void {
    this.scene = null;
    this.truth = null;
  }
}
