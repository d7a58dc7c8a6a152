// Display maths scrolls sideways when a formula is wider than the column (a phone, a long equation). A
// region that scrolls must be reachable by keyboard to be scrolled without a mouse, so every KaTeX display
// block gets tabindex="0" at build time.

/** @param {any} node */
function walk(node) {
  const classes = node.properties?.className;
  if (node.type === 'element' && Array.isArray(classes) && classes.includes('katex-display')) {
    node.properties.tabIndex = 0;
  }
  for (const child of node.children ?? []) walk(child);
}

export default function rehypeFocusableMath() {
  return walk;
}
