// The window's view of the store: which session the history shows (and so
// where typed turns go), every change (this window's, and with a version-2
// daemon every other process's, through session/subscribe), announced once
// to the views. Views never talk to the wire about changes; they listen here.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageserver-protocol';
import type { Wire } from './daemon/client';
import { readSettings } from './settings';
import {
  ChatDelta,
  ChatSend,
  DidAppend,
  DidChange,
  DidStart,
  ErrorCodes,
  type Event,
  type EventKind,
  type Found,
  type Hit,
  type ListParams,
  type Session,
  type AppendResult,
  SessionAppend,
  type SessiondCapabilities,
  SessionDelete,
  SessionEnd,
  SessionEvents,
  SessionFind,
  SessionGet,
  SessionList,
  SessionRename,
  SessionRestore,
  SessionSearch,
  SessionStart,
  SessionSubscribe,
  type StartParams,
  speaksV3,
  supports,
} from './daemon/protocol';

/** The contract's largest `limit`. */
export const MAX_LIMIT = 10000;

export interface Appended {
  session: Session;
  seq: number;
  createdAt: string;
}

/**
 * What changed: everything may have (`all`), only which session is shown
 * (`shown`: the store did not change), one session's fields, or its events.
 */
export type Change = { type: 'all' } | { type: 'shown' } | { type: 'session'; session: Session } | { type: 'append'; event: Event };

/**
 * Whether a prompt typed now would get a reply: `yes` (the session, the
 * setting for a session this window starts, or the daemon names an engine),
 * `no` (none of them does: the turn is only recorded), `unknown` (a daemon
 * that does not say; the first chat/send tells), `nochat` (the daemon cannot
 * ask an engine at all).
 */
export type EngineState = 'yes' | 'no' | 'unknown' | 'nochat';

/** What session/find answered: sessions best first, and whether none held every word. */
export interface FindAnswer {
  results: Found[];
  relaxed: boolean;
}

/** Which sessions a list holds: those of these folders (and under them), or all. */
export interface ListScope {
  folders?: readonly string[];
  trash?: boolean;
}

/** The window's workspace folders on this machine's disk (absolute paths), first folder first. */
export function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

export interface Delta {
  sessionId: number;
  promptSeq: number;
  text: string;
}

