// The sessiond wire contract, typed for the client.
//
// This file mirrors protocol.md (../../protocol.md, the daemon's description of
// the contract): one RequestType per method of its method table, one
// NotificationType per notification, the objects and the error codes. Change
// the two together. Versions 2 and 3 only add: a server says which it speaks
// in `capabilities.experimental.sessiond.protocolVersion`, and a client uses a
// method (or a param) of a version only when the server announces it (see
// `supports`).
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

/** The newest protocol version this client speaks. */
export const PROTOCOL_VERSION = 3;

export const EVENT_KINDS = ['prompt', 'system', 'command', 'warn', 'alert', 'mode_change'] as const;
/** `prompt` is a person's turn, `system` the reply or output. */
export type EventKind = (typeof EVENT_KINDS)[number];

export function isEventKind(value: unknown): value is EventKind {
  return typeof value === 'string' && (EVENT_KINDS as readonly string[]).includes(value);
}

/** Timestamps are RFC 3339 UTC with milliseconds, e.g. 2026-11-25T04:26:05.123Z. */
export type Timestamp = string;

export interface Session {
  id: number;
  ulid: string;
  startedAt: Timestamp;
  endedAt: Timestamp | null;
  engineBaseUrl: string | null;
  cliVersion: string;
  parentUlid: string | null;
  eventCount: number;
  /** Version 2: set by session/rename; absent from a version-1 server. */
  title?: string | null;
  /** Version 2: the opening of the first prompt (≤ 120 characters, whitespace folded). */
  preview?: string | null;
  /** Version 2: when it was moved to the trash. */
  deletedAt?: Timestamp | null;
  /** Version 3: the program it was held in (`claude-code`, `vscode`, …); null when not given. */
  source?: string | null;
  /** Version 3: its own id in that program (the one its resume command takes). */
  sourceId?: string | null;
  /** Version 3: the folder it worked in, an absolute path as the source recorded it. */
  project?: string | null;
  /** Version 3: the git branch, when the source records one. */
  branch?: string | null;
  /** Version 3: its newest event's `createdAt`, else `startedAt`. */
  lastActivityAt?: Timestamp;
  /** Version 3: the sums of its events' `meta.usage`; null when no event has usage. */
  usage?: Usage | null;
  /** Version 3: the models its events name, the most used first. */
  models?: string[];
}

/** Version 3: token counts (`inputTokens` only those read from no cache). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Version 3: what a turn carries beside its text (every key optional). */
export interface EventMeta {
  /** The model that wrote a reply. */
  model?: string;
  usage?: { inputTokens?: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number };
  /** The tool a `command` event called or answered. */
  tool?: string;
  isError?: boolean;
}

export interface Event {
  sessionId: number;
  seq: number;
  kind: EventKind;
  text: string;
  createdAt: Timestamp;
  /** Version 3; absent or null from older servers. */
  meta?: EventMeta | null;
}

export interface StartParams {
  cliVersion: string;
  ulid?: string;
  engineBaseUrl?: string;
  parentUlid?: string;
  /** Version 3: the program (`vscode`), its id for the session, the folder (absolute), the git branch. */
  source?: string;
  sourceId?: string;
  project?: string;
  branch?: string;
}
export interface SessionIdParams {
  sessionId: number;
}
export interface AppendParams {
  sessionId: number;
  kind: EventKind;
  text: string;
  /** Version 3. */
  meta?: EventMeta;
}
export interface AppendResult {
  seq: number;
  createdAt: Timestamp;
}
export interface EventsParams {
  sessionId: number;
  /** 0..10000 */
  limit: number;
  beforeSeq?: number;
}

export const SessionStart = new RequestType<StartParams, Session, void>('session/start');
/** Idempotent: ending an ended session returns it unchanged. */
export const SessionEnd = new RequestType<SessionIdParams, Session, void>('session/end');
export const SessionAppend = new RequestType<AppendParams, AppendResult, void>('session/append');
/** The newest `limit` events (below `beforeSeq`), oldest first. */
export const SessionEvents = new RequestType<EventsParams, { events: Event[] }, void>('session/events');
export interface ListParams {
  limit: number;
  /** Version 2: the trash instead. */
  deleted?: boolean;
  /** Version 3: only sessions of this folder and every folder under it (an absolute path). */
  project?: string;
  /** Version 3: only sessions of this source. */
  source?: string;
  /** Version 3: `started` (the default) or `activity`: newest `lastActivityAt` first. */
  orderBy?: 'started' | 'activity';
}
/** Newest `startedAt` first, ties by id descending; `deleted: true` (version 2) lists the trash. */
export const SessionList = new RequestType<ListParams, { sessions: Session[] }, void>('session/list');
export const SessionGet = new RequestType<{ ulid: string }, Session | null, void>('session/get');
export const SessionCount = new RequestType<SessionIdParams, { count: number }, void>('session/count');
/** Sent without params, which the contract allows for all-optional params. */
export const SessionLast = new RequestType0<Session | null, void>('session/last');
export const MilestoneSet = new RequestType<{ key: string; value: string }, null, void>('milestone/set');
/** `value` is null when the key was never set. */
export const MilestoneGet = new RequestType<{ key: string }, { value: string | null }, void>('milestone/get');


