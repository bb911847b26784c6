// A server notification with a misspelled name or a wrong payload, a missing request handler, a handler
// answering the wrong shape and a response read as the wrong type do not compile. The fixture
// (wireTypes.fixture.ts) marks each such line `@ts-expect-error [tag]`; `npm run check` proves they fail.
// Here the TypeScript compiler runs on the same text with the directives turned into plain comments, and
// the test asserts WHICH error each line gives (a line failing for another reason would pass the check
// but not this test), and that every untagged line compiles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixture = join(here, 'wireTypes.fixture.ts');
/** The fixture without its directives, compiled under this name beside it (its imports resolve the same). */
const negative = join(here, 'wireTypes.negative.ts');

/** What each tagged line must fail with: the TypeScript error code and a piece of its message. */
const EXPECTED: Record<string, { code: number; text: string }> = {
  'misspelled-name': { code: 2345, text: `Argument of type '"callHungUp"' is not assignable` },
  'wrong-type': { code: 2322, text: `Type 'number' is not assignable to type 'string'` },
  'missing-field': { code: 2345, text: `Property 'sdkErr' is missing` },
  'extra-field': { code: 2353, text: `'dnd' does not exist` },
  'media-name': { code: 2345, text: `Argument of type '"media.consumerClose"' is not assignable` },
  'media-seam': { code: 2345, text: `Argument of type '"meetingStopped"' is not assignable` },
  'missing-handler': { code: 2740, text: 'is missing the following properties' },
  'wrong-answer': { code: 2322, text: `Type 'string' is not assignable to type 'number'` },
  'response-field': { code: 2322, text: `Type 'number' is not assignable to type 'string'` },
  'handler-data': { code: 2345, text: `Argument of type '{ meetID: number; }' is not assignable` },
  'media-handler-missing': { code: 2740, text: 'is missing the following properties' },
  'media-handler-misspelt': { code: 2353, text: `''media.peerleft'' does not exist` },
  'media-handler-data': { code: 2339, text: `Property 'UID' does not exist` },
};

function compilerOptions(): ts.CompilerOptions {
  const file = join(root, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  assert.equal(error, undefined, 'tsconfig.json reads');
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
  return { ...parsed.options, noEmit: true };
}

test('a misspelled notification, a wrong payload, a missing handler or a wrong answer does not compile, with the expected error', () => {
  const source = readFileSync(fixture, 'utf8');
  const lines = source.split('\n');
  /** Tag of each line (1-based) that follows a directive. */
  const tagOf = new Map<number, string>();
  lines.forEach((line, i) => {
    const m = /\/\/ @ts-expect-error \[([a-z-]+)\]/.exec(line);
    if (m?.[1]) tagOf.set(i + 2, m[1]);
  });
  assert.deepEqual([...tagOf.values()].sort(), Object.keys(EXPECTED).sort(), 'the fixture tags every expected case');
  const text = source.replaceAll('// @ts-expect-error', '// expected error:');

  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, fresh) =>
    name === negative ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, onError, fresh);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === negative || fileExists(name);
  const program = ts.createProgram({ rootNames: [negative], options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === negative);

  const byLine = new Map<number, ts.Diagnostic[]>();
  for (const d of diagnostics) {
    const file = d.file;
    if (!file || d.start === undefined) continue;
    const line = file.getLineAndCharacterOfPosition(d.start).line + 1;
    byLine.set(line, [...(byLine.get(line) ?? []), d]);
  }
  const message = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, '\n');

  // Every untagged line compiles: the valid notifications, handlers and responses are accepted.
  const stray = [...byLine.entries()].filter(([line]) => !tagOf.has(line));
  assert.deepEqual(
    stray.map(([line, ds]) => `${line}: ${ds.map(message).join('; ')}`),
    [],
    'only the tagged lines fail',
  );
  for (const [line, tag] of tagOf) {
    const expected = EXPECTED[tag];
    assert.ok(expected, tag);
    const found = byLine.get(line) ?? [];
    assert.ok(found.length > 0, `[${tag}] line ${line} compiles, but must not: ${lines[line - 1]?.trim()}`);
    assert.ok(
      found.some((d) => d.code === expected.code && message(d).includes(expected.text)),
      `[${tag}] line ${line}: expected TS${expected.code} "${expected.text}", got ${found
        .map((d) => `TS${d.code} ${message(d)}`)
        .join(' | ')}`,
    );
  }
});
