// Vite build for the Deskport single-page app: root is client/, output client/dist (served by the gateway).
// Vite 8 transforms TS/JSX with Oxc, so Preact's automatic JSX runtime is configured here, no plugin needed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // noVNC 1.7 uses top-level await, so anything older than ES2022 cannot hold it.
    target: 'es2022',
  },
  server: {
    // `npx vite --config client/vite.config.ts` proxies the API to a gateway on :8080.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
