// Version 3 of the contract against the real sessiond, through the
// extension's own SessionService (over the daemon's pipe) and the CLI's
// `sessiond resume --print` as the extension runs it: where sessions were
// held, the workspace's sessions by last activity, models and tokens,
// session/find as the search picker shows it, and what resumes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { RequestParam } from 'vscode-languageserver-protocol';
import type { Wire } from '../../src/daemon/client';
import { ErrorCodes, type SessiondCapabilities, SessionAppend, SessionEnd, SessionEvents, SessionStart } from '../../src/daemon/protocol';
import { checkResume, resumePrintLaunch } from '../../src/daemon/resumeCli';
import { foundItems, RELAXED } from '../../src/commands/searchPicker';
import { eventTitle, sessionDescription } from '../../src/text/labels';
import { renderHistory } from '../../src/views/historyHtml';
import { SessionService } from '../../src/sessionService';
import { type Daemon, daemonCommand, skipWithoutDaemon, startDaemon } from '../daemon';
import { EventEmitter } from '../unit/vscodeStub';

const skip = skipWithoutDaemon();
let dir = '';
let db = '';
let d: Daemon;
let caps: SessiondCapabilities;
let api = '';

/** The extension's Wire over the test's connection to the real daemon. */
function wireOf(daemon: Daemon): Wire {
  const started = new EventEmitter<SessiondCapabilities>();
  return {
    // Our params are never null, as in the extension's client.
    request: (type, params, token) => daemon.conn.sendRequest(type, params as RequestParam<typeof params>, token),
    request0: (type) => daemon.conn.sendRequest(type),
    capabilities: () => Promise.resolve(caps),
    onNotification: (type, handler) => daemon.conn.onNotification(type, handler),
    onDidStart: started.event,
  } as Wire;
}

function v3(t: TestContext): boolean {
  if (caps.protocolVersion >= 3) return true;
  t.skip(`the daemon speaks protocol version ${caps.protocolVersion}`);
  return false;
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sessiond-vscode-v3-'));
  db = join(dir, 'sessions.db');
  api = join(dir, 'src', 'api');
  mkdirSync(join(api, 'web'), { recursive: true });
  d = await startDaemon(['--db', db]);
  caps = (d.init.capabilities.experimental as { sessiond: SessiondCapabilities }).sessiond;
});

after(async () => {
  if (skip) return;
  assert.equal(await d.close(), 0, d.stderr());
  rmSync(dir, { recursive: true, force: true });
});

test('a session VS Code starts is held in vscode, in the first workspace folder; the workspace lists its own by last activity', { skip }, async (t) => {
  if (!v3(t)) return;
  const service = new SessionService(wireOf(d), 'sessiond-vscode it', () => [api, join(dir, 'other')]);
  const mine = await service.start();
  assert.equal(mine.source, 'vscode');
  assert.equal(mine.project, api);
  const send = d.conn.sendRequest.bind(d.conn);
  const web = await send(SessionStart, { cliVersion: 'it', source: 'codex', project: join(api, 'web'), branch: 'main' });
  const elsewhere = await send(SessionStart, { cliVersion: 'it', source: 'claude-code', project: join(dir, 'apiary') });
  // The oldest session is the most recently active.
  await send(SessionAppend, { sessionId: mine.id, kind: 'prompt', text: 'active last' });
  const listed = await service.listRecent(50, { folders: [api] });
  assert.deepEqual(listed.map((s) => s.ulid), [mine.ulid, web.ulid], 'that folder and those under it, by last activity; not /apiary');
  assert.ok(listed[0].lastActivityAt && listed[0].lastActivityAt > listed[0].startedAt);
  assert.ok((await service.listRecent(50)).some((s) => s.ulid === elsewhere.ulid), 'every folder\'s when none is given');
  assert.equal(sessionDescription(listed[1], '', new Date(), [api]), `0 · ${sessionDescription(listed[1], '', new Date()).split(' · ')[1]} · codex · web`);
  // The trash of the workspace holds only its own.
  await service.trash(elsewhere);
  await service.trash(web);
  assert.deepEqual((await service.listTrash(10, [api])).map((s) => s.ulid), [web.ulid]);
});

