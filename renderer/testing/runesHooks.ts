// Import this first (before any `*.svelte.ts` module, through a dynamic import) in a renderer store's
// unit test: `node --import tsx --test` then compiles runes stores with Svelte, as the app build does.
import { register } from 'node:module';

register('./svelteRunes.mjs', import.meta.url);
