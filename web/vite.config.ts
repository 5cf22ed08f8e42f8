import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = path.dirname(fileURLToPath(import.meta.url));
/** Backend that `vite dev` proxies `/api` and `/ws` to (default: `npm start` on port 3000). */
const backend = process.env.API_TARGET ?? 'http://localhost:3000';

/**
 * Vite config of the browser client. Built into `dist/web` at the repo root, which the server
 * serves at `/` with an SPA fallback to `index.html`.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.resolve(webRoot, '../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': backend,
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
});
