// Shiki themes for every code block (Markdown fences and CodeCell). The high-contrast GitHub themes meet
// WCAG AA (4.5:1) for every token colour; the plain ones do not.
export const CODE_THEMES = /** @type {const} */ ({ light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' });
