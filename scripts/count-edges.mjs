#!/usr/bin/env node
// Counts what issue 11 asked to measure, from the TypeScript syntax trees (not a grep):
//  - casts at the protocol edges: every `x as T` (except `as const`), `<T>x` and `any` in the files where
//    wire messages are sent, received or handled (signaling and media signaling, server and SDK);
//  - untyped message signatures there: a parameter typed `string` named `name`/`type` beside one typed
//    `unknown` named `data`/`payload` (a message whose name and data the compiler cannot check);
//  - writes of Presence's state from outside server/Presence.ts: assignments / ++ / -- to a live user's
//    counters and fields, and calls of `presence.touch(…)`.
// Usage: node scripts/count-edges.mjs [--json]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Files where a wire message is built, sent, received, dispatched or handled. */
const EDGE_FILES = [
  'server/Session.ts',
  'server/Sessions.ts',
  'server/SignalingServer.ts',
  'server/Presence.ts',
  'server/Rooms.ts',
  'server/Calls.ts',
  'server/RingMedia.ts',
  'server/MediaHooks.ts',
  'server/media/MediaPlane.ts',
  'server/media/MediaRoom.ts',
  // cluster mode: messages between nodes are built, sent, received and relayed here
  'server/cluster/Cluster.ts',
  'server/cluster/ClusterBus.ts',
  'server/cluster/messages.ts',
  'sdk/Line.ts',
  'sdk/RequestCorrelator.ts',
  'sdk/CRVideoClient.ts',
  'sdk/bridge/rendererGlobals.ts',
  'sdk/media/MediasoupEngine.ts',
  // MediasoupEngine split by concept (issue 11): its casts are counted wherever they went.
  'sdk/media/MediaSender.ts',
  'sdk/media/MediaReceiver.ts',
  'sdk/media/MediaNotifications.ts',
  'sdk/media/mediasoupTypes.ts',
  'sdk/media/roomStats.ts',
];

/** Fields of Presence's live user (`LiveUser`). */
const PRESENCE_FIELDS = new Set(['inRoom', 'inCall', 'DND', 'published', 'sentAt', 'flush']);
const SERVER_DIRS = ['server', 'server/media', 'server/auth', 'server/limits', 'server/cluster'];

function parse(rel) {
  const path = join(root, rel);
  if (!existsSync(path)) return null;
  return ts.createSourceFile(rel, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

function lineOf(sf, node) {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

function countCasts(sf, errors) {
  const hits = [];
  const visit = (node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const t = node.type.getText(sf);
      // `err as Error` in a catch narrows an exception, not a message: listed apart, not counted.
      if (t === 'Error') errors.push({ line: lineOf(sf, node) });
      else if (t !== 'const') hits.push({ line: lineOf(sf, node), kind: 'as', text: `as ${t}`.slice(0, 80) });
    } else if (node.kind === ts.SyntaxKind.AnyKeyword) {
      hits.push({ line: lineOf(sf, node), kind: 'any', text: 'any' });
    } else if (
      (ts.isFunctionLike(node) || ts.isFunctionTypeNode(node) || ts.isMethodSignature(node)) &&
      node.parameters
    ) {
      const ps = node.parameters.map((p) => [p.name.getText(sf), p.type?.getText(sf)]);
      const untypedName = ps.some(([n, t]) => (n === 'name' || n === 'type') && t === 'string');
      const untypedData = ps.some(([n, t]) => (n === 'data' || n === 'payload') && t === 'unknown');
      if (untypedName && untypedData)
        hits.push({
          line: lineOf(sf, node),
          kind: 'untyped-message',
          text: node.getText(sf).split('\n')[0].slice(0, 80),
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return hits;
}

function presenceWrites(sf) {
  const hits = [];
  const isPresenceTarget = (expr) =>
    ts.isPropertyAccessExpression(expr) && PRESENCE_FIELDS.has(expr.name.text) && !expr.getText(sf).startsWith('this.');
  const visit = (node) => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
      isPresenceTarget(node.left)
    )
      hits.push({ line: lineOf(sf, node), text: node.getText(sf).slice(0, 80) });
    if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) &&
      isPresenceTarget(node.operand)
    )
      hits.push({ line: lineOf(sf, node), text: node.getText(sf).slice(0, 80) });
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'touch' &&
      /presence/i.test(node.expression.expression.getText(sf))
    )
      hits.push({ line: lineOf(sf, node), text: node.getText(sf).slice(0, 80) });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return hits;
}

const report = { casts: { total: 0, errorCasts: 0, files: {} }, presenceWrites: { total: 0, files: {} } };
for (const rel of EDGE_FILES) {
  const sf = parse(rel);
  if (!sf) continue;
  const errors = [];
  const hits = countCasts(sf, errors);
  report.casts.errorCasts += errors.length;
  report.casts.total += hits.length;
  if (hits.length) report.casts.files[rel] = hits;
}
const { readdirSync } = await import('node:fs');
for (const dir of SERVER_DIRS) {
  if (!existsSync(join(root, dir))) continue;
  for (const f of readdirSync(join(root, dir))) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const rel = `${dir}/${f}`;
    if (rel === 'server/Presence.ts') continue;
    const sf = parse(rel);
    const hits = sf ? presenceWrites(sf) : [];
    report.presenceWrites.total += hits.length;
    if (hits.length) report.presenceWrites.files[rel] = hits;
  }
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`casts and untyped message signatures at the protocol edges: ${report.casts.total}`);
  console.log(`  (not counted: ${report.casts.errorCasts} \`err as Error\` in catch blocks)`);
  for (const [f, hits] of Object.entries(report.casts.files)) {
    console.log(`  ${f}: ${hits.length}`);
    for (const h of hits) console.log(`    ${h.line}: ${h.kind} ${h.text}`);
  }
  console.log(`writes of Presence state from outside server/Presence.ts: ${report.presenceWrites.total}`);
  for (const [f, hits] of Object.entries(report.presenceWrites.files)) {
    console.log(`  ${f}: ${hits.length}`);
    for (const h of hits) console.log(`    ${h.line}: ${h.text}`);
  }
}
