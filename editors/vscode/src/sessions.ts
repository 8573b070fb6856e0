// The window's view of the store: which session the history shows (and so
// where typed turns go), and every change this window makes, announced once.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageserver-protocol';
import type { DaemonClient } from './client';
import { readSettings } from './config';
import {
  ErrorCodes,
  type Event,
  type EventKind,
  type Session,
  SessionAppend,
  SessionEnd,
  SessionEvents,
  SessionGet,
  SessionList,
  SessionStart,
  type StartParams,
} from './protocol';

/** The contract's largest `limit`. */
export const MAX_LIMIT = 10000;

export interface Appended {
  session: Session;
  seq: number;
  createdAt: string;
}

export class SessionService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after every change this window makes, and after refresh(). */
  readonly onDidChange = this.changed.event;
  private shown: Session | undefined;

  constructor(
    private readonly client: DaemonClient,
    private readonly cliVersion: string,
  ) {}

  /** The session the history view shows; typed turns go to it. */
  get current(): Session | undefined {
    return this.shown;
  }

  async show(session: Session | undefined): Promise<void> {
    this.shown = session === undefined ? undefined : ((await this.get(session.ulid)) ?? undefined);
    this.changed.fire();
  }

  /** Re-reads the shown session (another client may have changed it) and tells the views. */
  async refresh(): Promise<void> {
    if (this.shown !== undefined) this.shown = (await this.get(this.shown.ulid).catch(() => this.shown)) ?? undefined;
    this.changed.fire();
  }

  get(ulid: string): Promise<Session | null> {
    return this.client.request(SessionGet, { ulid });
  }

  async list(limit: number): Promise<Session[]> {
    return (await this.client.request(SessionList, { limit: Math.min(limit, MAX_LIMIT) })).sessions;
  }

  async events(sessionId: number, limit: number, beforeSeq?: number): Promise<Event[]> {
    const params = { sessionId, limit: Math.min(limit, MAX_LIMIT), ...(beforeSeq === undefined ? {} : { beforeSeq }) };
    return (await this.client.request(SessionEvents, params)).events;
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
    const params: StartParams = { cliVersion: this.cliVersion };
    const engine = readSettings().engineBaseUrl;
    if (engine) params.engineBaseUrl = engine;
    if (parent) params.parentUlid = parent.ulid;
    this.shown = await this.client.request(SessionStart, params);
    this.changed.fire();
    return this.shown;
  }

  async end(session: Session): Promise<Session> {
    const ended = await this.client.request(SessionEnd, { sessionId: session.id });
    if (this.shown?.id === ended.id) this.shown = ended;
    this.changed.fire();
    return ended;
  }

  /**
   * Records a turn in the current session: a new one when none is shown, and
   * a continuation when the shown one has ended (here or in another client).
   */
  async append(kind: EventKind, text: string): Promise<Appended> {
    let target = this.shown ?? (await this.start());
    if (target.endedAt !== null) target = await this.start(target);
    let result;
    try {
      result = await this.client.request(SessionAppend, { sessionId: target.id, kind, text });
    } catch (e) {
      if (!(e instanceof ResponseError && e.code === ErrorCodes.SessionEnded)) throw e;
      target = await this.start(target);
      result = await this.client.request(SessionAppend, { sessionId: target.id, kind, text });
    }
    this.shown = (await this.get(target.ulid)) ?? target;
    this.changed.fire();
    return { session: this.shown, ...result };
  }

  dispose(): void {
    this.changed.dispose();
  }
}
