/**
 * The receptive-field view beside an enlarged feature map: the reader picks a unit of the map, and the
 * input pixels that can influence it are outlined on a copy of what the model sees, with a sentence saying
 * where and how big. The windows come from the output's receptive_field in the card (one [start, end) per
 * unit along each axis, worked out by the training script); a map without one hides the view.
 */
import { t, type Lang } from '../../../i18n';
import type { OutputSpec } from '../../../lib/card';
import { placeBox, UnitPicker } from '../../../lib/viz/unit-picker';

export class ReceptiveFieldView {
  private readonly picker: UnitPicker;
  private readonly find: <T extends HTMLElement>(name: string) => T;
  private spec: OutputSpec | null = null;

  /** `find` looks up the parts of EnlargedMap.astro, named with its `suffix`; `source` is the canvas that
   * shows what the model sees, copied under the outline. */
  constructor(find: <T extends HTMLElement>(name: string) => T, private readonly lang: Lang, private readonly source: HTMLCanvasElement, suffix?: string) {
    this.find = (name) => find(suffix ? `${name}-${suffix}` : name);
    this.picker = new UnitPicker(this.find('big'), this.find('unit-mark'), (row, col) => this.show(row, col));
  }

  /** After every draw of the enlarged map `spec` (rows × cols units): copies the input, keeps the picked
   * unit while the layer stays, and redraws its outline. */
  update(spec: OutputSpec, rows: number, cols: number): void {
    if (spec.name !== this.spec?.name) this.picker.clear();
    this.spec = spec;
    const view = this.find('rf');
    view.hidden = !spec.receptive_field;
    this.find('big').tabIndex = spec.receptive_field ? 0 : -1;
    if (!spec.receptive_field) return this.picker.clear();
    this.picker.resize(rows, cols);
    const copy = this.find<HTMLCanvasElement>('rf-input');
    copy.width = this.source.width;
    copy.height = this.source.height;
    copy.getContext('2d')!.drawImage(this.source, 0, 0);
    if (this.picker.unit) this.show(...this.picker.unit);
    else {
      this.find('rf-box').hidden = true;
      this.find('rf-caption').textContent = t(this.lang, 'widget.rfHint');
    }
  }

  private show(row: number, col: number): void {
    const field = this.spec?.receptive_field;
    if (!field) return;
    const copy = this.find<HTMLCanvasElement>('rf-input');
    const rect = { top: field.starts[row]!, bottom: field.ends[row]!, left: field.starts[col]!, right: field.ends[col]! };
    const box = this.find('rf-box');
    placeBox(box, rect, copy.height, copy.width);
    box.dataset.rows = `${rect.top},${rect.bottom}`;
    box.dataset.cols = `${rect.left},${rect.right}`;
    this.find('rf-caption').textContent = t(this.lang, 'widget.rfUnit', {
      layer: this.spec!.label[this.lang], row, col,
      top: rect.top, bottom: rect.bottom - 1, left: rect.left, right: rect.right - 1,
      height: rect.bottom - rect.top, width: rect.right - rect.left,
    });
  }
}
