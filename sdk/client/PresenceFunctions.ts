import { SdkErr } from '../../protocol/index.js';
import type { CRVideoFunctions } from '../api.js';
import { toDND, toUID } from '../h5/coerce.js';
import { badArgs, type ClientContext, run } from './ClientContext.js';

type PresenceFunctionNames =
  | 'CRVideo_SetDNDStatus'
  | 'CRVideo_GetUserStatus'
  | 'CRVideo_GetOneUserStatus'
  | 'CRVideo_StartUserStatusNotify'
  | 'CRVideo_StopUserStatusNotify'
  | 'CRVideo_GetCallRecords';

/** CloudRoom's presence functions (DND, user statuses and their notifications) and the call history. */
export function createPresenceFunctions(ctx: ClientContext): Pick<CRVideoFunctions, PresenceFunctionNames> {
  const { session: s } = ctx;
  return {
    CRVideo_SetDNDStatus(rawDND, cookie) {
      const DNDStatus = toDND(rawDND);
      if (DNDStatus === null)
        return badArgs(ctx, 'SetDNDStatus', rawDND, (code) => ctx.emit('CRVideo_SetDNDStatusFail', code, cookie));
      run(
        ctx,
        'setDND',
        { DNDStatus },
        () => {
          s.dnd = DNDStatus;
          ctx.state.setDND(DNDStatus);
          ctx.emit('CRVideo_SetDNDStatusSuccess', cookie);
        },
        (code) => ctx.emit('CRVideo_SetDNDStatusFail', code, cookie),
      );
    },
    CRVideo_GetUserStatus(cookie, page) {
      run(
        ctx,
        'getUserStatus',
        { page: page?.page, limit: page?.limit },
        (d) => ctx.emit('CRVideo_GetUserStatusSuccess', d.statuses, cookie),
        (code) => ctx.emit('CRVideo_GetUserStatusFail', code, cookie),
      );
    },
    CRVideo_GetOneUserStatus(rawUID, cookie) {
      const uid = toUID(rawUID);
      if (uid === null)
        return badArgs(ctx, 'GetOneUserStatus', rawUID, (code) => ctx.emit('CRVideo_GetUserStatusFail', code, cookie));
      run(
        ctx,
        'getUserStatus',
        { UID: uid },
        (d) => ctx.emit('CRVideo_GetUserStatusSuccess', d.statuses, cookie),
        (code) => ctx.emit('CRVideo_GetUserStatusFail', code, cookie),
      );
    },
    CRVideo_StartUserStatusNotify(cookie) {
      run(
        ctx,
        'startUserStatusNotify',
        {},
        () => {
          s.statusNotify = true;
          ctx.emit('CRVideo_StartUserStatusNotifyRslt', SdkErr.NOERR, cookie);
        },
        (code) => ctx.emit('CRVideo_StartUserStatusNotifyRslt', code, cookie),
      );
    },
    CRVideo_StopUserStatusNotify(cookie) {
      run(
        ctx,
        'stopUserStatusNotify',
        {},
        () => {
          s.statusNotify = false;
          ctx.emit('CRVideo_StopUserStatusNotifyRslt', SdkErr.NOERR, cookie);
        },
        (code) => ctx.emit('CRVideo_StopUserStatusNotifyRslt', code, cookie),
      );
    },
    CRVideo_GetCallRecords(cookie, page) {
      run(
        ctx,
        'getCallRecords',
        { page: page?.page, limit: page?.limit },
        (d) => ctx.emit('CRVideo_GetCallRecordsRslt', SdkErr.NOERR, d.records, cookie),
        (code) => ctx.emit('CRVideo_GetCallRecordsRslt', code, [], cookie),
      );
    },
  };
}
