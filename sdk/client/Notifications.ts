import type { NotificationData, NotificationName } from '../../protocol/index.js';
import type { CallFunctions } from './CallFunctions.js';
import type { ClientContext } from './ClientContext.js';
import type { SignIn } from './SignIn.js';

/**
 * The server's notifications, turned into CloudRoom's callbacks (media.* ones go to the media engine),
 * keeping the SDK's own copy of the room and of the calls in step on the way.
 */
export function createNotificationHandler(
  ctx: ClientContext,
  signIn: Pick<SignIn, 'lineOff'>,
  calls: Pick<CallFunctions, 'ringPrepare' | 'ringAnswered' | 'ringUnprepare'>,
): (name: string, data: unknown) => void {
  const { session: s, roster, ledger } = ctx;
  return function onNotification(name: string, data: unknown): void {
    if (name.startsWith('media.')) return ctx.media?.onNotification(name, data);
    const n = name as NotificationName;
    switch (n) {
      case 'lineOff':
        return signIn.lineOff((data as NotificationData<'lineOff'>).sdkErr);
      case 'tokenWillExpire':
        return ctx.emit('CRVideo_NotifyTokenWillExpire');
      case 'callIn': {
        const d = data as NotificationData<'callIn'>;
        calls.ringPrepare(d.callID, d.meetObj.ID);
        return ctx.emit('CRVideo_NotifyCallIn', d.callID, d.meetObj, d.callerID, d.usrExtDat);
      }
      case 'callAccepted': {
        const d = data as NotificationData<'callAccepted'>;
        calls.ringAnswered(d.callID);
        return ctx.emit('CRVideo_NotifyCallAccepted', d.callID, d.meetObj, d.usrExtDat);
      }
      case 'callRejected': {
        const d = data as NotificationData<'callRejected'>;
        calls.ringUnprepare(d.callID);
        if (ledger.wasEnded(d.callID)) return; // already ended towards the app by reconciliation
        return ctx.emit('CRVideo_NotifyCallRejected', d.callID, d.sdkErr, d.usrExtDat);
      }
      case 'callHungup': {
        const d = data as NotificationData<'callHungup'>;
        calls.ringUnprepare(d.callID);
        if (ledger.wasEnded(d.callID)) return; // already ended towards the app (exactly once)
        // The reason (207: a link was lost) only when the server gave one, so the usual call has two arguments.
        const why: [sdkErr?: number] = d.sdkErr === undefined ? [] : [d.sdkErr];
        ctx.emit('CRVideo_NotifyCallHungup', d.callID, d.usrExtDat, ...why);
        return ctx.emit('CRVideo_NotifyCallHangup', d.callID, d.usrExtDat, ...why);
      }
      case 'userStatus':
        return ctx.emit('CRVideo_NotifyUserStatus', data as NotificationData<'userStatus'>);
      case 'dndChanged':
        s.dnd = (data as NotificationData<'dndChanged'>).DNDStatus;
        return ctx.emit('CRVideo_NotifyDNDStatus', s.dnd);
      case 'userEnterMeeting': {
        const d = data as NotificationData<'userEnterMeeting'>;
        if (d.meetID !== s.meetID) return;
        roster.add(d.UID, d.nickname);
        return ctx.emit('CRVideo_UserEnterMeeting', d.UID);
      }
      case 'userLeftMeeting': {
        const d = data as NotificationData<'userLeftMeeting'>;
        if (d.meetID !== s.meetID) return;
        roster.remove(d.UID);
        return ctx.emit('CRVideo_UserLeftMeeting', d.UID);
      }
      case 'meetingDropped': {
        const d = data as NotificationData<'meetingDropped'>;
        if (d.meetID !== s.meetID) return;
        ctx.leaveRoom();
        return ctx.emit('CRVideo_MeetingDropped', d.reason);
      }
      case 'nickNameChanged': {
        const d = data as NotificationData<'nickNameChanged'>;
        if (d.meetID !== s.meetID) return;
        roster.rename(d.UID, d.newName);
        return ctx.emit('CRVideo_NotifyNickNameChanged', d.UID, d.oldName, d.newName);
      }
      case 'meetingStopped': {
        if ((data as NotificationData<'meetingStopped'>).meetID !== s.meetID) return;
        ctx.leaveRoom();
        return ctx.emit('CRVideo_MeetingStopped');
      }
    }
  };
}
