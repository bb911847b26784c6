import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MeetObj, SdkErr } from '../../protocol/index.js';
import { login, next } from '../../server/testing/fixtures.js';
import { desktopSuite } from '../testing/harness.js';
import { acquireSingleInstance } from './SingleInstance.js';

describe('crvideo:// links and second launches', () => {
  const s = desktopSuite();

  test('crvideo://call/UID places the call and shows it in the page as an outgoing call', async () => {
    const d = await s.start();
    await d.signIn('alice');
    d.window.hide();
    const bob = await login(s.server, 'bob');
    const rings = next(bob, 'CRVideo_NotifyCallIn');
    const callOut = d.pageNext('CRVideo_NotifyCallOut');
    const success = d.pageNext('CRVideo_CallSuccess');
    d.desktop.handleArgs(['/opt/CRVideo Phone/crvideo-phone', 'crvideo://call/bob?note=see%20you']);
    assert.equal(d.window.visible, true, 'the window comes up');

    const [callID, callerID, usrExtDat] = [(await rings)[0], (await rings)[2], (await rings)[3]];
    assert.equal(callerID, 'alice');
    assert.equal(usrExtDat, 'see you');
    const [outID, calledUID, meet, note] = await callOut;
    assert.equal(outID, callID, 'the page hears of the call under the id the callee rings with');
    assert.equal(calledUID, 'bob');
    assert.equal((meet as MeetObj).creator, 'alice');
    assert.equal(note, 'see you');
    assert.deepEqual(await success, [callID, undefined]);

    const accepted = d.pageNext('CRVideo_NotifyCallAccepted');
    bob.CRVideo_AcceptCall(callID, meet as MeetObj, '', 'b');
    assert.equal((await accepted)[0], callID);
  });

  test('a link that arrives signed out is dialled right after sign-in', async () => {
    const d = await s.start();
    const bob = await login(s.server, 'bob');
    d.desktop.handleArgs(['crvideo://call/bob']);
    assert.deepEqual(d.desktop.dialer.pending, { kind: 'call', UID: 'bob', note: '' });
    const rings = next(bob, 'CRVideo_NotifyCallIn');
    await d.signIn('alice');
    assert.equal((await rings)[2], 'alice');
    assert.equal(d.desktop.dialer.pending, null);
  });

  test('a link to a user that does not exist: the page hears 605 and the room is destroyed again', async () => {
    const d = await s.start();
    await d.signIn('alice');
    const callOut = d.pageNext('CRVideo_NotifyCallOut');
    const fail = d.pageNext('CRVideo_CallFail');
    const destroyed = new Promise<number>((resolve) => d?.desktop.dialer.on('roomDestroyed', resolve));
    d.desktop.handleArgs(['crvideo://call/nobody']);
    const [callID, , meet] = await callOut;
    const [failID, code] = await fail;
    assert.equal(failID, callID);
    assert.ok(code === SdkErr.ERR_USER_NOT_FOUND || code === SdkErr.ERR_OFFLINE, `code ${code}`);
    assert.equal(await destroyed, (meet as MeetObj).ID);
    const entered = d.pageNext('CRVideo_EnterMeetingRslt');
    d.api.CRVideo_EnterMeeting3((meet as MeetObj).ID, 'e');
    assert.deepEqual(await entered, [SdkErr.MEETNOTEXIST, 'e']);
  });

  test('a second launch focuses the running app and hands over its link', async () => {
    const d = await s.start();
    await d.signIn('alice');
    d.window.hide();
    const bob = await login(s.server, 'bob');
    let secondInstance: ((argv: string[]) => void) | null = null;
    const desktop = d.desktop;
    const first = acquireSingleInstance({
      requestLock: () => true,
      onSecondInstance: (l) => {
        secondInstance = l;
      },
      focus: () => d?.window.show(),
      handleArgs: (argv) => desktop.handleArgs(argv),
    });
    assert.equal(first, true);
    const second = acquireSingleInstance({
      requestLock: () => false,
      onSecondInstance: () => assert.fail('the second instance registers nothing'),
      focus: () => assert.fail('the second instance does not focus anything'),
      handleArgs: () => assert.fail('the second instance handles nothing'),
    });
    assert.equal(second, false, 'the second launch is told to quit');

    const rings = next(bob, 'CRVideo_NotifyCallIn');
    assert.ok(secondInstance);
    (secondInstance as (argv: string[]) => void)(['crvideo-phone', '--hidden', 'crvideo://call/bob']);
    assert.equal(d.window.visible && d.window.focused, true, 'the running window comes to the front');
    assert.equal((await rings)[2], 'alice', 'and the link is dialled');
  });
});