test('a reply\'s model and tokens: headed by the model, summed on the session for the history\'s header', { skip }, async (t) => {
  if (!v3(t)) return;
  const send = d.conn.sendRequest.bind(d.conn);
  const s = await send(SessionStart, { cliVersion: 'it', source: 'claude-code', project: api });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: 'Why is CI slow?' });
  const usage = { inputTokens: 1200, outputTokens: 3400, cacheReadTokens: 52000, cacheWriteTokens: 8100 };
  await send(SessionAppend, { sessionId: s.id, kind: 'system', text: 'The cache is cold.', meta: { model: 'claude-sonnet-4-5', usage } });
  await send(SessionAppend, { sessionId: s.id, kind: 'system', text: 'Warm it.', meta: { model: 'claude-sonnet-4-5', usage: { outputTokens: 600 } } });
  const service = new SessionService(wireOf(d), 'sessiond-vscode it', () => [api]);
  const fresh = await service.get(s.ulid);
  assert.deepEqual(fresh?.models, ['claude-sonnet-4-5']);
  assert.deepEqual(fresh?.usage, { ...usage, outputTokens: 4000 });
  const events = await service.events(s.id, 10);
  assert.deepEqual(events.map(eventTitle), ['You', 'claude-sonnet-4-5', 'claude-sonnet-4-5']);
  const header = renderHistory(fresh ?? undefined, events).headerHtml;
  assert.match(header, /<span class="models"[^>]*>claude-sonnet-4-5<\/span> · <span class="tokens"[^>]*>1\.2k in · 4k out · 52k cache read · 8\.1k cache write<\/span>/);
  assert.match(header, /<span class="source">claude-code<\/span>/);
  // A key outside the contract's four is refused.
  await assert.rejects(send(SessionAppend, { sessionId: s.id, kind: 'system', text: 'x', meta: { colour: 'red' } as never }), (e: { code: number }) => e.code === ErrorCodes.InvalidParams);
  const { events: raw } = await send(SessionEvents, { sessionId: s.id, limit: 10 });
  assert.equal(raw[0].meta, null);
});

test('search: one row per session with its best turns; the closest sessions when none holds every word', { skip }, async (t) => {
  if (!v3(t)) return;
  const send = d.conn.sendRequest.bind(d.conn);
  const a = await send(SessionStart, { cliVersion: 'it', source: 'codex', project: api });
  await send(SessionAppend, { sessionId: a.id, kind: 'prompt', text: 'the lockfile changed' });
  await send(SessionAppend, { sessionId: a.id, kind: 'system', text: 'so the zebracache key changed too' });
  const b = await send(SessionStart, { cliVersion: 'it' });
  await send(SessionAppend, { sessionId: b.id, kind: 'prompt', text: 'zebracache only' });
  const service = new SessionService(wireOf(d), 'sessiond-vscode it');
  // Every word in the session, not in one turn: only a.
  const full = await service.find('zebracache lockfile', 10);
  assert.equal(full.relaxed, false);
  assert.deepEqual(full.results.map((r) => r.session.ulid), [a.ulid]);
  const [row] = foundItems(full.results, full.relaxed, new Date());
  assert.match(String(row.description), /^2 hits · \d\d:\d\d · (You|Reply) · codex · api$/);
  assert.match(String(row.detail), /«(zebracache|lockfile)»/);
  assert.ok(row.chosen?.seq === 1 || row.chosen?.seq === 2);
  assert.deepEqual([...(row.chosen?.terms ?? [])].sort(), ['lockfile', 'zebracache']);
  // No session holds both: the closest, said to be.
  const relaxed = await service.find('zebracache quagga', 10);
  assert.equal(relaxed.relaxed, true);
  const rows = foundItems(relaxed.results, relaxed.relaxed, new Date());
  assert.equal(rows[0].label, RELAXED);
  assert.deepEqual(new Set(rows.slice(1).map((r) => r.chosen?.session.ulid)), new Set([a.ulid, b.ulid]));
  assert.deepEqual(await service.find('quagga', 10), { results: [], relaxed: false });
});

/** True when the sessiond on PATH has the `resume` command (contract version 3). */
function canResume(): boolean {
  const [program, ...args] = daemonCommand();
  return spawnSync(program, [...args, 'resume', '--help'], { stdio: 'ignore' }).status === 0;
}

test('resume --print: the command of a program that reopens its sessions, a sentence for one that does not', { skip: skip || (canResume() ? false : 'this sessiond has no resume command yet') }, async (t) => {
  if (!v3(t)) return;
  const send = d.conn.sendRequest.bind(d.conn);
  const chat = await send(SessionStart, { cliVersion: 'it', source: 'sessiond-chat', project: api });
  await send(SessionEnd, { sessionId: chat.id });
  const aider = await send(SessionStart, { cliVersion: 'it', source: 'aider', project: api });
  const settings = { command: daemonCommand(), dbPath: db, engineBaseUrl: '' };
  const launch = resumePrintLaunch(settings, chat.ulid);
  assert.ok(!launch.args.includes(db), 'the database is not on the command line');
  const ok = await checkResume(launch);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.match(ok.command, new RegExp(`chat --continue ${chat.ulid}`));
  assert.ok(ok.command.includes(api), ok.command);
  const no = await checkResume(resumePrintLaunch(settings, aider.ulid));
  assert.equal(no.ok, false);
  assert.match(no.ok ? '' : no.why, /aider/i);
  const mine = await checkResume(resumePrintLaunch(settings, (await send(SessionStart, { cliVersion: 'it', source: 'vscode' })).ulid));
  assert.equal(mine.ok, false, 'a VS Code session is reopened here, not by a command');
});
