import { defineConfig } from 'vite';

// Served by the function app at /dashboard/ (ButtonFunctions/Functions/Dashboard.cs). Asset names carry a content
// hash, so the server may let browsers cache them for a year; index.html is always revalidated.
export default defineConfig({
  base: '/dashboard/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One script and one stylesheet: no inline <script>, so the page's CSP can forbid inline scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
