import { CRVideoError, isRequestType, SdkErr } from '../../protocol/index.js';
import type { MediaCommand, MediaReply } from '../../sdk/bridge/channels.js';
import type { MediaContext, MediaEngine, MediaEngineFactory } from '../../sdk/media/MediaEngine.js';
import { createLog } from './log.js';

const log = createLog('MediaRelay');

/**
 * Room media runs in the page (mediasoup-client needs WebRTC) while the core and its signaling line live
 * in main. The core gets this relay's engine: every engine call becomes a command to the page's real
 * engine, and the page's `media.*` requests come back here to go out on the core's line.
 */
export class MediaRelay {
  #ctx: MediaContext | null = null;
  #send: ((command: MediaCommand) => void) | null = null;

  /** Give this to the core (`mediaEngine` option). */
  readonly factory: MediaEngineFactory = (ctx) => {
    this.#ctx = ctx;
    return this.#engine;
  };

  /** Where commands go: the main window's page (null while it has none). */
  attach(send: ((command: MediaCommand) => void) | null): void {
    this.#send = send;
  }

  /** A `media.*` request from the page's engine, sent on the core's signaling line. */
  async request(type: string, payload: unknown): Promise<MediaReply> {
    if (!type.startsWith('media.') || !isRequestType(type)) {
      log(`unknown media request ${type} refused`);
      return { err: SdkErr.MEETPARAM_ERR, msg: `unknown media request ${type}` };
    }
    if (!this.#ctx) return { err: SdkErr.NOT_INIT, msg: 'no core' };
    try {
      const data = await this.#ctx.request(type, payload);
      return { err: SdkErr.NOERR, data: data as MediaReply['data'] };
    } catch (err) {
      const code = CRVideoError.codeOf(err);
      return { err: code, msg: err instanceof Error ? err.message : String(err) };
    }
  }

  #command(command: MediaCommand): void {
    if (!this.#send) {
      log(`no page for media ${command.op}`);
      return;
    }
    this.#send(command);
  }

  readonly #engine: MediaEngine = {
    enter: async (meetID, members) => {
      this.#command({ op: 'enter', meetID, members, myUID: this.#ctx?.myUID() ?? '' });
    },
    exit: () => this.#command({ op: 'exit' }),
    prepare: (callID, meetID) => this.#command({ op: 'prepare', callID, meetID, myUID: this.#ctx?.myUID() ?? '' }),
    unprepare: (callID) => this.#command({ op: 'unprepare', callID }),
    onNotification: (name, data) => this.#command({ op: 'notification', name, data: data as never }),
    onResumed: () => this.#command({ op: 'resumed' }),
    openMic: () => this.#command({ op: 'openMic' }),
    closeMic: () => this.#command({ op: 'closeMic' }),
    openVideo: () => this.#command({ op: 'openVideo' }),
    closeVideo: () => this.#command({ op: 'closeVideo' }),
    // Devices belong to the page: the page's globals answer these without asking main.
    getDevices: async () => [],
    setDevice: async () => SdkErr.NOERR,
    close: () => this.#command({ op: 'close' }),
  };
}
