// Pure text for the sessions tree: labels, descriptions and tooltips.
// No vscode import, so the unit tests run it in plain node.
import type { Event, Session } from './protocol';

const OPENING_WORDS = 6;
const OPENING_CHARS = 48;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-11-25 04:26` in local time; the raw string when it is not a date. */
export function formatStart(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `04:26:05` in local time, for events. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The first few words of a text on one line, with an ellipsis when cut. */
export function openingWords(text: string, words = OPENING_WORDS, chars = OPENING_CHARS): string {
  const all = text.trim().split(/\s+/).filter((w) => w.length > 0);
  let out = all.slice(0, words).join(' ');
  let cut = all.length > words;
  if (out.length > chars) {
    out = out.slice(0, chars - 1).trimEnd();
    cut = true;
  }
  return cut ? `${out}…` : out;
}

/** The text of the first `prompt` among events (oldest first), if any. */
export function firstPrompt(events: readonly Event[]): string | undefined {
  return events.find((e) => e.kind === 'prompt')?.text;
}

/** Tree label: start time, then the first prompt's opening words. */
export function sessionLabel(session: Session, prompt: string | undefined): string {
  const start = formatStart(session.startedAt);
  const words = prompt === undefined ? '' : openingWords(prompt);
  return words ? `${start} ${words}` : start;
}

function normalizeUrl(url: string | null | undefined): string {
  return (url ?? '').trim().replace(/\/+$/, '');
}

/** True when the session was recorded against another engine than the setting names. */
export function engineDiffers(session: Session, engineSetting: string): boolean {
  return normalizeUrl(session.engineBaseUrl) !== normalizeUrl(engineSetting);
}

export function shortUlid(ulid: string): string {
  return ulid.length > 10 ? `${ulid.slice(0, 10)}…` : ulid;
}

export function eventCountText(n: number): string {
  return n === 1 ? '1 event' : `${n} events`;
}

/** Tree description: `3 events · live`, plus markers for another engine and a parent. */
export function sessionDescription(session: Session, engineSetting: string): string {
  const parts = [eventCountText(session.eventCount), session.endedAt === null ? 'live' : 'ended'];
  if (engineDiffers(session, engineSetting)) parts.push('⚠ other engine');
  if (session.parentUlid !== null) parts.push(`↳ from ${shortUlid(session.parentUlid)}`);
  return parts.join(' · ');
}

/** Tree tooltip: every field a person may want, one per line. */
export function sessionTooltip(session: Session, engineSetting: string): string {
  const lines = [
    `Session ${session.ulid}`,
    `Started ${session.startedAt}`,
    session.endedAt === null ? 'Live' : `Ended ${session.endedAt}`,
    eventCountText(session.eventCount),
    `Client ${session.cliVersion}`,
    `Engine ${session.engineBaseUrl ?? '(none)'}`,
  ];
  if (engineDiffers(session, engineSetting)) {
    lines.push(`⚠ The engine setting is ${normalizeUrl(engineSetting) || '(empty)'}`);
  }
  if (session.parentUlid !== null) lines.push(`Continues ${session.parentUlid}`);
  return lines.join('\n');
}

const KIND_TITLES: Record<Event['kind'], string> = {
  prompt: 'You',
  system: 'Reply',
  command: 'Command',
  warn: 'Warning',
  alert: 'Alert',
  mode_change: 'Mode change',
};

export function kindTitle(kind: Event['kind']): string {
  return KIND_TITLES[kind] ?? kind;
}
