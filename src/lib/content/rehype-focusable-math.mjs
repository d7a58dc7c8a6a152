// KaTeX writes MathML only (astro.config.mjs): the browser typesets it, with no KaTeX fonts and a DOM half
// the size of its HTML output. Display maths then comes as <span class="katex"><math display="block">,
// without the wrapper KaTeX's HTML output has; this puts that wrapper back, so KaTeX's CSS and ours lay it
// out as a block that scrolls sideways when a formula is wider than the column (a phone, a long equation).
// A region that scrolls must be reachable by keyboard to be scrolled without a mouse, so the wrapper gets
// tabindex="0".

/** @param {any} node */
const isDisplayMath = (node) =>
  node.type === 'element' &&
  node.tagName === 'span' &&
  Array.isArray(node.properties?.className) &&
  node.properties.className.includes('katex') &&
  node.children?.some((c) => c.type === 'element' && c.tagName === 'math' && c.properties?.display === 'block');

/** @param {any} node */
function walk(node) {
  const children = node.children ?? [];
  for (const [i, child] of children.entries()) {
    if (isDisplayMath(child)) {
      children[i] = { type: 'element', tagName: 'span', properties: { className: ['katex-display'], tabIndex: 0 }, children: [child] };
    } else {
      walk(child);
    }
  }
}

export default function rehypeFocusableMath() {
  return walk;
}
