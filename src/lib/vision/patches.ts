/**
 * How a Vision Transformer reads an image: cut into non-overlapping square patches, numbered in reading
 * order (row by row), each flattened row-major — the order of torch's unfold and of a Conv2d whose stride
 * is its kernel, so patch i here is token i + 1 of the model (token 0 is the class token). Knows nothing
 * of models: the widget passes the sizes from the card.
 */

/** A square image of `size` pixels a side cut into `side` × `side` patches of `patch` pixels a side. */
export interface PatchGrid {
  size: number;
  patch: number;
  /** Patches a side: size / patch. */
  side: number;
  /** Patches in all: side². */
  count: number;
}

function positiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive integer, not ${value}`);
}

/** Throws unless the patches tile the image exactly: a remainder would be silently cut off. */
export function patchGrid(size: number, patch: number): PatchGrid {
  positiveInteger(size, 'image size');
  positiveInteger(patch, 'patch size');
  if (size % patch) throw new Error(`patch size ${patch} does not divide image size ${size}`);
  const side = size / patch;
  return { size, patch, side, count: side * side };
}

/**
 * The patches of a size × size single-channel image (row-major pixels): `count` arrays of patch² values,
 * in reading order, each row-major. The values are copied as given (scale them first if needed).
 */
export function patchify(pixels: ArrayLike<number>, grid: PatchGrid): Float32Array[] {
  const { size, patch, side, count } = grid;
  if (pixels.length !== size * size) throw new Error(`patchify: ${pixels.length} pixels, a ${size}×${size} image has ${size * size}`);
  const out: Float32Array[] = [];
  for (let p = 0; p < count; p++) {
    const top = Math.floor(p / side) * patch;
    const left = (p % side) * patch;
    const values = new Float32Array(patch * patch);
    for (let y = 0; y < patch; y++) {
      for (let x = 0; x < patch; x++) values[y * patch + x] = pixels[(top + y) * size + left + x]!;
    }
    out.push(values);
  }
  return out;
}

/** Row and column (0-based) of patch `index` in the grid. */
export function patchCell(index: number, grid: PatchGrid): { row: number; col: number } {
  if (!Number.isInteger(index) || index < 0 || index >= grid.count) throw new RangeError(`patch index ${index} is not in 0..${grid.count - 1}`);
  return { row: Math.floor(index / grid.side), col: index % grid.side };
}

/**
 * The patch that holds image point (x, y): x across, y down, in pixels, fractions allowed (a pointer
 * position scaled to the image). Throws outside [0, size) so a miss is never read as a patch; callers that
 * want the nearest patch clamp first.
 */
export function patchIndexAt(x: number, y: number, grid: PatchGrid): number {
  const inside = (v: number) => Number.isFinite(v) && v >= 0 && v < grid.size;
  if (!inside(x) || !inside(y)) throw new RangeError(`point (${x}, ${y}) is outside the ${grid.size}×${grid.size} image`);
  return Math.floor(y / grid.patch) * grid.side + Math.floor(x / grid.patch);
}
