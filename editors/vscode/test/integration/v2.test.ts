// Version 2 of the contract against the real sessiond, through daemon/protocol.ts:
// each part runs when the daemon serves it (it may announce version 2 while
// still adding methods), and says so when it does not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol/node';
import {
  ChatDelta,
  ChatSend,
  DidAppend,
  DidChange,
  DidStart,
  ErrorCodes,
  type Event,
  SessionAppend,
  type SessiondCapabilities,
  SessionDelete,
  SessionEnd,
  SessionEvents,
  SessionGet,
  SessionLast,
  SessionList,
  SessionRename,
  SessionRestore,
  SessionSearch,
  SessionStart,
  SessionSubscribe,
  SessionUnsubscribe,
} from '../../src/daemon/protocol';
import { type Daemon, skipWithoutDaemon, startDaemon } from '../daemon';
import { startEngine } from '../engine';

const skip = skipWithoutDaemon();
let dir = '';
let d: Daemon;
let caps: SessiondCapabilities;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sessiond-vscode-v2-'));
  d = await startDaemon(['--db', join(dir, 'sessions.db')]);
  caps = (d.init.capabilities.experimental as { sessiond: SessiondCapabilities }).sessiond;
});

after(async () => {
  if (skip) return;
  assert.equal(await d.close(), 0, d.stderr());
  rmSync(dir, { recursive: true, force: true });
});

/** Skips the rest of a test when the daemon does not serve `method` yet (-32601), saying so. */
async function served<T>(t: TestContext, method: string, call: () => Promise<T>): Promise<T | undefined> {
  if (caps.protocolVersion < 2) {
    t.skip(`the daemon speaks protocol version ${caps.protocolVersion}`);
    return undefined;
  }
  try {
    return await call();
  } catch (e) {
    if (e instanceof ResponseError && e.code === ErrorCodes.MethodNotFound) {
      t.skip(`the daemon does not serve ${method} yet`);
      return undefined;
    }
    throw e;
  }
}

test('titles, previews, the trash and restore', { skip }, async (t) => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 2' });
  const renamed = await served(t, 'session/rename', () => d.conn.sendRequest(SessionRename, { sessionId: s.id, title: 'Key rotation' }));
  if (!renamed) return;
  assert.equal(renamed.title, 'Key rotation');
  assert.equal(renamed.preview, null, 'no prompt yet');
  await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'system', text: 'boot' });
  await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: '  How do I\n\n rotate   the keys?  ' });
  const got = await d.conn.sendRequest(SessionGet, { ulid: s.ulid });
  assert.equal(got?.preview, 'How do I rotate the keys?');
  assert.equal((await d.conn.sendRequest(SessionRename, { sessionId: s.id, title: null })).title, null);

  const trashed = await d.conn.sendRequest(SessionDelete, { sessionId: s.id });
  assert.ok(trashed.deletedAt && trashed.endedAt, 'deleting a live session ends it');
  assert.ok(!(await d.conn.sendRequest(SessionList, { limit: 100 })).sessions.some((x) => x.id === s.id));
  assert.ok((await d.conn.sendRequest(SessionList, { limit: 100, deleted: true })).sessions.some((x) => x.id === s.id));
  assert.notEqual((await d.conn.sendRequest(SessionLast))?.id, s.id);
  assert.equal((await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit: 10 })).events.length, 2, 'still readable');
  await assert.rejects(d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: 'x' }), (e: ResponseError) => e.code === ErrorCodes.SessionEnded);
  const restored = await d.conn.sendRequest(SessionRestore, { sessionId: s.id });
  assert.equal(restored.deletedAt, null);
  assert.ok((await d.conn.sendRequest(SessionList, { limit: 100 })).sessions.some((x) => x.id === s.id));
});

test('search: hits with snippets and code-point highlights; the trash is not searched; bad queries are -32602', { skip }, async (t) => {
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 2' });
  await d.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: '🙂 Where is the Café with the blue door?' });
  const first = await served(t, 'session/search', () => d.conn.sendRequest(SessionSearch, { query: 'cafe', limit: 10 }));
  if (!first) return;
  const hit = first.hits.find((h) => h.session.id === s.id);
  assert.ok(hit, JSON.stringify(first));
  assert.equal(hit.seq, 1);
  assert.equal(hit.kind, 'prompt');
  const [[a, b]] = hit.highlights;
  assert.equal(Array.from(hit.snippet).slice(a, b).join(''), 'Café');
  assert.deepEqual((await d.conn.sendRequest(SessionSearch, { query: 'blue door', limit: 10, sessionId: s.id })).hits.map((h) => h.seq), [1]);
  await d.conn.sendRequest(SessionDelete, { sessionId: s.id });
  assert.ok(!(await d.conn.sendRequest(SessionSearch, { query: 'cafe', limit: 10 })).hits.some((h) => h.session.id === s.id));
  await assert.rejects(d.conn.sendRequest(SessionSearch, { query: '   ', limit: 10 }), (e: ResponseError) => e.code === ErrorCodes.InvalidParams);
  // Engine syntax in a query is plain text, never an error.
  await d.conn.sendRequest(SessionSearch, { query: 'a:b (c NEAR "d ^e', limit: 10 });
});