export class SessionService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Change>();
  /** Fires after every change this window makes, after refresh(), and for each notification. */
  readonly onDidChange = this.changed.event;
  private readonly streamed = new vscode.EventEmitter<Delta>();
  /** The new text of a reply streaming in answer to this window's chat/send. */
  readonly onDidDelta = this.streamed.event;
  private shown: Session | undefined;
  /** A daemon that does not announce `engine` answered a chat/send "no engine is set". */
  private noDefaultEngine = false;
  private caps: SessiondCapabilities | undefined;
  private subscribed = false;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly wire: Wire,
    private readonly cliVersion: string,
    /** The folders sessions started here work in (the first is sent as `project`). */
    private readonly folders: () => string[] = workspaceFolderPaths,
  ) {
    this.disposables = [
      wire.onDidStart((caps) => void this.onStart(caps)),
      wire.onNotification(DidStart, (p) => this.changed.fire({ type: 'session', session: p.session })),
      wire.onNotification(DidChange, (p) => this.onSession(p.session)),
      wire.onNotification(DidAppend, (p) => this.onAppend(p.event)),
      wire.onNotification(ChatDelta, (p) => this.streamed.fire(p)),
    ];
  }

  /** The session the history view shows; typed turns go to it. */
  get current(): Session | undefined {
    return this.shown;
  }

  /** True once the daemon sends this window every change (no Refresh needed). */
  get live(): boolean {
    return this.subscribed;
  }

  /** What the daemon announced (version 1 when it is not running). */
  async capabilities(): Promise<SessiondCapabilities> {
    this.caps = (await this.wire.capabilities()) ?? this.caps;
    return this.caps ?? { protocolVersion: 1, maxTextBytes: 0 };
  }

  /**
   * Whether a prompt written to `session` (undefined: a new session) would get
   * a reply. An ended or trashed session's turns go to a new session, which
   * gets the engine of the setting.
   */
  engineState(session: Session | undefined): EngineState {
    const caps = this.caps;
    if (caps === undefined) return 'unknown';
    if (!supports(caps, ChatSend.method)) return 'nochat';
    const fresh = session === undefined || session.endedAt !== null || Boolean(session.deletedAt);
    const url = fresh ? readSettings().engineBaseUrl : (session.engineBaseUrl ?? '');
    if (url.trim() !== '') return 'yes';
    if (caps.engine !== undefined) return caps.engine ? 'yes' : 'no';
    return this.noDefaultEngine ? 'no' : 'unknown';
  }

  /** True when the running daemon serves `method` (see protocol.supports). */
  async has(method: string): Promise<boolean> {
    return supports(await this.capabilities(), method);
  }

  async show(session: Session | undefined): Promise<void> {
    this.shown = session === undefined ? undefined : ((await this.get(session.ulid)) ?? undefined);
    this.changed.fire({ type: 'shown' });
  }

  /** Re-reads the shown session (another client may have changed it) and tells the views. */
  async refresh(): Promise<void> {
    if (this.shown !== undefined) this.shown = (await this.get(this.shown.ulid).catch(() => this.shown)) ?? undefined;
    this.changed.fire({ type: 'all' });
  }

  get(ulid: string): Promise<Session | null> {
    return this.wire.request(SessionGet, { ulid });
  }

  /** Newest started first (every version). */
  async list(limit: number): Promise<Session[]> {
    return (await this.wire.request(SessionList, { limit: Math.min(limit, MAX_LIMIT) })).sessions;
  }

  /**
   * The most recently active sessions first (version 3; before, newest
   * started first), of `scope.folders` (and the folders under them) when
   * given and the daemon filters by project, else of every folder.
   * Several folders are asked one by one and merged.
   */
  async listRecent(limit: number, scope: ListScope = {}): Promise<Session[]> {
    const v3 = speaksV3(await this.capabilities());
    const base: ListParams = { limit: Math.min(limit, MAX_LIMIT), ...(scope.trash ? { deleted: true } : {}), ...(v3 ? { orderBy: 'activity' } : {}) };
    const folders = v3 ? (scope.folders ?? []) : [];
    if (folders.length === 0) return (await this.wire.request(SessionList, base)).sessions;
    const lists = await Promise.all(folders.map(async (project) => (await this.wire.request(SessionList, { ...base, project })).sessions));
    if (lists.length === 1) return lists[0];
    const byUlid = new Map<string, Session>();
    for (const s of lists.flat()) byUlid.set(s.ulid, s);
    const key = (s: Session) => (scope.trash ? (s.deletedAt ?? '') : (s.lastActivityAt ?? s.startedAt));
    return [...byUlid.values()].sort((a, b) => key(b).localeCompare(key(a)) || b.id - a.id).slice(0, base.limit);
  }

  /** Whether the daemon lists sessions by folder (version 3). */
  async filtersByProject(): Promise<boolean> {
    return speaksV3(await this.capabilities());
  }

  /** The trash, most recently deleted first (version 2), of `folders` when given (version 3). */
  async listTrash(limit: number, folders?: readonly string[]): Promise<Session[]> {
    return this.listRecent(limit, { folders, trash: true });
  }

  async events(sessionId: number, limit: number, beforeSeq?: number): Promise<Event[]> {
    const params = { sessionId, limit: Math.min(limit, MAX_LIMIT), ...(beforeSeq === undefined ? {} : { beforeSeq }) };
    return (await this.wire.request(SessionEvents, params)).events;
  }

  /** Every event, oldest first, read page by page from the newest down. */
  async allEvents(sessionId: number): Promise<Event[]> {
    const pages: Event[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = await this.events(sessionId, MAX_LIMIT, before);
      pages.unshift(page);
      const first = page[0];
      if (page.length < MAX_LIMIT || first === undefined || first.seq <= 1) return pages.flat();
      before = first.seq;
    }
  }

  /** Starts a session (continuing `parent` when given) and shows it. */
  async start(parent?: Session): Promise<Session> {
    this.shown = await this.open(parent);
    this.changed.fire({ type: 'all' });
    return this.shown;
  }

  async end(session: Session): Promise<Session> {
    return this.updated(await this.wire.request(SessionEnd, { sessionId: session.id }));
  }

  /** Version 2: sets the title, or clears it with null. */
  async rename(session: Session, title: string | null): Promise<Session> {
    return this.updated(await this.wire.request(SessionRename, { sessionId: session.id, title }));
  }

  /** Version 2: moves a session to the trash (ending it if live); restore() undoes it. */
  async trash(session: Session): Promise<Session> {
    return this.updated(await this.wire.request(SessionDelete, { sessionId: session.id }));
  }

  async restore(session: Session): Promise<Session> {
    return this.updated(await this.wire.request(SessionRestore, { sessionId: session.id }));
  }

  /** Version 2: hits, best first; an empty query finds nothing rather than failing. */
  async search(query: string, limit: number): Promise<Hit[]> {
    if (query.trim() === '') return [];
    return (await this.wire.request(SessionSearch, { query, limit: Math.min(limit, MAX_LIMIT) })).hits;
  }

  /**
   * Version 3: the sessions that answer `query` (every word somewhere in the
   * session), best first, each with its best turns; an empty query asks nothing.
   */
  async find(query: string, limit: number): Promise<FindAnswer> {
    if (query.trim() === '') return { results: [], relaxed: false };
    return this.wire.request(SessionFind, { query, limit: Math.max(1, Math.min(limit, 100)) });
  }

  /**
   * Records a turn in `to.at` (default: the shown session): a new session when
   * there is none (or it is in the trash), and a continuation when it has
   * ended (here or in another client). With `to.chat`, a prompt goes through
   * chat/send when the daemon offers it, so the reply streams (onDidDelta) and
   * is stored; without, it is only recorded (as other extensions' turns are).
   * No `to.at` moves the shown session along; a given one leaves it alone.
   */
  async append(kind: EventKind, text: string, to: { at?: Session; chat?: boolean; token?: vscode.CancellationToken } = {}): Promise<Appended> {
    const followShown = to.at === undefined;
    let target = to.at ?? this.shown ?? (await this.open());
    if (target.deletedAt) target = await this.open();
    else if (target.endedAt !== null) target = await this.open(target);
    const write = (t: Session) => (to.chat && kind === 'prompt' ? this.chat(t, text, to.token) : this.wire.request(SessionAppend, { sessionId: t.id, kind, text }));
    let result;
    try {
      result = await write(target);
    } catch (e) {
      if (!(e instanceof ResponseError && e.code === ErrorCodes.SessionEnded)) throw e;
      target = await this.open(target);
      result = await write(target);
    }
    const fresh = (await this.get(target.ulid)) ?? target;
    if (followShown || this.shown?.id === fresh.id) this.shown = fresh;
    this.changed.fire({ type: 'all' });
    return { session: fresh, ...result };
  }

  /** The engine setting changed: the views say again whether replies come. */
  resetEngines(): void {
    this.changed.fire({ type: 'shown' });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.streamed.dispose();
  }

  /**
   * A prompt through chat/send when an engine would answer it; else only
   * recorded, so that nothing but the turn is stored (chat/send with no engine
   * would store a warning too).
   */
  private async chat(target: Session, text: string, token?: vscode.CancellationToken): Promise<AppendResult> {
    await this.capabilities();
    const engine = this.engineState(target);
    if (engine === 'no' || engine === 'nochat') {
      return this.wire.request(SessionAppend, { sessionId: target.id, kind: 'prompt', text });
    }
    try {
      return (await this.wire.request(ChatSend, { sessionId: target.id, text }, token)).prompt;
    } catch (e) {
      // A daemon that does not announce `engine` tells it here, once: the prompt is
      // stored; from now on turns are only recorded, and the views say so (no message).
      if (!(engine === 'unknown' && e instanceof ResponseError && e.code === ErrorCodes.EngineError && /no engine/i.test(e.message))) throw e;
      this.noDefaultEngine = true;
      const recent = await this.events(target.id, 3);
      const prompt = [...recent].reverse().find((ev) => ev.kind === 'prompt' && ev.text === text);
      return { seq: prompt?.seq ?? target.eventCount + 1, createdAt: prompt?.createdAt ?? '' };
    }
  }

  private async open(parent?: Session): Promise<Session> {
    const params: StartParams = { cliVersion: this.cliVersion };
    const engine = readSettings().engineBaseUrl;
    if (engine) params.engineBaseUrl = engine;
    if (parent) params.parentUlid = parent.ulid;
    // Version 3: held in VS Code, in the window's (first) folder.
    if (speaksV3(await this.capabilities())) {
      params.source = 'vscode';
      const [project] = this.folders();
      if (project) params.project = project;
    }
    return this.wire.request(SessionStart, params);
  }

  private updated(session: Session): Session {
    if (this.shown?.id === session.id) this.shown = session;
    this.changed.fire({ type: 'all' });
    return session;
  }

  private async onStart(caps: SessiondCapabilities): Promise<void> {
    this.caps = caps;
    this.noDefaultEngine = false;
    this.subscribed = false;
    if (supports(caps, SessionSubscribe.method)) {
      try {
        await this.wire.request0(SessionSubscribe);
        this.subscribed = true;
      } catch {
        // A daemon that announces version 2 before it serves subscribe: Refresh still works.
      }
    }
    // A restarted daemon may serve another store: re-read what is shown.
    await this.refresh().catch(() => undefined);
  }

  private onSession(session: Session): void {
    if (this.shown?.id === session.id) this.shown = session;
    this.changed.fire({ type: 'session', session });
  }

  private onAppend(event: Event): void {
    const shown = this.shown;
    if (shown?.id === event.sessionId && shown.eventCount < event.seq) this.shown = { ...shown, eventCount: event.seq };
    this.changed.fire({ type: 'append', event });
    // A turn with a model or tokens changes the session's sums (its header shows them): re-read it.
    if (shown?.id === event.sessionId && (event.meta?.model !== undefined || event.meta?.usage !== undefined)) void this.reread(shown.ulid);
  }

  private async reread(ulid: string): Promise<void> {
    const fresh = await this.get(ulid).catch(() => undefined);
    if (fresh && this.shown?.ulid === ulid) this.onSession({ ...fresh, eventCount: Math.max(fresh.eventCount, this.shown.eventCount) });
  }
}
