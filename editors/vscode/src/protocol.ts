// The sessiond wire contract, typed for the client.
//
// This file mirrors protocol.md (../../protocol.md, the daemon's description of
// contract version 1): one RequestType per method of its method table, the
// objects it returns and its error codes. Change the two together.
import { RequestType, RequestType0 } from 'vscode-languageserver-protocol';

export const PROTOCOL_VERSION = 1;

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
}

export interface Event {
  sessionId: number;
  seq: number;
  kind: EventKind;
  text: string;
  createdAt: Timestamp;
}

export interface StartParams {
  cliVersion: string;
  ulid?: string;
  engineBaseUrl?: string;
  parentUlid?: string;
}
export interface SessionIdParams {
  sessionId: number;
}
export interface AppendParams {
  sessionId: number;
  kind: EventKind;
  text: string;
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
/** Newest `startedAt` first, ties by id descending. */
export const SessionList = new RequestType<{ limit: number }, { sessions: Session[] }, void>('session/list');
export const SessionGet = new RequestType<{ ulid: string }, Session | null, void>('session/get');
export const SessionCount = new RequestType<SessionIdParams, { count: number }, void>('session/count');
/** Sent without params, which the contract allows for all-optional params. */
export const SessionLast = new RequestType0<Session | null, void>('session/last');
export const MilestoneSet = new RequestType<{ key: string; value: string }, null, void>('milestone/set');
/** `value` is null when the key was never set. */
export const MilestoneGet = new RequestType<{ key: string }, { value: string | null }, void>('milestone/get');

/** What `initialize` returns in `capabilities.experimental.sessiond`. */
export interface SessiondCapabilities {
  protocolVersion: number;
  maxTextBytes: number;
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
} as const;
