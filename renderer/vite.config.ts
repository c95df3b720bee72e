/**
 * Builds the renderer into dist/renderer for both hosts.
 *
 * `base: './'` keeps every asset URL relative, so the same files load from Electron's custom
 * protocol and from `fieldline serve` without rewriting.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The app runs offline from local files: no need for legacy targets or a CDN.
    target: 'es2022',
    // Inline assets become data: URLs, which the CSP does not allow for scripts/styles.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
