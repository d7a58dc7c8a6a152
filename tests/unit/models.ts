/** The shipped models, or only the one in MODEL_DIR (set by `npm run models` after a training run). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';

export interface ShippedModel {
  dir: string;
  card: ModelCard;
  /** golden.json as parsed JSON; src/lib/verify reads it. */
  golden: unknown;
  samples: {
    width: number;
    height: number;
    samples: { id: string; label: number; pixels: string }[];
    /** Held-out scenes of a segmentation model, with their label maps. */
    scenes?: { id: string; pixels: string; labels: string }[];
  };
}

export function modelDirs(): string[] {
  if (process.env.MODEL_DIR) return [process.env.MODEL_DIR];
  const root = 'public/models';
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'card.json')));
}

export function loadModel(dir: string): ShippedModel {
  const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
  const card = parseCard(json('card.json'));
  return { dir, card, golden: json(card.samples.golden), samples: json(card.samples.file) };
}
