// SessionService and SessionsTree against an in-memory fake of the daemon
// (the `vscode` module is a stub here: see vscodeStub.ts).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { Session } from '../../src/daemon/protocol';
import { type Change, type Delta, SessionService } from '../../src/sessionService';
import { type Node, PAGE_SIZE, type ResumeHints, type SessionNode, SessionsTree } from '../../src/views/sessionsTree';
import { FakeDaemon } from './fakeDaemon';
import { infos, settings } from './vscodeStub';

let daemon: FakeDaemon;
let service: SessionService;
let changes: Change[];

function serve(d: FakeDaemon): void {
  daemon = d;
  service = new SessionService(daemon, 'sessiond-vscode 9.9.9');
  changes = [];
  service.onDidChange((c) => changes.push(c));
}

/** Lets the service's onDidStart handling (subscribe, refresh) run. */
async function started(): Promise<void> {
  daemon.announce();
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

beforeEach(() => {
  serve(new FakeDaemon());
  settings.engineBaseUrl = '';
});

test('typing with no session shown starts one, with our client version and engine', async () => {
  settings.engineBaseUrl = 'http://engine';
  const r = await service.append('prompt', 'hello');
  assert.equal(r.seq, 1);
  assert.equal(r.session.cliVersion, 'sessiond-vscode 9.9.9');
  assert.equal(r.session.engineBaseUrl, 'http://engine');
  assert.equal(service.current?.eventCount, 1);
  assert.ok(changes.length >= 1);
});

test('typing into a live session appends to it', async () => {
  const s = daemon.start();
  await service.show(s);
  await service.append('prompt', 'one');
  await service.append('system', 'two');
  assert.equal(daemon.sessions.length, 1);
  assert.deepEqual(daemon.events.map((e) => [e.seq, e.kind]), [[1, 'prompt'], [2, 'system']]);
});

test('typing into an ended session continues it in a new one', async () => {
  const s = daemon.start({ endedAt: '2026-11-25T00:30:00.000Z' });
  await service.show(s);
  const r = await service.append('prompt', 'again');
  assert.equal(r.session.parentUlid, s.ulid);
  assert.equal(service.current?.ulid, r.session.ulid);
});

test('a session ended by another client is continued when the append is refused', async () => {
  const s = daemon.start();
  await service.show(s);
  daemon.sessions[0].endedAt = '2026-11-25T00:30:00.000Z'; // ended elsewhere; our copy is stale
  const r = await service.append('prompt', 'late');
  assert.equal(r.session.parentUlid, s.ulid);
  assert.equal(daemon.events.length, 1);
});

test('writing to a given session (an editor tab) leaves the shown one alone', async () => {
  const shown = daemon.start();
  const tab = daemon.start({ endedAt: '2026-11-25T00:30:00.000Z' });
  await service.show(shown);
  const r = await service.append('prompt', 'in the tab', { at: tab });
  assert.equal(r.session.parentUlid, tab.ulid);
  assert.equal(service.current?.id, shown.id);
});

test('end and start announce the change', async () => {
  const s = await service.start();
  const before = changes.length;
  const ended = await service.end(s);
  assert.ok(ended.endedAt);
  assert.equal(service.current?.endedAt, ended.endedAt);
  assert.ok(changes.length > before);
});

test('allEvents pages down to the first event', async () => {
  const s = daemon.start();
  for (let i = 0; i < 5; i++) await daemon.request({ method: 'session/append' }, { sessionId: s.id, kind: 'prompt', text: `t${i}` });
  assert.deepEqual((await service.allEvents(s.id)).map((e) => e.seq), [1, 2, 3, 4, 5]);
});

test('a version-2 daemon is subscribed to on start; others\' appends reach the views and the shown count', async () => {
  await started();
  assert.equal(daemon.subscribed, true);
  assert.equal(service.live, true);
  const s = daemon.start();
  await service.show(s);
  changes = [];
  const e = daemon.appendFromElsewhere(s.id, 'prompt', 'from the terminal');
  assert.deepEqual(changes.at(-1), { type: 'append', event: e });
  assert.equal(service.current?.eventCount, 1);
  daemon.request({ method: 'session/rename' }, { sessionId: s.id, title: 'Renamed elsewhere' });
  assert.equal(service.current?.title, 'Renamed elsewhere');
  assert.deepEqual(changes.map((c) => c.type), ['append', 'session']);
});

test('a version-1 daemon is never sent a version-2 method', async () => {
  serve(new FakeDaemon(1));
  await started();
  assert.equal(service.live, false);
  assert.equal(await service.has('session/search'), false);
  assert.equal(await service.has('session/list'), true);
  assert.ok(!daemon.calls.includes('session/subscribe'));
});

test('a turn for a session in the trash starts a new session, not a continuation of it', async () => {
  const s = daemon.start();
  await service.show(s);
  await service.trash(s);
  const r = await service.append('system', 'recorded');
  assert.notEqual(r.session.id, s.id);
  assert.equal(r.session.parentUlid, null);
});

test('rename, trash and restore go to the daemon and update the shown session', async () => {
  const s = daemon.start();
  await service.show(s);
  assert.equal((await service.rename(s, 'Key rotation')).title, 'Key rotation');
  assert.equal(service.current?.title, 'Key rotation');
  const trashed = await service.trash(s);
  assert.ok(trashed.deletedAt);
  assert.deepEqual((await service.list(10)).map((x) => x.id), []);
  assert.deepEqual((await service.listTrash(10)).map((x) => x.id), [s.id]);
  await service.restore(trashed);
  assert.equal(service.current?.deletedAt, null);
  assert.deepEqual((await service.list(10)).map((x) => x.id), [s.id]);
  assert.equal((await service.rename(s, null)).title, null);
});

test('search sends the query and returns hits; an empty query asks nothing', async () => {
  const s = daemon.start();
  daemon.appendFromElsewhere(s.id, 'prompt', 'rotate the keys');
  const hits = await service.search('keys', 10);
  assert.deepEqual(hits.map((h) => [h.session.id, h.seq, h.highlights]), [[s.id, 1, [[11, 15]]]]);
  const before = daemon.calls.length;
  assert.deepEqual(await service.search('  ', 10), []);
  assert.equal(daemon.calls.length, before);
});

test('with chat, a typed prompt goes through chat/send and the reply streams', async () => {
  serve(new FakeDaemon(2, true));
  await started();
  const deltas: Delta[] = [];
  service.onDidDelta((d) => deltas.push(d));
  // Other extensions' turns (sessiond.append) are only recorded, never sent to the engine.
  await service.append('prompt', 'recorded by an extension');
  assert.ok(!daemon.calls.includes('chat/send'));
  daemon.events.length = 0;
  daemon.sessions[0].eventCount = 0;
  const r = await service.append('prompt', 'What is 2+2?', { chat: true });
  assert.ok(daemon.calls.includes('chat/send'));
  assert.equal(daemon.calls.filter((m) => m === 'session/append').length, 1);
  assert.equal(r.seq, 1);
  assert.deepEqual(deltas.map((d) => [d.promptSeq, d.text]), [[1, 'It is '], [1, '4.']]);
  assert.deepEqual(daemon.events.map((e) => [e.kind, e.text]), [['prompt', 'What is 2+2?'], ['system', 'It is 4.']]);
  // Other kinds are notes, never sent to the engine.
  await service.append('command', 'ls');
  assert.ok(daemon.calls.includes('session/append'));
});

test('a daemon that says it has no engine: prompts are only recorded, nothing else is stored, nothing pops up', async () => {
  serve(new FakeDaemon(2, true, false));
  await started();
  infos.length = 0;
  const s = daemon.start();
  await service.show(s);
  assert.equal(service.engineState(service.current), 'no');
  const first = await service.append('prompt', 'note one', { chat: true });
  assert.equal(first.seq, 1);
  await service.append('prompt', 'note two', { chat: true });
  assert.ok(!daemon.calls.includes('chat/send'));
  assert.deepEqual(daemon.events.map((e) => e.kind), ['prompt', 'prompt'], 'no warning turn');
  assert.deepEqual(infos, []);
});

test('a session\'s own engine, or the setting for a session this window starts, counts as an engine', async () => {
  serve(new FakeDaemon(2, true, false));
  await started();
  const own = daemon.start({ engineBaseUrl: 'http://127.0.0.1:1/v1' });
  assert.equal(service.engineState(own), 'yes');
  const none = daemon.start();
  assert.equal(service.engineState(none), 'no');
  assert.equal(service.engineState(undefined), 'no');
  settings.engineBaseUrl = 'http://127.0.0.1:2/v1';
  // A new session, or a continuation of an ended one, is started with the setting's engine.
  assert.equal(service.engineState(undefined), 'yes');
  assert.equal(service.engineState({ ...none, endedAt: '2026-11-25T01:00:00.000Z' }), 'yes');
  // A live session started without one keeps none: chat/send would use the daemon's.
  assert.equal(service.engineState(none), 'no');
  await service.show(own);
  await service.append('prompt', 'asked', { chat: true });
  assert.ok(daemon.calls.includes('chat/send'));
  serve(new FakeDaemon(2, false));
  await started();
  assert.equal(service.engineState(undefined), 'nochat');
});

test('a daemon that does not say: the first prompt tells (its warning stays), then prompts are notes, and nothing pops up', async () => {
  serve(new FakeDaemon(2, true));
  await started();
  daemon.engineError = 'no engine is set: start sessiond with --engine-base-url URL';
  infos.length = 0;
  assert.equal(service.engineState(undefined), 'unknown');
  const first = await service.append('prompt', 'note one', { chat: true });
  assert.equal(first.seq, 1);
  assert.equal(service.engineState(service.current), 'no');
  const calls = daemon.calls.length;
  const second = await service.append('prompt', 'note two', { chat: true });
  assert.equal(second.seq, 3);
  assert.deepEqual(daemon.calls.slice(calls).filter((m) => m.startsWith('chat') || m === 'session/append'), ['session/append']);
  assert.deepEqual(infos, []);
  // Another engine error (unreachable, refused) is the person's to see, every time.
  const other = daemon.start({ engineBaseUrl: 'http://127.0.0.1:9' });
  await service.show(other);
  daemon.engineError = 'The engine at http://127.0.0.1:9 cannot be reached.';
  await assert.rejects(service.append('prompt', 'three', { chat: true }), /cannot be reached/);
});

function sessionNodes(nodes: Node[]): SessionNode[] {
  return nodes.filter((n): n is SessionNode => n.type === 'session');
}

test('the tree groups by day, lists a page newest first, then loads more on demand', async () => {
  const now = new Date('2026-11-25T12:00:00.000Z');
  daemon.start({ startedAt: '2026-11-10T09:00:00.000Z' });
  daemon.start({ startedAt: '2026-11-20T09:00:00.000Z' });
  daemon.start({ startedAt: '2026-11-24T09:00:00.000Z' });
  for (let i = 0; i < PAGE_SIZE; i++) daemon.start({ startedAt: '2026-11-25T09:00:00.000Z' });
  const newest = daemon.sessions.at(-1) as Session;
  daemon.appendFromElsewhere(newest.id, 'prompt', 'newest speaks');
  const tree = new SessionsTree(service, () => now);
  let roots = await tree.getChildren();
  assert.deepEqual(roots.map((n) => (n.type === 'group' ? n.group : n.type)), ['today', 'more'], 'no Trash while it is empty');
  const today = sessionNodes(await tree.getChildren(roots[0]));
  assert.equal(today.length, PAGE_SIZE);
  assert.equal(today[0].session.id, newest.id);
  const item = tree.getTreeItem(today[0]);
  assert.equal(item.label, 'newest speaks');
  assert.equal(item.description, '1 · 09:00');
  assert.equal(item.contextValue, 'session.live');
  assert.equal(tree.getParent(today[0]), roots[0]);
  tree.loadMore();
  roots = await tree.getChildren();
  assert.deepEqual(roots.map((n) => (n.type === 'group' ? `${n.group} ${n.sessions.length}` : n.type)), ['today 50', 'yesterday 1', 'week 1', 'older 1']);
});

test('the trash node lists trashed sessions, with Restore as their action', async () => {
  const s = daemon.start({ title: 'Old plan' });
  await service.trash(s);
  const tree = new SessionsTree(service);
  const roots = await tree.getChildren();
  assert.deepEqual(roots.map((n) => n.type), ['trash']);
  const [trashed] = sessionNodes(await tree.getChildren(roots[0]));
  const item = tree.getTreeItem(trashed);
  assert.equal(item.label, 'Old plan');
  assert.equal(item.contextValue, 'session.trashed');
  assert.match(String(item.description), /^0 · /);
  assert.match(String(item.tooltip), /Moved to the trash/);
});

test('a version-1 tree reads each session\'s first prompt itself and shows no trash', async () => {
  serve(new FakeDaemon(1));
  const s = daemon.start();
  daemon.appendFromElsewhere(s.id, 'prompt', 'a v1 prompt');
  const tree = new SessionsTree(service);
  const roots = await tree.getChildren();
  assert.ok(!roots.some((n) => n.type === 'trash'));
  const [node] = sessionNodes(await tree.getChildren(roots[0]));
  assert.equal(tree.getTreeItem(node).label, 'a v1 prompt');
  assert.ok(daemon.calls.includes('session/events'));
});

test('a version-2 tree takes names from the Session and reads no events', async () => {
  const s = daemon.start();
  daemon.appendFromElsewhere(s.id, 'prompt', 'kept with it');
  const tree = new SessionsTree(service);
  const [group] = await tree.getChildren();
  const [node] = sessionNodes(await tree.getChildren(group));
  assert.equal(tree.getTreeItem(node).label, 'kept with it');
  assert.ok(!daemon.calls.includes('session/events'));
});

// Version 3: where sessions were held.

const API = '/home/ann/src/api';

/** A tree over a version-3 fake with `folders` open, remembering its scope in `memory`. */
function v3Tree(folders: string[], memory = new Map<string, unknown>(), hints?: ResumeHints) {
  serve(new FakeDaemon(3));
  service = new SessionService(daemon, 'sessiond-vscode 9.9.9', () => folders);
  const store = { get: <T>(k: string) => memory.get(k) as T | undefined, update: (k: string, v: unknown) => Promise.resolve(void memory.set(k, v)) };
  const scopes: string[] = [];
  const tree = new SessionsTree(service, () => new Date('2026-11-25T12:00:00.000Z'), () => folders, store, hints);
  tree.onDidChangeScope((s) => scopes.push(s));
  return { tree, scopes };
}

function label(n: Node, tree: SessionsTree): string {
  return n.type === 'group' ? `${n.group} ${n.sessions.length}` : n.type === 'session' ? String(tree.getTreeItem(n).label) : n.type;
}

test('version 3: a session started here says it is held in VS Code, in the first workspace folder; an older daemon is sent neither', async () => {
  serve(new FakeDaemon(3));
  service = new SessionService(daemon, 'sessiond-vscode 9.9.9', () => [API, '/home/ann/src/web']);
  const r = await service.append('prompt', 'hello');
  assert.equal(r.session.source, 'vscode');
  assert.equal(r.session.project, API);
  const continued = await service.start(daemon.start({ endedAt: '2026-11-25T00:30:00.000Z', source: 'claude-code', project: '/elsewhere' }));
  assert.deepEqual([continued.source, continued.project], ['vscode', API], 'a continuation is held here, in this folder');
  serve(new FakeDaemon(2));
  service = new SessionService(daemon, 'sessiond-vscode 9.9.9', () => [API]);
  await service.append('prompt', 'hello');
  const start = daemon.sent.find(([m]) => m === 'session/start')?.[1];
  assert.deepEqual(Object.keys(start ?? {}).sort(), ['cliVersion']);
  // No folder open: the source alone.
  serve(new FakeDaemon(3));
  service = new SessionService(daemon, 'sessiond-vscode 9.9.9', () => []);
  assert.deepEqual([(await service.start()).source, (await service.start()).project], ['vscode', null]);
});

test('version 3: the tree lists the workspace\'s sessions first, by last activity, then a row for all folders; the toggle lists every folder\'s', async () => {
  const memory = new Map<string, unknown>();
  const { tree, scopes } = v3Tree([API], memory);
  daemon.start({ preview: 'api, old but active today', project: API, source: 'claude-code', startedAt: '2026-11-10T09:00:00.000Z', lastActivityAt: '2026-11-25T11:00:00.000Z' });
  daemon.start({ preview: 'api web, yesterday', project: `${API}/web`, source: 'codex', startedAt: '2026-11-24T09:00:00.000Z', lastActivityAt: '2026-11-24T09:00:00.000Z' });
  daemon.start({ preview: 'other folder, newest', project: '/home/ann/src/apiary', source: 'codex', startedAt: '2026-11-25T10:00:00.000Z', lastActivityAt: '2026-11-25T10:30:00.000Z' });
  daemon.start({ preview: 'no folder', startedAt: '2026-11-25T09:00:00.000Z' });
  let roots = await tree.getChildren();
  assert.equal(tree.scope, 'workspace');
  assert.deepEqual(scopes, ['workspace']);
  assert.deepEqual(roots.map((n) => label(n, tree)), ['today 1', 'yesterday 1', 'all']);
  const [today] = sessionNodes(await tree.getChildren(roots[0]));
  const item = tree.getTreeItem(today);
  assert.equal(item.label, 'api, old but active today');
  assert.equal(item.description, '0 · 11:00 · claude-code', 'the workspace folder goes without saying');
  const [yesterday] = sessionNodes(await tree.getChildren(roots[1]));
  assert.equal(tree.getTreeItem(yesterday).description, '0 · yesterday · codex · web');
  assert.equal(tree.getTreeItem(roots[2]).command?.command, 'sessiond.showAllSessions');
  assert.ok(daemon.sent.some(([m, p]) => m === 'session/list' && p.project === API && p.orderBy === 'activity'));

  tree.setScope('all');
  roots = await tree.getChildren();
  assert.equal(tree.scope, 'all');
  assert.deepEqual(scopes, ['workspace', 'all']);
  assert.equal(memory.get('sessiond.scope'), 'all');
  assert.deepEqual(roots.map((n) => label(n, tree)), ['today 3', 'yesterday 1']);
  const all = sessionNodes(await tree.getChildren(roots[0]));
  assert.deepEqual(all.map((n) => n.session.preview), ['api, old but active today', 'other folder, newest', 'no folder']);
  assert.equal(tree.getTreeItem(all[1]).description, '0 · 10:30 · codex · apiary');

  // Remembered for the workspace: a new window opens on every folder's.
  const again = v3Tree([API], memory);
  await again.tree.getChildren();
  assert.equal(again.tree.scope, 'all');
});

test('version 3: a workspace with no session says so above the row for all folders; its trash holds only its own', async () => {
  const { tree } = v3Tree([API]);
  const elsewhere = daemon.start({ title: 'Elsewhere', project: '/srv/other' });
  await service.trash(elsewhere);
  daemon.start({ title: 'Also elsewhere', project: '/srv/other' });
  let roots = await tree.getChildren();
  assert.deepEqual(roots.map((n) => label(n, tree)), ['none', 'all']);
  assert.match(String(tree.getTreeItem(roots[0]).label), /No sessions in this workspace yet/);
  const mine = daemon.start({ title: 'Mine', project: API });
  await service.trash(mine);
  roots = await tree.getChildren();
  assert.deepEqual(roots.map((n) => label(n, tree)), ['none', 'trash', 'all']);
  assert.deepEqual(sessionNodes(await tree.getChildren(roots[1])).map((n) => n.session.title), ['Mine']);
});

test('version 3: several workspace folders are listed together, by last activity, once each', async () => {
  const { tree } = v3Tree([API, '/home/ann/src/web', `${API}/sub`]);
  daemon.start({ title: 'web', project: '/home/ann/src/web', lastActivityAt: '2026-11-25T10:00:00.000Z' });
  daemon.start({ title: 'api sub', project: `${API}/sub`, lastActivityAt: '2026-11-25T11:00:00.000Z' });
  daemon.start({ title: 'api', project: API, lastActivityAt: '2026-11-25T09:00:00.000Z' });
  const [today] = await tree.getChildren();
  assert.deepEqual(sessionNodes(await tree.getChildren(today)).map((n) => n.session.title), ['api sub', 'web', 'api']);
});

test('no folder open, or a daemon before version 3: every session, no toggle', async () => {
  const { tree } = v3Tree([]);
  daemon.start({ title: 'x', project: API });
  assert.deepEqual((await tree.getChildren()).map((n) => label(n, tree)), ['today 1']);
  assert.equal(tree.scope, 'fixed');
  serve(new FakeDaemon(2));
  const old = new SessionsTree(service, () => new Date('2026-11-25T12:00:00.000Z'), () => [API]);
  daemon.start({ title: 'y' });
  assert.deepEqual((await old.getChildren()).map((n) => n.type), ['group']);
  assert.equal(old.scope, 'fixed');
  assert.ok(!daemon.sent.some(([, p]) => 'project' in p || 'orderBy' in p), 'no version-3 param to a version-2 daemon');
});

test('rows of sessions whose program reopens them offer Resume (not in the trash)', async () => {
  const hints: ResumeHints = { resumable: (s) => (s.source === 'claude-code' ? true : s.source === 'aider' ? false : undefined) };
  const { tree } = v3Tree([], new Map(), hints);
  daemon.start({ title: 'c', source: 'claude-code', endedAt: '2026-11-25T01:00:00.000Z' });
  daemon.start({ title: 'a', source: 'aider', endedAt: '2026-11-25T01:00:00.000Z' });
  daemon.start({ title: 'v', source: 'vscode' });
  const [today] = await tree.getChildren();
  const rows = sessionNodes(await tree.getChildren(today)).map((n) => [n.session.title, tree.getTreeItem(n).contextValue]);
  assert.deepEqual(rows, [['v', 'session.live'], ['a', 'session.ended'], ['c', 'session.ended.resume']]);
});

test('a turn with a model or tokens from elsewhere re-reads the shown session (its header shows the sums)', async () => {
  serve(new FakeDaemon(3));
  await started();
  const s = daemon.start();
  await service.show(s);
  daemon.appendFromElsewhere(s.id, 'system', 'reply', { model: 'gpt-5', usage: { inputTokens: 5, outputTokens: 7 } });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(service.current?.models, ['gpt-5']);
  assert.equal(service.current?.usage?.outputTokens, 7);
  assert.ok(changes.some((c) => c.type === 'session' && c.session.models?.includes('gpt-5')));
});

test('find asks session/find and passes relaxed on; an empty query asks nothing', async () => {
  serve(new FakeDaemon(3));
  const a = daemon.start({ title: 'CI cache' });
  daemon.appendFromElsewhere(a.id, 'prompt', 'the build is slow');
  daemon.appendFromElsewhere(a.id, 'system', 'restore the cache keyed on the lockfile');
  const full = await service.find('cache lockfile', 10);
  assert.equal(full.relaxed, false);
  assert.deepEqual(full.results.map((r) => [r.session.id, r.hits.map((h) => h.seq)]), [[a.id, [2]]]);
  assert.equal((await service.find('cache nowhere', 10)).relaxed, true);
  const before = daemon.calls.length;
  assert.deepEqual(await service.find('  ', 10), { results: [], relaxed: false });
  assert.equal(daemon.calls.length, before);
});

test('version 3: an empty store shows the view\'s welcome, not an empty workspace', async () => {
  const { tree } = v3Tree([API]);
  assert.deepEqual(await tree.getChildren(), []);
  assert.equal(tree.scope, 'workspace', 'the toggle stays');
});
