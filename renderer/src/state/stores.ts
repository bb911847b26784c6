import { cookie, crv, on } from '../lib/crvideo.js';
import { AppState } from './app.svelte.js';
import { Calls } from './calls.svelte.js';
import { Devices } from './devices.svelte.js';
import { History } from './history.svelte.js';
import { Presence } from './presence.svelte.js';
import { Room } from './room.svelte.js';
import { Session } from './session.svelte.js';
import { Settings } from './settings.svelte.js';

// The renderer's stores, created here in one place in the order they need each other; each gets what it
// works with passed in (none reaches into another module's singleton).
export const settings = new Settings();
export const session = new Session({ settings });
export const presence = new Presence({ session });
export const room = new Room({ session });
export const calls = new Calls({ api: crv, on, cookie, session, room });
export const history = new History({ session, settings });
export const devices = new Devices({ session, settings });
export const app = new AppState({ session, settings, calls });
