// daemon/protocol.ts says it mirrors protocol.md: hold it to that, and to the
// contract it implements (shared/contract.md beside the repository, or beside
// a folder above it, as for a git worktree), so a
// version-2 method that protocol.md does not document yet must still be one
// the contract fixes. Compares methods, notifications, error codes and event
// kinds (skipped when this folder is used outside the repository).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import * as protocol from '../../src/daemon/protocol';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const DOC = join(ROOT, 'protocol.md');
/** The nearest shared/contract.md beside the repository or a folder above it. */
function findContract(): string {
  for (let dir = dirname(ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'contract.md');
    if (existsSync(candidate) || dirname(dir) === dir) return candidate;
  }
}
const CONTRACT = findContract();
const skip = existsSync(DOC) ? false : `${DOC} not found`;
const doc = skip ? '' : readFileSync(DOC, 'utf8');
const contract = existsSync(CONTRACT) ? readFileSync(CONTRACT, 'utf8') : '';

/** First-column cells of every Markdown table whose header's first cell is `head`. */
function column(text: string, head: string): string[] {
  const out: string[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const first = line.split('|')[1].trim().replace(/`/g, '');
    if (/^-+$/.test(first)) continue;
    if (!inTable) {
      inTable = first === head;
      if (inTable) continue;
    }
    if (inTable) out.push(first);
  }
  return out;
}

function declared<T>(kind: (v: unknown) => v is T, name: (v: T) => string): string[] {
  return (Object.values(protocol) as unknown[]).flatMap((v) => (kind(v) ? [name(v)] : [])).sort();
}

const isRequest = (v: unknown): v is RequestType<unknown, unknown, unknown> | RequestType0<unknown, unknown> =>
  v instanceof RequestType || v instanceof RequestType0;
const isNotification = (v: unknown): v is NotificationType<unknown> => v instanceof NotificationType;

test('every method of protocol.md has a RequestType, and every RequestType is in protocol.md or the contract', { skip }, () => {
  const inDoc = column(doc, 'method');
  const mine = declared(isRequest, (v) => v.method);
  for (const m of inDoc) assert.ok(mine.includes(m), `protocol.md documents ${m}, protocol.ts lacks it`);
  const known = new Set([...inDoc, ...column(contract, 'method')]);
  for (const m of mine) assert.ok(known.has(m), `protocol.ts declares ${m}, which neither protocol.md nor the contract has`);
  assert.ok(inDoc.length >= 10, 'the method table was not found in protocol.md');
});

test('notifications: every documented one is declared, and every declared one is documented', { skip }, () => {
  const tables = [...column(doc, 'notification'), ...column(contract, 'notification')];
  const mine = declared(isNotification, (v) => v.method);
  for (const n of tables) assert.ok(mine.includes(n), `${n} is documented, protocol.ts lacks it`);
  for (const n of mine) assert.ok(`${doc}\n${contract}`.includes(`\`${n}`), `protocol.ts declares ${n}, which is documented nowhere`);
});

test('the error codes match protocol.md and the contract', { skip }, () => {
  const documented = new Set([...column(doc, 'code'), ...column(contract, 'code')].map(Number));
  const inDoc = column(doc, 'code').map(Number);
  const mine = Object.values(protocol.ErrorCodes);
  for (const c of inDoc) assert.ok((mine as number[]).includes(c), `protocol.md has error ${c}, protocol.ts lacks it`);
  for (const c of mine) assert.ok(documented.has(c), `protocol.ts has error ${c}, documented nowhere`);
});

test('the event kinds match protocol.md', { skip }, () => {
  const line = doc.slice(doc.indexOf('**EventKind**')).split('\n\n')[0];
  const kinds = Array.from(line.matchAll(/`"(\w+)"`/g), (m) => m[1]);
  assert.deepEqual([...protocol.EVENT_KINDS], kinds);
});

test('the contract is beside the repository, so the checks above hold protocol.ts to it', { skip: skip || (contract ? false : `${CONTRACT} not found`) }, () => {
  assert.ok(column(contract, 'method').includes('session/search'));
});
