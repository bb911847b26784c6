import type { MeetObj } from '../../protocol/index.js';
import type { CRVideoFunctions } from '../api.js';
import { meetIDOf, toExtData, toUID } from '../h5/coerce.js';
import { badArgs, type ClientContext, run } from './ClientContext.js';

type CallFunctionNames =
  | 'CRVideo_Call'
  | 'CRVideo_AcceptCall'
  | 'CRVideo_RejectCall'
  | 'CRVideo_HungupCall'
  | 'CRVideo_HangupCall';

export interface CallFunctions {
  readonly fns: Pick<CRVideoFunctions, CallFunctionNames>;
  /** `CRVideo_Call` with a callID chosen by the caller (the Electron bridge makes it in the renderer). */
  callWithID(callID: string, calledUID: string, meetObj: { ID: number }, usrExtDat?: unknown, cookie?: unknown): void;
  /** A call rings: its room's media is prepared meanwhile (issue 15). */
  ringPrepare(callID: string, meetID: number): void;
  /** The call was answered (here, or told to the caller): its prepared media sends at once. */
  ringAnswered(callID: string): void;
  /** The ring did not go ahead here: its prepared media goes. */
  ringUnprepare(callID: string): void;
}

/** A new random callID (works in insecure browser contexts too). */
export function newCallID(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** CloudRoom's call functions: Call, AcceptCall, RejectCall, HungupCall (and its alias HangupCall). */
export function createCallFunctions(ctx: ClientContext): CallFunctions {
  const { ledger, log } = ctx;

  // Ring-time media (issue 15): while a call rings both sides prepare its room's media; it goes when the
  // call does not go ahead here. Engines without prepare() simply start at EnterMeeting3.
  const ringPrepare = (callID: string, meetID: number): void => {
    try {
      ctx.media?.prepare?.(callID, meetID);
    } catch (err) {
      log('media preparation failed', err);
    }
  };
  const ringAnswered = (callID: string): void => {
    try {
      ctx.media?.answered?.(callID);
    } catch (err) {
      log('media start at the answer failed', err);
    }
  };
  const ringUnprepare = (callID: string): void => {
    try {
      ctx.media?.unprepare?.(callID);
    } catch (err) {
      log('media unprepare failed', err);
    }
  };

  function callWithID(
    callID: string,
    calledUID: string,
    meetObj: { ID: number },
    usrExtDat: unknown = '',
    cookie?: unknown,
  ): void {
    const uid = toUID(calledUID);
    const id = meetIDOf(meetObj);
    const ext = toExtData(usrExtDat);
    if (uid === null || id === null || ext === null)
      return badArgs(ctx, 'Call', [calledUID, meetObj, usrExtDat], (code) =>
        ctx.emit('CRVideo_CallFail', callID, code, cookie),
      );
    ledger.dialing(callID, uid, id, ext);
    run(
      ctx,
      'call',
      { callID, calledUID: uid, meetID: id, usrExtDat: ext },
      () => {
        ringPrepare(callID, id);
        ctx.emit('CRVideo_CallSuccess', callID, cookie);
      },
      (code) => {
        ringUnprepare(callID);
        ctx.emit('CRVideo_CallFail', callID, code, cookie);
      },
    );
  }

  function hangup(callID: string, usrExtDat: unknown = '', cookie?: unknown): void {
    const ext = toExtData(usrExtDat);
    if (typeof callID !== 'string' || ext === null)
      return badArgs(ctx, 'HangupCall', [callID, usrExtDat], (code) =>
        ctx.emit('CRVideo_HangupCallFail', callID, code, cookie),
      );
    ringUnprepare(callID);
    run(
      ctx,
      'hangupCall',
      { callID, usrExtDat: ext },
      () => ctx.emit('CRVideo_HangupCallSuccess', callID, cookie),
      (code) => ctx.emit('CRVideo_HangupCallFail', callID, code, cookie),
    );
  }

  const fns: Pick<CRVideoFunctions, CallFunctionNames> = {
    CRVideo_Call(calledUID, meetObj, usrExtDat = '', cookie) {
      const callID = newCallID();
      callWithID(callID, calledUID, meetObj as MeetObj, usrExtDat, cookie);
      return callID;
    },
    CRVideo_AcceptCall(callID, meetObj, usrExtDat = '', cookie) {
      const ext = toExtData(usrExtDat);
      // A MeetInfoObj of another room: the callee answers with its own room, and both meet there
      // (one without a usable ID is the call's own room, as before).
      const id = meetIDOf(meetObj);
      if (typeof callID !== 'string' || ext === null)
        return badArgs(ctx, 'AcceptCall', [callID, meetObj, usrExtDat], (code) =>
          ctx.emit('CRVideo_AcceptCallFail', callID, code, cookie),
        );
      // The camera sends the moment the user answers; the server forwards it once the accept reaches it.
      ringAnswered(callID);
      run(
        ctx,
        'acceptCall',
        { callID, usrExtDat: ext, ...(id === null ? {} : { meetID: id }) },
        () => {
          if (id !== null) ledger.answeringIn(callID, id);
          ctx.emit('CRVideo_AcceptCallSuccess', callID, cookie);
        },
        (code) => {
          ringUnprepare(callID);
          ctx.emit('CRVideo_AcceptCallFail', callID, code, cookie);
        },
      );
    },
    CRVideo_RejectCall(callID, usrExtDat = '', cookie) {
      const ext = toExtData(usrExtDat);
      if (typeof callID !== 'string' || ext === null)
        return badArgs(ctx, 'RejectCall', [callID, usrExtDat], (code) =>
          ctx.emit('CRVideo_RejectCallFail', callID, code, cookie),
        );
      ringUnprepare(callID);
      run(
        ctx,
        'rejectCall',
        { callID, usrExtDat: ext },
        () => ctx.emit('CRVideo_RejectCallSuccess', callID, cookie),
        (code) => ctx.emit('CRVideo_RejectCallFail', callID, code, cookie),
      );
    },
    CRVideo_HungupCall: hangup,
    CRVideo_HangupCall: hangup,
  };

  return { fns, callWithID, ringPrepare, ringAnswered, ringUnprepare };
}
