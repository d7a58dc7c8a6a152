/** A named region of a source file, marked `# region <name>` … `# endregion <name>` (or with //). */
export interface CodeRegion {
  code: string;
  /** 1-based line numbers of the first and last line of the region's body in the file. */
  startLine: number;
  endLine: number;
}

export function extractRegion(source: string, name: string, file = 'file'): CodeRegion {
  const lines = source.split('\n');
  const marker = (kind: string) => new RegExp(`^\\s*(#|//)\\s*${kind}\\s+${name}\\s*$`);
  const start = lines.findIndex((l) => marker('region').test(l));
  const end = lines.findIndex((l, i) => i > start && marker('endregion').test(l));
  if (start < 0 || end < 0) {
    throw new Error(`${file}: no region "${name}" (mark it with "# region ${name}" … "# endregion ${name}")`);
  }
  return { code: lines.slice(start + 1, end).join('\n'), startLine: start + 2, endLine: end };
}