test('subscribed, a client hears another process\'s starts, appends and changes', { skip }, async (t) => {
  const ok = await served(t, 'session/subscribe', () => d.conn.sendRequest(SessionSubscribe));
  if (ok === undefined) return;
  const heard: string[] = [];
  const appended: Event[] = [];
  const waiters: (() => void)[] = [];
  const note = (what: string) => {
    heard.push(what);
    for (const w of waiters.splice(0)) w();
  };
  d.conn.onNotification(DidStart, (p) => note(`start ${p.session.cliVersion}`));
  d.conn.onNotification(DidAppend, (p) => {
    appended.push(p.event);
    note(`append ${p.event.seq}`);
  });
  d.conn.onNotification(DidChange, (p) => note(`change ${p.session.endedAt ? 'ended' : 'live'}`));
  const until = async (what: string) => {
    const deadline = Date.now() + 5000;
    while (!heard.includes(what)) {
      if (Date.now() > deadline) throw new Error(`did not hear "${what}" within 5 s; heard ${JSON.stringify(heard)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, deadline - Date.now());
      });
    }
  };
  const other = await startDaemon(['--db', join(dir, 'sessions.db')]);
  try {
    const s = await other.conn.sendRequest(SessionStart, { cliVersion: 'other process' });
    await until('start other process');
    for (let i = 0; i < 3; i++) await other.conn.sendRequest(SessionAppend, { sessionId: s.id, kind: 'prompt', text: `t${i}` });
    await until('append 3');
    assert.deepEqual(appended.filter((e) => e.sessionId === s.id).map((e) => e.seq), [1, 2, 3], 'each once, in order');
    await other.conn.sendRequest(SessionEnd, { sessionId: s.id });
    await until('change ended');
  } finally {
    await other.close();
    await d.conn.sendRequest(SessionUnsubscribe);
  }
});

test('chat/send streams the reply as chat/delta and stores both turns', { skip }, async (t) => {
  if (!caps.chat) return t.skip('the daemon does not offer chat (no chat: true in its capabilities)');
  const engine = await startEngine(['Hello', ', ', 'world', '.'], 20);
  t.after(() => engine.close());
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 2', engineBaseUrl: engine.baseUrl });
  const deltas: string[] = [];
  const sub = d.conn.onNotification(ChatDelta, (p) => {
    if (p.sessionId === s.id) deltas.push(p.text);
  });
  try {
    const r = await d.conn.sendRequest(ChatSend, { sessionId: s.id, text: 'Say hello' });
    assert.deepEqual([r.prompt.seq, r.reply.seq], [1, 2]);
    assert.equal(deltas.join(''), 'Hello, world.');
    const { events } = await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit: 10 });
    assert.deepEqual(events.map((e) => [e.kind, e.text]), [['prompt', 'Say hello'], ['system', 'Hello, world.']]);
    assert.equal(engine.requests.at(-1)?.stream, true);
    assert.deepEqual(engine.requests.at(-1)?.messages?.at(-1), { role: 'user', content: 'Say hello' });
  } finally {
    sub.dispose();
  }
});

test('a cancelled chat/send stores what came, marked as cut', { skip }, async (t) => {
  if (!caps.chat) return t.skip('the daemon does not offer chat (no chat: true in its capabilities)');
  const engine = await startEngine(['First piece.', ' Second', ' third', ' fourth', ' fifth'], 300);
  t.after(() => engine.close());
  const s = await d.conn.sendRequest(SessionStart, { cliVersion: 'it 2', engineBaseUrl: engine.baseUrl });
  const cancel = new CancellationTokenSource();
  const sub = d.conn.onNotification(ChatDelta, (p) => {
    if (p.sessionId === s.id) cancel.cancel();
  });
  try {
    const r = await d.conn.sendRequest(ChatSend, { sessionId: s.id, text: 'Talk slowly' }, cancel.token);
    const { events } = await d.conn.sendRequest(SessionEvents, { sessionId: s.id, limit: 10 });
    const reply = events.find((e) => e.seq === r.reply.seq);
    assert.ok(reply?.text.startsWith('First piece.'), reply?.text);
    assert.ok(!reply?.text.includes('fifth'), 'the stream went on after the cancel');
    assert.match(reply?.text ?? '', /\[reply cut: stopped by the person\]$/);
  } finally {
    sub.dispose();
  }
});
