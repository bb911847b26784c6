import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MeetObj } from '../../protocol/index.js';
import type { CRVideoClient } from '../../sdk/index.js';
import { login, next } from '../../server/testing/fixtures.js';
import { desktopSuite, type TestDesktop, until } from '../testing/harness.js';

async function roomOf(c: CRVideoClient): Promise<MeetObj> {
  const ok = next(c, 'CRVideo_CreateMeetingSuccess');
  c.CRVideo_CreateMeeting('lunch', 'room');
  return (await ok)[0];
}

/** alice calls bob (the desktop user) with a note; resolves once the desktop's page saw the call come in. */
async function aliceCalls(alice: CRVideoClient, d: TestDesktop, note = 'about lunch') {
  const meet = await roomOf(alice);
  const callIn = d.pageNext('CRVideo_NotifyCallIn');
  const callID = alice.CRVideo_Call('bob', meet, note, 'call');
  const [inID] = await callIn;
  assert.equal(inID, callID);
  return { callID, meet };
}

describe('incoming call while the window is hidden', () => {
  const s = desktopSuite({ callTimeoutMs: 1500 });

  test('macOS: a notification with Answer / Reject; Answer shows the window and accepts the call', async () => {
    const d = await s.start({ platform: 'darwin' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);

    await until('the notification is up', () => d?.notifications.open.length === 1);
    const n = d.notifications.open[0]!;
    assert.equal(n.options.title, 'alice nick is calling you');
    assert.equal(n.options.body, 'about lunch');
    assert.deepEqual(n.options.actions, ['Answer', 'Reject']);
    assert.equal(d.incoming.opened.length, 0, 'no incoming window where notifications have buttons');
    assert.equal(d.ringtone.playing, true, 'rings while hidden');
    assert.equal(d.window.attentionOn, true, 'dock bounces');

    const accepted = next(alice, 'CRVideo_NotifyCallAccepted');
    const pageAccepted = d.pageNext('CRVideo_AcceptCallSuccess');
    n.act(0);
    const [acceptedID] = await accepted;
    assert.equal(acceptedID, callID, 'the caller sees the call accepted');
    const [pageID, pageCookie] = await pageAccepted;
    assert.equal(pageID, callID, 'the page learns the call was accepted, so it enters the room');
    assert.equal(pageCookie, undefined);
    assert.equal(d.window.visible && d.window.focused, true, 'Answer brings the window up');
    assert.equal(n.closed, true);
    assert.equal(d.ringtone.playing, false);
    assert.equal(d.window.attentionOn, false);
  });

  test('Linux: a small incoming window (no buttons on notifications); Reject refuses the call', async () => {
    const d = await s.start({ platform: 'linux' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d, '{"note":"quick question"}');

    await until('the incoming window is open', () => d?.incoming.openWindows.length === 1);
    const w = d.incoming.openWindows[0]!;
    assert.deepEqual(w.info, {
      callID,
      callerName: 'alice nick',
      callerID: 'alice',
      note: 'quick question',
      lang: 'en',
    });
    assert.equal(d.notifications.created.length, 0);
    assert.equal(d.ringtone.playing, true);

    const rejected = next(alice, 'CRVideo_NotifyCallRejected');
    const pageOver = d.pageNext('CRVideo_NotifyCallHungup');
    w.press('reject');
    const [rejID, code] = await rejected;
    assert.equal(rejID, callID);
    assert.equal(code, 606, 'the caller hears "refused"');
    assert.equal((await pageOver)[0], callID, "the page's incoming screen closes");
    assert.equal(w.closed, true);
    assert.equal(d.ringtone.playing, false);
    assert.equal(d.window.visible, false, 'Reject leaves the window in the tray');
  });

  test('Linux: Answer in the incoming window brings the main window up and accepts', async () => {
    const d = await s.start({ platform: 'linux' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);
    await until('the incoming window is open', () => d?.incoming.openWindows.length === 1);
    const accepted = next(alice, 'CRVideo_NotifyCallAccepted');
    const pageAccepted = d.pageNext('CRVideo_AcceptCallSuccess');
    d.incoming.openWindows[0]?.press('answer');
    assert.equal((await accepted)[0], callID);
    assert.equal((await pageAccepted)[0], callID);
    assert.equal(d.window.visible && d.window.focused, true);
    assert.equal(d.incoming.openWindows.length, 0);
    assert.equal(d.ringtone.playing, false);
  });

  test('the caller cancels: the notification goes away and the ringtone stops', async () => {
    const d = await s.start({ platform: 'darwin' });
    await d.signIn('bob');
    d.window.focused = false; // visible but behind another app
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);
    await until('the notification is up', () => d?.notifications.open.length === 1);
    const n = d.notifications.open[0]!;

    const over = d.pageNext('CRVideo_NotifyCallHungup');
    alice.CRVideo_HungupCall(callID, '', 'cancel');
    await over;
    await until('the notification is closed', () => n.closed);
    assert.equal(d.ringtone.playing, false);
    assert.equal(d.window.attentionOn, false);
    assert.deepEqual(d.desktop.notifier.ringing, []);
  });

  test('no answer: the incoming window closes when the call times out', async () => {
    const d = await s.start({ platform: 'linux' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);
    await until('the incoming window is open', () => d?.incoming.openWindows.length === 1);
    const rejected = next(alice, 'CRVideo_NotifyCallRejected', 5000);
    const [id, code] = await rejected;
    assert.equal(id, callID);
    assert.equal(code, 604);
    await until('the incoming window is closed', () => d?.incoming.openWindows.length === 0);
    assert.equal(d.ringtone.playing, false);
  });

  test('window in front: no alert, the page shows the call; the ring stops when the page answers', async () => {
    const d = await s.start({ platform: 'darwin' });
    await d.signIn('bob');
    const alice = await login(s.server, 'alice');
    const { callID, meet } = await aliceCalls(alice, d);
    await until('ringing', () => d?.ringtone.playing === true);
    assert.equal(d.notifications.created.length, 0);
    assert.equal(d.incoming.opened.length, 0);

    const ok = d.pageNext('CRVideo_AcceptCallSuccess');
    d.api.CRVideo_AcceptCall(callID, meet, '', 'page-accept');
    const [, cookie] = await ok;
    assert.equal(cookie, 'page-accept', "the page's own cookie comes back");
    await until('the ring stopped', () => d?.ringtone.playing === false);
  });

  test('Windows: a toast the system refuses falls back to the incoming window, whose Answer works', async () => {
    const d = await s.start({ platform: 'win32' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);
    await until('the toast is up', () => d?.notifications.open.length === 1);
    d.notifications.open[0]!.fail('toast activator missing');
    await until('the incoming window opened instead', () => d?.incoming.openWindows.length === 1);
    const accepted = next(alice, 'CRVideo_NotifyCallAccepted');
    d.incoming.openWindows[0]!.press('answer');
    assert.equal((await accepted)[0], callID);
  });

  test('macOS without notification buttons (unsigned or banner style): the incoming window rings instead', async () => {
    const d = await s.start({ platform: 'darwin', notificationSession: { actions: false } });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    await aliceCalls(alice, d);
    await until('the incoming window is up', () => d?.incoming.openWindows.length === 1);
    assert.equal(d.notifications.open.length, 0);
  });

  test('Wayland: a plain notification goes with the incoming window (which may open behind others)', async () => {
    const d = await s.start({ platform: 'linux', notificationSession: { wayland: true } });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    const { callID } = await aliceCalls(alice, d);
    await until(
      'window and notification are up',
      () => d?.incoming.openWindows.length === 1 && d.notifications.open.length === 1,
    );
    const n = d.notifications.open[0]!;
    assert.deepEqual(n.options.actions, [], 'no buttons: the window has them');
    n.clickBody();
    assert.equal(d.window.visible, true, 'a click on the notification shows the app');
    const rejected = next(alice, 'CRVideo_NotifyCallRejected');
    d.incoming.openWindows[0]!.press('reject');
    assert.equal((await rejected)[0], callID, 'the caller hears the rejection');
    await until(
      'both alerts are gone',
      () => d?.incoming.openWindows.length === 0 && d.notifications.open.length === 0,
    );
  });

  test('bringing the window to the front closes the incoming window; the call keeps ringing', async () => {
    const d = await s.start({ platform: 'linux' });
    await d.signIn('bob');
    d.window.hide();
    const alice = await login(s.server, 'alice');
    await aliceCalls(alice, d);
    await until('the incoming window is open', () => d?.incoming.openWindows.length === 1);
    d.window.show();
    d.desktop.notifier.windowFocused();
    assert.equal(d.incoming.openWindows.length, 0);
    assert.equal(d.ringtone.playing, true);
    assert.equal(d.window.attentionOn, false);
  });
});

describe('incoming call answered on another device', () => {
  const s = desktopSuite({ multiDevice: true });

  test('the notification goes away the moment another device of ours answers', async () => {
    const d = await s.start({ platform: 'darwin' });
    await d.signIn('bob');
    d.window.hide();
    const bobPhone = await login(s.server, 'bob');
    const alice = await login(s.server, 'alice');
    const meet = await roomOf(alice);
    const phoneRings = next(bobPhone, 'CRVideo_NotifyCallIn');
    const callID = alice.CRVideo_Call('bob', meet, '', 'call');
    await phoneRings;
    await until('the notification is up', () => d?.notifications.open.length === 1);
    const n = d.notifications.open[0]!;

    const accepted = next(bobPhone, 'CRVideo_AcceptCallSuccess');
    bobPhone.CRVideo_AcceptCall(callID, meet, '', 'phone');
    await accepted;
    await until('the notification is closed', () => n.closed);
    assert.equal(d.ringtone.playing, false);
  });
});
