// protocol.ts says it mirrors protocol.md: hold it to that. Compares the
// method table, the error table and the event kinds of ../../protocol.md
// (skipped when this folder is used outside the repository).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import * as protocol from '../../src/protocol';

const DOC = join(__dirname, '..', '..', '..', '..', '..', 'protocol.md');
const skip = existsSync(DOC) ? false : `${DOC} not found`;
const doc = skip ? '' : readFileSync(DOC, 'utf8');

/** The first column of the first Markdown table in the section under `heading`. */
function firstColumn(heading: string): string[] {
  const after = doc.slice(doc.indexOf(`\n${heading}\n`) + heading.length + 2);
  const stop = after.search(/\n#+ /);
  const section = stop < 0 ? after : after.slice(0, stop);
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !/^\|\s*-+\s*\|/.test(l));
  return rows.slice(1).map((r) => r.split('|')[1].trim().replace(/`/g, ''));
}

test('every method in protocol.md has a RequestType, and no other', { skip }, () => {
  const declared = (Object.values(protocol) as unknown[])
    .flatMap((v) => (v instanceof RequestType || v instanceof RequestType0 ? [v.method] : []))
    .sort();
  assert.deepEqual(declared, firstColumn('## Methods').sort());
});

test('the error codes match protocol.md', { skip }, () => {
  const rows = firstColumn('## Errors').map(Number);
  assert.deepEqual(Object.values(protocol.ErrorCodes).sort(), rows.sort());
});

test('the event kinds match protocol.md', { skip }, () => {
  const line = doc.slice(doc.indexOf('**EventKind**')).split('\n\n')[0];
  const kinds = Array.from(line.matchAll(/`"(\w+)"`/g), (m) => m[1]);
  assert.deepEqual([...protocol.EVENT_KINDS], kinds);
});
