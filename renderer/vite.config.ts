import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The renderer is served by our server at '/' and loaded from file:// inside Electron, so every asset
 * path is relative (base './'). In `vite dev`, '/sdk' and the signaling socket ('/ws') are proxied to a running
 * server (CRVIDEO_SERVER, default http://localhost:8080).
 */
const devServer = process.env.CRVIDEO_SERVER ?? 'http://localhost:8080';

/** `vite dev` injects component CSS as <style> elements, which the production CSP forbids. */
const devCsp: Plugin = {
  name: 'crvideo-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
};

export default defineConfig({
  root,
  base: './',
  plugins: [svelte(), devCsp],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/sdk': devServer,
      '/ws': { target: devServer, ws: true },
    },
  },
});
