import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { EnhancedEventEmitter } from './EnhancedEventEmitter.js';

type Events = { changed: [{ UID: string; n: number }]; closed: [] };

class Counter extends EnhancedEventEmitter<Events> {
  n = 0;
  bump(UID: string): void {
    this.n++;
    this.safeEmit('changed', { UID, n: this.n });
  }
  close(): void {
    this.safeEmit('closed');
    this.removeAllListeners();
  }
}

test('a listener that throws is logged and the others still hear the event, in order; unsubscribe and close stop them', () => {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, { write: (l: string) => lines.push(l) });
  const c = new Counter(log);
  const heard: string[] = [];
  c.on('changed', (e) => heard.push(`a${e.n}`));
  c.on('changed', () => {
    throw new Error('listener bug');
  });
  const off = c.on('changed', (e) => heard.push(`c${e.n}:${e.UID}`));
  c.bump('alice');
  assert.deepEqual(heard, ['a1', 'c1:alice']);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /event listener threw/);
  assert.match(lines[0] ?? '', /listener bug/);
  off();
  c.bump('bob');
  assert.deepEqual(heard, ['a1', 'c1:alice', 'a2']);
  let closed = 0;
  c.on('closed', () => closed++);
  c.close();
  c.bump('carol');
  assert.equal(closed, 1);
  assert.deepEqual(heard, ['a1', 'c1:alice', 'a2'], 'nobody hears a closed emitter');
});
