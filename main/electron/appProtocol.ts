import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { createLog } from '../services/log.js';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, contentTypeOf, resolveAppFile } from '../services/WindowSecurity.js';

const log = createLog('AppProtocol');

/** Must run before `ready`: app:// is a standard, secure origin (so getUserMedia and 'self' CSP work). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves the built renderer folder at app://crvideo/, every response with the app's CSP. */
export function serveApp(session: Session, root: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(root, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      log(`${request.url}: not found`);
      return new Response('Not found', { status: 404 });
    }
  });
}
