import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { UserStatus } from '../../protocol/index.js';
import type { CRVideoClient } from '../../sdk/index.js';
import { login, next, startTestServer } from '../../server/testing/fixtures.js';
import { desktopSuite, startDesktop, until } from '../testing/harness.js';

/** What another user of the app sees of `UID` (GetOneUserStatus). */
async function statusOf(c: CRVideoClient, UID: string): Promise<UserStatus> {
  const ok = next(c, 'CRVideo_GetUserStatusSuccess');
  c.CRVideo_GetOneUserStatus(UID, 'st');
  const [list] = await ok;
  const s = list.find((x) => x.userID === UID);
  assert.ok(s, `${UID} listed`);
  return s;
}

describe('tray', () => {
  const s = desktopSuite();

  test('shows the presence: offline before sign-in (DND disabled), online after', async () => {
    const d = await s.start();
    assert.equal(d.tray.presence, 'offline');
    assert.equal(d.tray.item('dnd').enabled, false);
    assert.match(d.tray.toolTip, /Not signed in/);
    await d.signIn('bob');
    await until('online', () => d?.tray.presence === 'online');
    assert.equal(d.tray.item('dnd').enabled, true);
    assert.equal(d.tray.item('dnd').checked, false);
    assert.match(d.tray.toolTip, /bob · Online/);
  });

  test('DND from the tray: the server, the page switch and callers all agree', async () => {
    const d = await s.start();
    await d.signIn('bob');
    const alice = await login(s.server, 'alice');
    await until('online', () => d?.tray.presence === 'online');

    const pageSwitch = d.pageNext('CRVideo_NotifyDNDStatus', (a) => a[0] !== 0);
    d.tray.click('dnd');
    const [pageDnd] = await pageSwitch;
    assert.notEqual(pageDnd, 0, "the page's switch turns on");
    await until('the tray shows DND', () => d?.tray.presence === 'dnd');
    assert.equal(d.tray.item('dnd').checked, true);
    assert.notEqual((await statusOf(alice, 'bob')).DNDType, 0, 'others see bob in do-not-disturb');

    const ok = next(alice, 'CRVideo_CreateMeetingSuccess');
    alice.CRVideo_CreateMeeting('x', 'r');
    const [meet] = await ok;
    const fail = next(alice, 'CRVideo_CallFail');
    alice.CRVideo_Call('bob', meet, '', 'c');
    assert.equal((await fail)[1], 602, 'a DND user cannot be called');

    const pageOff = d.pageNext('CRVideo_NotifyDNDStatus', (a) => a[0] === 0);
    d.tray.click('dnd');
    await pageOff;
    await until('the tray shows online', () => d?.tray.presence === 'online');
    assert.equal(d.tray.item('dnd').checked, false);
    assert.equal((await statusOf(alice, 'bob')).DNDType, 0);
  });

  test('DND from the page switch: the tray checkbox follows, both ways', async () => {
    const d = await s.start();
    await d.signIn('bob');
    const alice = await login(s.server, 'alice');
    await until('online', () => d?.tray.presence === 'online');

    const ok = d.pageNext('CRVideo_SetDNDStatusSuccess');
    d.api.CRVideo_SetDNDStatus(1, { from: 'switch' });
    assert.deepEqual((await ok)[0], { from: 'switch' }, "the page's cookie object comes back as it was");
    await until('the tray checkbox is checked', () => d?.tray.item('dnd').checked === true);
    assert.equal(d.tray.presence, 'dnd');
    assert.notEqual((await statusOf(alice, 'bob')).DNDType, 0);

    const off = d.pageNext('CRVideo_SetDNDStatusSuccess');
    d.api.CRVideo_SetDNDStatus(0, 'off');
    await off;
    await until('the tray checkbox is clear', () => d?.tray.item('dnd').checked === false);
    assert.equal(d.tray.presence, 'online');
  });

  test('a call shows busy, and online again after it', async () => {
    const d = await s.start();
    await d.signIn('bob');
    const alice = await login(s.server, 'alice');
    const ok = next(alice, 'CRVideo_CreateMeetingSuccess');
    alice.CRVideo_CreateMeeting('x', 'r');
    const [meet] = await ok;
    const callIn = d.pageNext('CRVideo_NotifyCallIn');
    const callID = alice.CRVideo_Call('bob', meet, '', 'c');
    await callIn;
    await until('busy', () => d?.tray.presence === 'busy');
    alice.CRVideo_HungupCall(callID, '', 'h');
    await until('online again', () => d?.tray.presence === 'online');
  });

  test('Show window, Open at login (saved) and Quit', async () => {
    const d = await s.start();
    d.window.hide();
    d.tray.click('show');
    assert.equal(d.window.visible, true);
    d.window.hide();
    d.tray.clickIcon();
    assert.equal(d.window.visible, true, 'a click on the icon shows the window too');

    d.tray.click('open-at-login');
    assert.deepEqual(d.loginItem.calls, [true]);
    assert.equal(d.tray.item('open-at-login').checked, true);
    assert.equal(JSON.parse(readFileSync(join(d.dir, 'settings.json'), 'utf8')).openAtLogin, true);

    d.tray.click('quit');
    assert.equal(d.quits.count, 1);
  });
});

describe('tray DND refused', () => {
  test('a change the server never confirms reverts the checkbox', async () => {
    const server = await startTestServer();
    const d = await startDesktop(server, { requestTimeoutMs: 600 });
    try {
      await d.signIn('bob');
      await until('online', () => d.tray.presence === 'online');
      await server.dispose(); // the server goes away: the request cannot succeed
      d.tray.click('dnd');
      assert.equal(d.tray.item('dnd').checked, true, 'shows the asked-for state meanwhile');
      assert.equal(d.tray.item('dnd').enabled, false, 'and waits');
      await until(
        'the checkbox reverts',
        () => d.tray.item('dnd').checked === false && d.tray.item('dnd').enabled !== false,
      );
      assert.notEqual(d.tray.presence, 'dnd');
      assert.equal(
        d.pageLog.some((e) => e.name === 'CRVideo_NotifyDNDStatus'),
        false,
        "the page's switch never moved",
      );
    } finally {
      await d.close();
    }
  });
});
