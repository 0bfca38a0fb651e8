/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const apiTarget = process.env.VED_API_URL ?? 'http://127.0.0.1:8000';
const jsonrpcBrowser = fileURLToPath(
  new URL('./node_modules/vscode-jsonrpc/lib/browser/main.js', import.meta.url),
);

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Monaco and Pyright are big by nature; they are lazy chunks, never on the catalog page.
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: (file) => (file.includes('pyright') ? false : undefined),
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    // vscode-jsonrpc only exposes its browser entry under the "browser" condition.
    alias: { 'vscode-jsonrpc/browser': jsonrpcBrowser },
  },
});
