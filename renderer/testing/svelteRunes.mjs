// Node module hooks for unit tests of the renderer's runes stores (`*.svelte.ts`): the file is stripped
// of its types by esbuild and compiled by Svelte's own `compileModule` (client runtime, so `$state` and
// `$derived` really react), as Vite's Svelte plugin does for the app. Registered by `runesHooks.ts`.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function load(url, context, nextLoad) {
  if (!/\.svelte\.(ts|js)$/.test(url)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const source = await readFile(filename, 'utf8');
  const js = url.endsWith('.ts')
    ? (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: filename })).code
    : source;
  const out = compileModule(js, { filename, generate: 'client', dev: false });
  return { format: 'module', source: out.js.code, shortCircuit: true };
}
