import { defineConfig } from 'vite';

// The windows are plain Preact + TypeScript: Vite's own JSX transform, no plugins. No inline
// script or style is emitted (the console's CSP forbids them), and no module-preload polyfill.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
});
