// Builds the desktop app into out/: main (ESM, dependencies bundled so the package needs no node_modules),
// the two sandboxed preloads (CommonJS, self-contained), and the Svelte renderer plus the desktop SDK
// script (crvideo-desktop.js: CRVideo_* globals over the preload bridge) and the incoming-call page.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { build as esbuild } from 'esbuild';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './main/services/WindowSecurity.js';

const root = import.meta.dirname;
const at = (p: string) => resolve(root, p);

/** The renderer's desktop additions: the SDK script before the app's module, and the incoming page. */
function desktopRenderer(): Plugin {
  return {
    name: 'crvideo-desktop-renderer',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html, ctx) =>
        ctx.filename.endsWith('index.html')
          ? {
              // The desktop page talks to nothing but main: its meta CSP is the app's (no ws:/http: of the web app).
              html: html.replace(
                /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/i,
                `$1${CONTENT_SECURITY_POLICY}$2`,
              ),
              tags: [{ tag: 'script', attrs: { src: './crvideo-desktop.js' }, injectTo: 'head-prepend' }],
            }
          : html,
    },
    async generateBundle() {
      const sdk = await esbuild({
        entryPoints: [at('sdk/bridge/rendererEntry.ts')],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        write: false,
        logLevel: 'warning',
      });
      this.emitFile({ type: 'asset', fileName: 'crvideo-desktop.js', source: sdk.outputFiles[0]?.text ?? '' });
      this.emitFile({
        type: 'asset',
        fileName: 'desktop-incoming.html',
        source: readFileSync(at('main/pages/incoming.html'), 'utf8'),
      });
    },
  };
}

/** The window / notification icon next to the built main. */
function mainIcon(): Plugin {
  return {
    name: 'crvideo-main-icon',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'icon.png', source: readFileSync(at('build/icons/256x256.png')) });
    },
  };
}

export default defineConfig({
  main: {
    plugins: [mainIcon()],
    build: {
      outDir: at('out/main'),
      // Everything but Electron and Node built-ins is bundled: the package carries no node_modules.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: at('main/index.ts') },
        external: ['bufferutil', 'utf-8-validate'],
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: at('out/preload'),
      // Sandboxed preloads cannot require anything but electron: one self-contained CommonJS file each.
      externalizeDeps: false,
      isolatedEntries: true,
      rolldownOptions: {
        input: { index: at('preload/index.ts'), incoming: at('preload/incoming.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    base: './',
    plugins: [svelte(), desktopRenderer()],
    build: {
      outDir: at('out/renderer'),
      emptyOutDir: true,
      target: 'es2022',
      rolldownOptions: { input: { index: at('renderer/index.html') } },
    },
  },
});
