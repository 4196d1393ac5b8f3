/// <reference types="vitest" />
import { defineConfig } from 'vite';

// The server serves the built files under /app/ (with /app/* falling back to
// /app/index.html). `npm run dev` proxies signaling and the REST API to a running
// server: PODIUM_SERVER=http://127.0.0.1:8080 by default.
const server = process.env.PODIUM_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/rtc': { target: server, ws: true, changeOrigin: true },
      '/api': { target: server, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.{ts,tsx}'],
  },
});
