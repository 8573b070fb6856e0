// An in-memory fake of the daemon, speaking the contract (version 2 unless
// told otherwise) to SessionService through the same Wire interface as the
// real client, notifications included. Version 3's fields and filters as
// protocol.md describes them; its session/find holds a session when every
// word of the query is in it (title or turns), else the closest (relaxed).
import { ResponseError } from 'vscode-languageserver-protocol';
import type { Wire } from '../../src/daemon/client';
import { ErrorCodes, type Event, type EventMeta, type Found, type Hit, type Session, type SessiondCapabilities } from '../../src/daemon/protocol';
import { EventEmitter } from './vscodeStub';

type Params = Record<string, unknown>;

export class FakeDaemon implements Wire {
  static made = 0;
  sessions: Session[] = [];
  events: Event[] = [];
  calls: string[] = [];
  /** Every request's params, in order, as [method, params]. */
  sent: [string, Params][] = [];
  subscribed = false;
  caps: SessiondCapabilities;
  /** Answers chat/send with this reply, streamed in these pieces. */
  reply: string[] = ['It is ', '4.'];
  /** chat/send fails with EngineError and this message (after storing the prompt), as with no engine set. */
  engineError: string | undefined;
  private readonly handlers = new Map<string, ((p: unknown) => void)[]>();
  private readonly started = new EventEmitter<SessiondCapabilities>();
  readonly onDidStart = this.started.event;

  /** `engine`: what the daemon says of an engine of its own (undefined: it does not say, as before version 3). */
  constructor(version = 2, chat = false, engine?: boolean) {
    this.caps = { protocolVersion: version, maxTextBytes: 1000, chat, ...(engine === undefined ? {} : { engine }) };
  }

