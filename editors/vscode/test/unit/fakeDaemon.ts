// An in-memory fake of the daemon, speaking the contract (version 2 unless
// told otherwise) to SessionService through the same Wire interface as the
// real client, notifications included.
import { ResponseError } from 'vscode-languageserver-protocol';
import type { Wire } from '../../src/daemon/client';
import { ErrorCodes, type Event, type Hit, type Session, type SessiondCapabilities } from '../../src/daemon/protocol';
import { EventEmitter } from './vscodeStub';

type Params = Record<string, unknown>;

export class FakeDaemon implements Wire {
  static made = 0;
  sessions: Session[] = [];
  events: Event[] = [];
  calls: string[] = [];
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
    const s: Session = {
      id,
      // Unique across fakes, as real ULIDs are (caches key on them).
      ulid: `U${FakeDaemon.made++}-${id}`,
      startedAt: new Date(Date.UTC(2026, 10, 25, 0, id)).toISOString(),
      endedAt: null,
      engineBaseUrl: null,
      cliVersion: 'fake',
      parentUlid: null,
      eventCount: 0,
      ...v2,
      ...over,
    };
    this.sessions.push(s);
    this.notify('session/didStart', { session: { ...s } });
    return { ...s };
  }

  /** An append as another process would make it: stored, then announced to subscribers. */
  appendFromElsewhere(sessionId: number, kind: Event['kind'], text: string): Event {
    return this.append({ sessionId, kind, text });
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
    s.eventCount += 1;
    const e = { sessionId: s.id, seq: s.eventCount, kind: p.kind, text: p.text, createdAt: s.startedAt } as Event;
    if (e.kind === 'prompt' && s.preview === null) s.preview = e.text.slice(0, 120);
    this.events.push(e);
    this.notify('session/didAppend', { event: { ...e } });
    return e;
  }

  private v2(method: string): void {
    if (this.caps.protocolVersion < 2) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method '${method}'`);
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
        const deleted = p.deleted === true;
        const shown = this.sessions.filter((s) => Boolean(s.deletedAt) === deleted);
        return { sessions: [...shown].reverse().slice(0, p.limit as number).map((s) => ({ ...s })) };
      }
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
