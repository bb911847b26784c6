import { cookie, crv, on } from '../lib/crvideo.js';
import { Calls } from './calls.svelte.js';
import { room } from './room.svelte.js';
import { session } from './session.svelte.js';

/** The renderer's stores, created here in one place; each gets what it works with passed in. */
export const calls = new Calls({ api: crv, on, cookie, session, room });