  request(type: { method: string }, params: object = {}): Promise<never> {
    this.calls.push(type.method);
    this.sent.push([type.method, { ...(params as Params) }]);
    try {
      return Promise.resolve(this.answer(type.method, params as Params) as never);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  request0(type: { method: string }): Promise<never> {
    return this.request(type);
  }

  capabilities(): Promise<SessiondCapabilities> {
    return Promise.resolve(this.caps);
  }

  onNotification<P>(type: { method: string }, handler: (p: P) => void) {
    const list = this.handlers.get(type.method) ?? [];
    list.push(handler as (p: unknown) => void);
    this.handlers.set(type.method, list);
    return { dispose: () => this.handlers.set(type.method, (this.handlers.get(type.method) ?? []).filter((h) => h !== handler)) };
  }

  /** As the client does after each (re)start. */
  announce(): void {
    this.started.fire(this.caps);
  }

  notify(method: string, params: unknown): void {
    if (method === 'chat/delta' || this.subscribed) for (const h of this.handlers.get(method) ?? []) h(params);
  }

  start(over: Partial<Session> = {}): Session {
    const id = this.sessions.length + 1;
    const v2 = this.caps.protocolVersion >= 2 ? { title: null, preview: null, deletedAt: null } : {};
    const startedAt = over.startedAt ?? new Date(Date.UTC(2026, 10, 25, 0, id)).toISOString();
    const v3 =
      this.caps.protocolVersion >= 3
        ? { source: null, sourceId: null, project: null, branch: null, lastActivityAt: startedAt, usage: null, models: [] as string[] }
        : {};
    const s: Session = {
      id,
      // Unique across fakes, as real ULIDs are (caches key on them).
      ulid: `U${FakeDaemon.made++}-${id}`,
      startedAt,
      endedAt: null,
      engineBaseUrl: null,
      cliVersion: 'fake',
      parentUlid: null,
      eventCount: 0,
      ...v2,
      ...v3,
      ...over,
    };
    this.sessions.push(s);
    this.notify('session/didStart', { session: { ...s } });
    return { ...s };
  }

  /** An append as another process would make it: stored, then announced to subscribers. */
  appendFromElsewhere(sessionId: number, kind: Event['kind'], text: string, meta?: EventMeta): Event {
    return this.append({ sessionId, kind, text, ...(meta ? { meta } : {}) });
  }

  private byId(id: unknown): Session {
    const s = this.sessions.find((x) => x.id === id);
    if (!s) throw new ResponseError(ErrorCodes.SessionNotFound, `no session ${String(id)}`);
    return s;
  }

  private changed(s: Session): Session {
    this.notify('session/didChange', { session: { ...s } });
    return { ...s };
  }

  private append(p: Params): Event {
    const s = this.byId(p.sessionId);
    if (s.endedAt) throw new ResponseError(ErrorCodes.SessionEnded, 'ended');
    if (p.meta !== undefined && this.caps.protocolVersion < 3) throw new ResponseError(ErrorCodes.InvalidParams, 'unknown field meta');
    s.eventCount += 1;
    const meta = (p.meta as EventMeta | undefined) ?? null;
    const e = { sessionId: s.id, seq: s.eventCount, kind: p.kind, text: p.text, createdAt: s.lastActivityAt ?? s.startedAt, ...(this.caps.protocolVersion >= 3 ? { meta } : {}) } as Event;
    if (e.kind === 'prompt' && s.preview === null) s.preview = e.text.slice(0, 120);
    if (meta?.model && !s.models?.includes(meta.model)) s.models = [...(s.models ?? []), meta.model];
    if (meta?.usage) {
      const u = s.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
      s.usage = {
        inputTokens: u.inputTokens + (meta.usage.inputTokens ?? 0),
        outputTokens: u.outputTokens + (meta.usage.outputTokens ?? 0),
        cacheReadTokens: u.cacheReadTokens + (meta.usage.cacheReadTokens ?? 0),
        cacheWriteTokens: u.cacheWriteTokens + (meta.usage.cacheWriteTokens ?? 0),
      };
    }
    this.events.push(e);
    this.notify('session/didAppend', { event: { ...e } });
    return e;
  }

  private v2(method: string): void {
    if (this.caps.protocolVersion < 2) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method '${method}'`);
  }

  /** Version 3's params, refused by an older daemon as unknown fields. */
  private v3params(p: Params, ...names: string[]): void {
    const given = names.filter((n) => p[n] !== undefined);
    if (given.length > 0 && this.caps.protocolVersion < 3) throw new ResponseError(ErrorCodes.InvalidParams, `unknown field ${given[0]}`);
  }

  /** `project` as a filter: that folder and every folder under it. */
  private static under(project: string | null | undefined, folder: unknown): boolean {
    if (folder === undefined) return true;
    const f = String(folder).replace(/\/+$/, '');
    return typeof project === 'string' && (project === f || project.startsWith(`${f}/`));
  }

  private find(p: Params): { results: Found[]; relaxed: boolean } {
    const words = String(p.query).toLowerCase().split(/\s+/).filter((w) => w !== '');
    const scored = this.sessions
      .filter((s) => !s.deletedAt && FakeDaemon.under(s.project, p.project))
      .map((s) => {
        const turns = this.events.filter((e) => e.sessionId === s.id);
        const text = [s.title ?? '', ...turns.map((e) => e.text)].join('\n').toLowerCase();
        const held = words.filter((w) => text.includes(w)).length;
        const hits: Hit[] = turns
          .filter((e) => words.some((w) => e.text.toLowerCase().includes(w)))
          .slice(0, 3)
          .map((e) => {
            const w = words.find((x) => e.text.toLowerCase().includes(x)) as string;
            const at = e.text.toLowerCase().indexOf(w);
            return { session: { ...s }, seq: e.seq, kind: e.kind, createdAt: e.createdAt, snippet: e.text, highlights: [[at, at + w.length]] };
          });
        return { session: { ...s }, score: held, hits };
      })
      .filter((f) => f.score > 0);
    const full = scored.filter((f) => f.score === words.length);
    const results = (full.length > 0 ? full : scored).sort((a, b) => b.score - a.score).slice(0, (p.limit as number) ?? 20);
    return { results, relaxed: full.length === 0 && results.length > 0 };
  }

  private answer(method: string, p: Params): unknown {
    switch (method) {
      case 'session/start':
        this.v3params(p, 'source', 'sourceId', 'project', 'branch');
        return this.start({
          cliVersion: p.cliVersion as string,
          engineBaseUrl: (p.engineBaseUrl as string) ?? null,
          parentUlid: (p.parentUlid as string) ?? null,
          ...(this.caps.protocolVersion >= 3
            ? { source: (p.source as string) ?? null, sourceId: (p.sourceId as string) ?? null, project: (p.project as string) ?? null, branch: (p.branch as string) ?? null }
            : {}),
        });
      case 'session/end': {
        const s = this.byId(p.sessionId);
        if (s.endedAt) return { ...s };
        s.endedAt = '2026-11-25T01:00:00.000Z';
        return this.changed(s);
      }
      case 'session/append': {
        const e = this.append(p);
        return { seq: e.seq, createdAt: e.createdAt };
      }
      case 'session/events': {
        const all = this.events.filter((e) => e.sessionId === p.sessionId && (!p.beforeSeq || e.seq < (p.beforeSeq as number)));
        return { events: all.slice(Math.max(0, all.length - (p.limit as number))) };
      }
      case 'session/list': {
        this.v3params(p, 'project', 'source', 'orderBy');
        const deleted = p.deleted === true;
        const shown = this.sessions.filter(
          (s) => Boolean(s.deletedAt) === deleted && FakeDaemon.under(s.project, p.project) && (p.source === undefined || s.source === p.source),
        );
        const newest = [...shown].reverse();
        const key = (s: Session) => (deleted ? (s.deletedAt ?? '') : p.orderBy === 'activity' ? (s.lastActivityAt ?? s.startedAt) : s.startedAt);
        newest.sort((a, b) => key(b).localeCompare(key(a)) || b.id - a.id);
        return { sessions: newest.slice(0, p.limit as number).map((s) => ({ ...s })) };
      }
      case 'session/find':
        if (this.caps.protocolVersion < 3) throw new ResponseError(ErrorCodes.MethodNotFound, method);
        return this.find(p);
      case 'session/get': {
        const s = this.sessions.find((x) => x.ulid === p.ulid);
        return s ? { ...s } : null;
      }
      case 'session/rename': {
        this.v2(method);
        const s = this.byId(p.sessionId);
        s.title = p.title as string | null;
        return this.changed(s);
      }
      case 'session/delete': {
        this.v2(method);
        const s = this.byId(p.sessionId);
        s.deletedAt = '2026-11-25T02:00:00.000Z';
        s.endedAt ??= s.deletedAt;
        return this.changed(s);
      }
      case 'session/restore': {
        this.v2(method);
        const s = this.byId(p.sessionId);
        s.deletedAt = null;
        return this.changed(s);
      }
      case 'session/search': {
        this.v2(method);
        const q = String(p.query).toLowerCase();
        if (q.trim() === '-') throw new ResponseError(ErrorCodes.InvalidParams, 'The query has no word to search for.');
        const hits: Hit[] = this.events
          .filter((e) => e.text.toLowerCase().includes(q) && !this.byId(e.sessionId).deletedAt)
          .map((e) => {
            const at = e.text.toLowerCase().indexOf(q);
            return { session: { ...this.byId(e.sessionId) }, seq: e.seq, kind: e.kind, createdAt: e.createdAt, snippet: e.text, highlights: [[at, at + q.length]] };
          });
        return { hits: hits.slice(0, p.limit as number) };
      }
      case 'session/subscribe':
        this.v2(method);
        this.subscribed = true;
        return null;
      case 'chat/send': {
        if (!this.caps.chat) throw new ResponseError(ErrorCodes.MethodNotFound, method);
        const prompt = this.append({ sessionId: p.sessionId, kind: 'prompt', text: p.text });
        const session = this.byId(p.sessionId);
        const noEngine = this.caps.engine === false && !session.engineBaseUrl;
        const error = noEngine ? 'no engine is set: start sessiond with --engine-base-url URL' : this.engineError;
        if (error) {
          // As the daemon does (chatting.py): the failure is stored as a warning turn too.
          this.append({ sessionId: p.sessionId, kind: 'warn', text: `no reply: ${error}` });
          throw new ResponseError(ErrorCodes.EngineError, error);
        }
        for (const text of this.reply) this.notify('chat/delta', { sessionId: prompt.sessionId, promptSeq: prompt.seq, text });
        const reply = this.append({ sessionId: p.sessionId, kind: 'system', text: this.reply.join('') });
        return { prompt: { seq: prompt.seq, createdAt: prompt.createdAt }, reply: { seq: reply.seq, createdAt: reply.createdAt } };
      }
      default:
        throw new ResponseError(ErrorCodes.MethodNotFound, method);
    }
  }
}
