// SessionService and SessionsTree against an in-memory fake of the daemon
// (the `vscode` module is a stub here: see vscodeStub.ts).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import type { DaemonClient } from '../../src/client';
import { ErrorCodes, type Event, type Session } from '../../src/protocol';
import { SessionService } from '../../src/sessions';
import { type Node, PAGE_SIZE, SessionsTree } from '../../src/sessionsTree';
import { settings } from './vscodeStub';

type Params = Record<string, unknown>;

/** Just enough of the contract, kept in memory. */
class FakeDaemon {
  sessions: Session[] = [];
  events: Event[] = [];
  calls: string[] = [];

  request(type: { method: string }, params: Params = {}): Promise<unknown> {
    this.calls.push(type.method);
    try {
      return Promise.resolve(this.answer(type.method, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  request0(type: { method: string }): Promise<unknown> {
    return this.request(type);
  }

  start(over: Partial<Session> = {}): Session {
    const id = this.sessions.length + 1;
    const s: Session = {
      id,
      ulid: `U${id}`,
      startedAt: new Date(Date.UTC(2026, 10, 25, 0, id)).toISOString(),
      endedAt: null,
      engineBaseUrl: null,
      cliVersion: 'fake',
      parentUlid: null,
      eventCount: 0,
      ...over,
    };
    this.sessions.push(s);
    return { ...s };
  }

  private byId(id: unknown): Session {
    const s = this.sessions.find((x) => x.id === id);
    if (!s) throw new ResponseError(ErrorCodes.SessionNotFound, `no session ${String(id)}`);
    return s;
  }

  private answer(method: string, p: Params): unknown {
    switch (method) {
      case 'session/start':
        return this.start({
          cliVersion: p.cliVersion as string,
          engineBaseUrl: (p.engineBaseUrl as string) ?? null,
          parentUlid: (p.parentUlid as string) ?? null,
        });
      case 'session/end': {
        const s = this.byId(p.sessionId);
        s.endedAt ??= '2026-11-25T01:00:00.000Z';
        return { ...s };
      }
      case 'session/append': {
        const s = this.byId(p.sessionId);
        if (s.endedAt) throw new ResponseError(ErrorCodes.SessionEnded, 'ended');
        s.eventCount += 1;
        const e = { sessionId: s.id, seq: s.eventCount, kind: p.kind, text: p.text, createdAt: s.startedAt } as Event;
        this.events.push(e);
        return { seq: e.seq, createdAt: e.createdAt };
      }
      case 'session/events': {
        const all = this.events.filter((e) => e.sessionId === p.sessionId && (!p.beforeSeq || e.seq < (p.beforeSeq as number)));
        return { events: all.slice(Math.max(0, all.length - (p.limit as number))) };
      }
      case 'session/list':
        return { sessions: [...this.sessions].reverse().slice(0, p.limit as number).map((s) => ({ ...s })) };
      case 'session/get': {
        const s = this.sessions.find((x) => x.ulid === p.ulid);
        return s ? { ...s } : null;
      }
      default:
        throw new ResponseError(ErrorCodes.MethodNotFound, method);
    }
  }
}

let daemon: FakeDaemon;
let service: SessionService;
let changes: number;

beforeEach(() => {
  daemon = new FakeDaemon();
  service = new SessionService(daemon as unknown as DaemonClient, 'sessiond-vscode 9.9.9');
  changes = 0;
  service.onDidChange(() => (changes += 1));
  settings.engineBaseUrl = '';
});

test('typing with no session shown starts one, with our client version and engine', async () => {
  settings.engineBaseUrl = 'http://engine';
  const r = await service.append('prompt', 'hello');
  assert.equal(r.seq, 1);
  assert.equal(r.session.cliVersion, 'sessiond-vscode 9.9.9');
  assert.equal(r.session.engineBaseUrl, 'http://engine');
  assert.equal(service.current?.eventCount, 1);
  assert.ok(changes >= 1);
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

test('end and start announce the change', async () => {
  const s = await service.start();
  const before = changes;
  const ended = await service.end(s);
  assert.ok(ended.endedAt);
  assert.equal(service.current?.endedAt, ended.endedAt);
  assert.ok(changes > before);
});

test('allEvents pages down to the first event', async () => {
  const s = daemon.start();
  for (let i = 0; i < 5; i++) await daemon.request({ method: 'session/append' }, { sessionId: s.id, kind: 'prompt', text: `t${i}` });
  assert.deepEqual((await service.allEvents(s.id)).map((e) => e.seq), [1, 2, 3, 4, 5]);
});

test('the tree lists a page, newest first, then loads more on demand', async () => {
  for (let i = 0; i < PAGE_SIZE + 3; i++) daemon.start();
  await daemon.request({ method: 'session/append' }, { sessionId: PAGE_SIZE + 3, kind: 'prompt', text: 'the newest one speaks' });
  const tree = new SessionsTree(service);
  let nodes = await tree.getChildren();
  assert.equal(nodes.length, PAGE_SIZE + 1);
  assert.equal(nodes.at(-1)?.type, 'more');
  const first = nodes[0] as Extract<Node, { type: 'session' }>;
  assert.equal(first.session.id, PAGE_SIZE + 3);
  assert.match(first.label, /the newest one speaks$/);
  assert.equal(tree.getTreeItem(first).description, '1 event · live');
  tree.loadMore();
  nodes = await tree.getChildren();
  assert.equal(nodes.length, PAGE_SIZE + 3);
  assert.ok(nodes.every((n) => n.type === 'session'));
});
