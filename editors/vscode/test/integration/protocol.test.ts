// The protocol module against the real sessiond: every method of the
// contract, its error codes, and the LSP lifecycle, on a temporary database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol/node';
import {
  ErrorCodes,
  MilestoneGet,
  MilestoneSet,
  PROTOCOL_VERSION,
  SessionAppend,
  SessionCount,
  SessionEnd,
  SessionEvents,
  SessionGet,
  SessionLast,
  SessionList,
  SessionStart,
  type SessiondCapabilities,
} from '../../src/daemon/protocol';
import { type Daemon, skipWithoutDaemon, startDaemon } from '../daemon';

const skip = skipWithoutDaemon();
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
let dir = '';
let d: Daemon;

async function rejectsWith(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ResponseError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.length > 0);
    return true;
  });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sessiond-vscode-it-'));
  d = await startDaemon(['--db', join(dir, 'sessions.db'), '--max-text-bytes', '64']);
});

after(async () => {
  if (skip) return;
  assert.equal(await d.close(), 0, d.stderr());
  rmSync(dir, { recursive: true, force: true });
});

test('initialize announces sessiond and its protocol version', { skip }, () => {
  assert.equal(d.init.serverInfo?.name, 'sessiond');
  const caps = (d.init.capabilities.experimental as { sessiond: SessiondCapabilities }).sessiond;
  // This client speaks versions 1 to 3; each version only adds to the one before.
  assert.ok(Number.isInteger(caps.protocolVersion) && caps.protocolVersion >= 1 && caps.protocolVersion <= PROTOCOL_VERSION, String(caps.protocolVersion));
  assert.equal(caps.maxTextBytes, 64);
});

test('an empty store: no last session, empty list', { skip }, async () => {
  assert.equal(await d.conn.sendRequest(SessionLast), null);
  assert.deepEqual(await d.conn.sendRequest(SessionList, { limit: 10 }), { sessions: [] });
  assert.equal(await d.conn.sendRequest(SessionGet, { ulid: 'NOPE' }), null);
});

test('start, append every kind, read events back in order', { skip }, async () => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1', engineBaseUrl: 'http://127.0.0.1:1' });
  assert.match(s.ulid, /^[0-9A-Za-z_-]{1,64}$/);
  assert.match(s.startedAt, STAMP);
  assert.deepEqual(
    { endedAt: s.endedAt, engine: s.engineBaseUrl, cli: s.cliVersion, parent: s.parentUlid, n: s.eventCount },
    { endedAt: null, engine: 'http://127.0.0.1:1', cli: 'it 1', parent: null, n: 0 },
  );
  const kinds = ['prompt', 'system', 'command', 'warn', 'alert', 'mode_change'] as const;
  for (const [i, kind] of kinds.entries()) {
    const r = await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind, text: `${kind} ${i}` });
    assert.equal(r.seq, i + 1);
    assert.match(r.createdAt, STAMP);
  }
  const { events } = await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit: 100 });
  assert.deepEqual(events.map((e) => [e.seq, e.kind, e.text, e.sessionId]), kinds.map((k, i) => [i + 1, k, `${k} ${i}`, s.id]));
  assert.deepEqual(await d.conn.sendRequest(SessionCount, { sessionId: s.id }), { count: 6 });
  assert.equal((await d.conn.sendRequest(SessionGet, { ulid: s.ulid }))?.eventCount, 6);
  assert.equal((await d.conn.sendRequest(SessionLast))?.ulid, s.ulid);
});

test('events pages: newest limit below beforeSeq, oldest first; limit 0 is empty', { skip }, async () => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  for (let i = 1; i <= 5; i++) await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: `t${i}` });
  const seqs = async (limit: number, beforeSeq?: number) =>
    (await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit, ...(beforeSeq ? { beforeSeq } : {}) })).events.map((e) => e.seq);
  assert.deepEqual(await seqs(2), [4, 5]);
  assert.deepEqual(await seqs(2, 4), [2, 3]);
  assert.deepEqual(await seqs(10, 3), [1, 2]);
  assert.deepEqual(await seqs(0), []);
});

test('list is newest first and honours limit', { skip }, async () => {
  const a = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  const b = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  const { sessions } = await d.conn.sendRequest(SessionList, { limit: 2 });
  assert.deepEqual(sessions.map((x) => x.ulid), [b.ulid, a.ulid]);
});

test('end is idempotent; appending to an ended session fails with SessionEnded', { skip }, async () => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  const ended = await d.conn.sendRequest(SessionEnd, { sessionId: s.id });
  assert.match(ended.endedAt ?? '', STAMP);
  assert.deepEqual(await d.conn.sendRequest(SessionEnd, { sessionId: s.id }), ended);
  await rejectsWith(d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: 'late' }), ErrorCodes.SessionEnded);
});

test('continuing: parentUlid names the parent, and must exist', { skip }, async () => {
  const parent = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1', ulid: 'it-parent' });
  assert.equal(parent.ulid, 'it-parent');
  const child = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1', parentUlid: 'it-parent' });
  assert.equal(child.parentUlid, 'it-parent');
  await rejectsWith(d.conn.sendRequest(SessionStart, { cliVersion: 'it 1', parentUlid: 'no-such' }), ErrorCodes.SessionNotFound);
  await rejectsWith(d.conn.sendRequest(SessionStart, { cliVersion: 'it 1', ulid: 'it-parent' }), ErrorCodes.SessionExists);
});

test('errors: unknown session, bad params, too large; the server keeps answering', { skip }, async () => {
  await rejectsWith(d.conn.sendRequest(SessionCount, { sessionId: 999999 }), ErrorCodes.SessionNotFound);
  await rejectsWith(d.conn.sendRequest(SessionList, { limit: 10001 }), ErrorCodes.InvalidParams);
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  const append = (kind: string, text: string) =>
    d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: kind as 'prompt', text });
  await rejectsWith(append('shout', 'x'), ErrorCodes.InvalidParams);
  await rejectsWith(append('prompt', 'x'.repeat(65)), ErrorCodes.PayloadTooLarge);
  await rejectsWith(d.conn.sendRequest('session/nope', {}), ErrorCodes.MethodNotFound);
  assert.deepEqual(await d.conn.sendRequest(SessionCount, { sessionId: s.id }), { count: 0 });
});

test('milestones: null when never set, then the value', { skip }, async () => {
  assert.deepEqual(await d.conn.sendRequest(MilestoneGet, { key: 'it.m' }), { value: null });
  assert.equal(await d.conn.sendRequest(MilestoneSet, { key: 'it.m', value: 'v1' }), null);
  assert.deepEqual(await d.conn.sendRequest(MilestoneGet, { key: 'it.m' }), { value: 'v1' });
});

test('text round-trips exactly, markup and non-ASCII included', { skip }, async () => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 1' });
  const text = '<img src=x onerror=alert(1)> é 🙂';
  await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text });
  const { events } = await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit: 1 });
  assert.equal(events[0]?.text, text);
});
