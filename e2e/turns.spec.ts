// TURN over TLS (README "Deploying" step 4: `--turn-url turns:…:443?transport=tcp` for networks that
// let only TLS out): Debian's coturn with a certificate from a throw-away CA, Chromium trusting that
// certificate's key, relay-only ICE over the turns: URL with the credentials the server hands out.
import { type Browser, chromium, expect, test } from '@playwright/test';
import { turnCredentials } from '../server/media/TurnCredentials.js';
import { makeTestCerts, type TestCerts } from '../server/testing/certs.js';
import { type Coturn, startCoturn } from '../server/testing/coturn.js';
import config from './playwright.config.js';

let certs: TestCerts;
let turn: Coturn;
let browser: Browser;

test.beforeAll(async () => {
  certs = makeTestCerts();
  turn = await startCoturn('turns-test-secret', { tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  const launch = config.use?.launchOptions ?? {};
  browser = await chromium.launch({
    ...launch,
    args: [...(launch.args ?? []), `--ignore-certificate-errors-spki-list=${certs.spki}`],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await turn?.close();
  certs?.dispose();
});

/** Relay-only ICE gathering in a page of `b` with one ICE server: the candidates found. */
async function gatherIn(b: Browser, ice: unknown): Promise<{ type: string; relayProtocol: string }[]> {
  const page = await b.newPage();
  try {
    await page.goto('about:blank');
    return await page.evaluate(async (server) => {
      const pc = new RTCPeerConnection({ iceServers: [server as RTCIceServer], iceTransportPolicy: 'relay' });
      const found: { type: string; relayProtocol: string }[] = [];
      const done = new Promise<void>((resolve) => {
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
        setTimeout(resolve, 10_000);
      });
      pc.onicecandidate = (e) => {
        const c = e.candidate as (RTCIceCandidate & { relayProtocol?: string }) | null;
        if (c) found.push({ type: c.type ?? '', relayProtocol: c.relayProtocol ?? '' });
      };
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      pc.close();
      return found;
    }, ice);
  } finally {
    await page.close();
  }
}

test('relay-only ICE over turns: a relay with fresh credentials; none when expired or the certificate is untrusted', async () => {
  const url = turn.tlsUrl;
  if (!url) throw new Error('coturn started without TLS');
  const fresh = await gatherIn(browser, turnCredentials({ urls: [url], secret: turn.secret }, 'probe'));
  expect(fresh).toContainEqual({ type: 'relay', relayProtocol: 'tls' });
  const expired = await gatherIn(browser, turnCredentials({ urls: [url], secret: turn.secret, ttlSec: -60 }, 'probe'));
  expect(expired.filter((c) => c.type === 'relay')).toEqual([]);
  // Chromium checks the TURN server's certificate: without trusting it there is no relay at all.
  const untrusting = await chromium.launch(config.use?.launchOptions ?? {});
  try {
    const refused = await gatherIn(untrusting, turnCredentials({ urls: [url], secret: turn.secret }, 'probe'));
    expect(refused.filter((c) => c.type === 'relay')).toEqual([]);
  } finally {
    await untrusting.close();
  }
});