// Version 2.

export interface SearchParams {
  /** The query language: words (AND), "a phrase", word*, -word, a OR b. 1 to 1000 characters. */
  query: string;
  limit: number;
  sessionId?: number;
  kinds?: EventKind[];
  since?: Timestamp;
  until?: Timestamp;
  /** Version 3: only events of sessions of this folder (and under it), of this source. */
  project?: string;
  source?: string;
}
/** One matching event: `highlights` are [start, end) offsets into `snippet`, in code points. */
export interface Hit {
  session: Session;
  seq: number;
  kind: EventKind;
  createdAt: Timestamp;
  snippet: string;
  highlights: [number, number][];
}
/** Best match first, ties newest first; the trash is never searched. */
export const SessionSearch = new RequestType<SearchParams, { hits: Hit[] }, void>('session/search');
/** `title` 1 to 256 characters, or null to clear it. */
export const SessionRename = new RequestType<{ sessionId: number; title: string | null }, Session, void>('session/rename');
/** Moves the session to the trash (ending it if live). */
export const SessionDelete = new RequestType<SessionIdParams, Session, void>('session/delete');
export const SessionRestore = new RequestType<SessionIdParams, Session, void>('session/restore');
/** From now on the server sends this client the session/did* notifications. */
export const SessionSubscribe = new RequestType0<null, void>('session/subscribe');
export const SessionUnsubscribe = new RequestType0<null, void>('session/unsubscribe');
export interface ChatSendParams {
  sessionId: number;
  text: string;
  model?: string;
}
export interface ChatSendResult {
  prompt: AppendResult;
  reply: AppendResult;
}
/** Appends `text` as a prompt, streams the engine's reply (chat/delta), stores it as `system`. */
export const ChatSend = new RequestType<ChatSendParams, ChatSendResult, void>('chat/send');

export const DidStart = new NotificationType<{ session: Session }>('session/didStart');
/** Exactly once per event, in `seq` order within a session. */
export const DidAppend = new NotificationType<{ event: Event }>('session/didAppend');
/** A session was ended, renamed, deleted or restored. */
export const DidChange = new NotificationType<{ session: Session }>('session/didChange');
/** The new part of a streaming reply to this client's chat/send. */
export const ChatDelta = new NotificationType<{ sessionId: number; promptSeq: number; text: string }>('chat/delta');


// Version 3.

export interface FindParams {
  /** The query language of session/search, 1 to 1000 characters. */
  query: string;
  /** 1 to 100 (default 20). */
  limit?: number;
  project?: string;
  source?: string;
  since?: Timestamp;
  until?: Timestamp;
}
/** A session that answers the question: `hits` are up to 3 of its turns that match best. */
export interface Found {
  session: Session;
  /** Larger is better. */
  score: number;
  hits: Hit[];
}
/** At most this many `hits` in a Found (the contract's "up to 3"). */
export const FOUND_HITS = 3;
/**
 * Sessions that hold every word (not necessarily in one turn), best first;
 * `relaxed`: none did, these hold the most of them.
 */
export const SessionFind = new RequestType<FindParams, { results: Found[]; relaxed: boolean }, void>('session/find');
export interface UsageRow {
  key: string | null;
  sessions: number;
  prompts: number;
  replies: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}
export const StatsUsage = new RequestType<
  { groupBy: 'day' | 'model' | 'project' | 'source'; since?: Timestamp; until?: Timestamp; project?: string; source?: string },
  { rows: UsageRow[] },
  void
>('stats/usage');

/** What `initialize` returns in `capabilities.experimental.sessiond`. */
export interface SessiondCapabilities {
  protocolVersion: number;
  maxTextBytes: number;
  /** Version 2: the server implements chat/send. */
  chat?: boolean;
  /**
   * Whether the server has an engine of its own (`--engine-base-url`, its
   * environment) for sessions that name none; undefined when it does not say.
   */
  engine?: boolean;
}

/** The methods a server of each version serves beyond version 1's. */
const SINCE_VERSION_2 = new Set<string>([
  SessionSearch.method,
  SessionRename.method,
  SessionDelete.method,
  SessionRestore.method,
  SessionSubscribe.method,
  SessionUnsubscribe.method,
]);

const SINCE_VERSION_3 = new Set<string>([SessionFind.method, StatsUsage.method]);

/** True when a server announcing `caps` serves `method`. */
export function supports(caps: SessiondCapabilities | undefined, method: string): boolean {
  const version = caps?.protocolVersion ?? 1;
  if (method === ChatSend.method) return version >= 2 && caps?.chat === true;
  if (SINCE_VERSION_3.has(method)) return version >= 3;
  return !SINCE_VERSION_2.has(method) || version >= 2;
}

/** True when a server announcing `caps` takes version 3's params (source, project, orderBy, meta). */
export function speaksV3(caps: SessiondCapabilities | undefined): boolean {
  return (caps?.protocolVersion ?? 1) >= 3;
}

export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerNotInitialized: -32002,
  SessionNotFound: 1001,
  SessionExists: 1002,
  SessionEnded: 1003,
  PayloadTooLarge: 1004,
  StorageError: 1005,
  EngineError: 1006,
} as const;
