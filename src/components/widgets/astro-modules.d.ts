// Plain `tsc` does not read .astro files (`astro check` does, and its own types win there): this types
// the widget registry's lazy `import('./X.astro')` for tsc, as Astro's client types once did.
declare module '*.astro' {
  const Component: (props: any) => unknown;
  export default Component;
}
