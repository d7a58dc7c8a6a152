/**
 * Every widget kind, under the name a model card gives in `widget`. ModelWidget.astro renders a chapter's
 * model with the entry its card names; the e2e fixtures read which chapter shows which kind and element;
 * the CSS styles every widget through the `data-widget` attribute its root element carries.
 *
 * A new kind is one entry here, its component (an .astro file rendering <WidgetShell kind=…>, plus its
 * custom element) and its e2e spec. Components load lazily, so Node code (Playwright) can read this file.
 */
import { blockCount, type ModelCard } from '../../lib/card';
import type { Lang } from '../../i18n';
import { seq2seqProblems } from './translator-card';
import { vitLayout } from './vit-card';
import { diffusionLayout } from './diffusion-card';
import { bertLayout, bertPair } from './bert-card';
import { copyLayout, copyPair } from './selective-copy-card';
import { poemLayout } from './poem-card';

/** What ModelWidget.astro passes every widget component: the chapter's model first, its twin second. */
export interface WidgetProps {
  cards: ModelCard[];
  lang: Lang;
}

export interface WidgetEntry {
  /** The custom element the component renders as its root. */
  tag: `na-${string}`;
  load: () => Promise<{ default: (props: WidgetProps) => unknown }>;
  /** The kind's own e2e spec, relative to the repository (the generic checks are in widget.spec.ts). */
  spec: string;
  /** Whether the chapter must, may or must not name a second model (`compare`) to show beside the first. */
  twin: 'required' | 'optional' | 'none';
  /** Reasons these cards cannot be shown by this kind, beyond a missing twin; empty when they can. */
  problems?: (card: ModelCard, twin?: ModelCard) => string[];
}

/** A kind whose card reader throws on what it cannot show: its message is the problem. */
const readable = (layout: (card: ModelCard) => unknown) => (card: ModelCard): string[] => {
  try {
    layout(card);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
};
const hasRole = (card: ModelCard, role: string) => card.graphs[0]!.outputs.some((o) => o.role === role);
const hasImage = (card: ModelCard) => card.graphs[0]!.inputs.some((i) => i.kind === 'image');

export const WIDGETS = {
  'image-classifier': {
    tag: 'na-image-classifier',
    load: () => import('./ImageClassifier.astro'),
    spec: 'tests/e2e/image-classifier.spec.ts',
    twin: 'none',
    problems: (card) => [
      ...(hasImage(card) ? [] : ['needs an image input']),
      ...(hasRole(card, 'probabilities') ? [] : ['needs a probabilities output']),
    ],
  },
  'residual-explorer': {
    tag: 'na-residual-explorer',
    load: () => import('./ResidualExplorer.astro'),
    spec: 'tests/e2e/residual-explorer.spec.ts',
    twin: 'required',
    problems: (card, twin) => [
      ...(hasImage(card) ? [] : ['needs an image input']),
      ...(hasRole(card, 'block_ratios') ? [] : ['needs a block_ratios output']),
      ...(blockCount(card) > 0 && twin && blockCount(twin) === blockCount(card) ? [] : ['the model and its twin must expose the same residual blocks']),
    ],
  },
  'segmentation-explorer': {
    tag: 'na-segmentation-explorer',
    load: () => import('./SegmentationExplorer.astro'),
    spec: 'tests/e2e/segmentation-explorer.spec.ts',
    twin: 'required',
    problems: (card, twin) => [
      ...(card.scene ? [] : ['needs a scene recipe']),
      ...([card, twin].every((c) => c && hasRole(c, 'mask')) ? [] : ['the model and its twin each need a mask output']),
    ],
  },
  translator: {
    tag: 'na-translator',
    load: () => import('./Translator.astro'),
    spec: 'tests/e2e/translator.spec.ts',
    twin: 'none',
    problems: (card) => seq2seqProblems(card),
  },
  'vit-explorer': {
    tag: 'na-vit-explorer',
    load: () => import('./VitExplorer.astro'),
    spec: 'tests/e2e/vit-explorer.spec.ts',
    twin: 'optional',
    problems: (card, twin) => [
      ...readable(vitLayout)(card),
      ...(twin && !hasRole(twin, 'probabilities') ? ['the model beside it needs a probabilities output'] : []),
    ],
  },
  'diffusion-explorer': {
    tag: 'na-diffusion-explorer',
    load: () => import('./DiffusionExplorer.astro'),
    spec: 'tests/e2e/diffusion-explorer.spec.ts',
    twin: 'none',
    problems: readable(diffusionLayout),
  },
  'bert-explorer': {
    tag: 'na-bert-explorer',
    load: () => import('./BertExplorer.astro'),
    spec: 'tests/e2e/bert-explorer.spec.ts',
    twin: 'required',
    // The second card is the fine-tuned classifier, fed the same ids and segments.
    problems: (card, twin) => readable((c) => (twin ? bertPair(c, twin) : bertLayout(c)))(card),
  },
  'selective-copy': {
    tag: 'na-selective-copy',
    load: () => import('./SelectiveCopy.astro'),
    spec: 'tests/e2e/selective-copy.spec.ts',
    twin: 'required',
    // The second card is the time-invariant twin, run on the same ids.
    problems: (card, twin) => readable((c) => (twin ? copyPair(c, twin) : copyLayout(c)))(card),
  },
  'poem-generator': {
    tag: 'na-poem-generator',
    load: () => import('./PoemGenerator.astro'),
    spec: 'tests/e2e/poem-generator.spec.ts',
    twin: 'none',
    problems: readable(poemLayout),
  },
} as const satisfies Record<string, WidgetEntry>;

export type WidgetKind = keyof typeof WIDGETS;

export function isWidgetKind(kind: string): kind is WidgetKind {
  return Object.hasOwn(WIDGETS, kind);
}
