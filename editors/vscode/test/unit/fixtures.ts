import type { Event, Session } from '../../src/daemon/protocol';

export function session(over: Partial<Session> = {}): Session {
  return {
    id: 7,
    ulid: '01JD5Z2Q8W6N3M4K5J6H7G8F9E',
    startedAt: '2026-11-25T04:26:05.123Z',
    endedAt: null,
    engineBaseUrl: null,
    cliVersion: 'sessiond-vscode 0.1.0',
    parentUlid: null,
    eventCount: 0,
    ...over,
  };
}

export function event(seq: number, kind: Event['kind'], text: string): Event {
  return { sessionId: 7, seq, kind, text, createdAt: `2026-11-25T04:26:${String(seq).padStart(2, '0')}.000Z` };
}
