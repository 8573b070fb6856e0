// Pure text for the sessions tree, the search picker and the history header:
// names, times, groups, descriptions and tooltips. No vscode import, so the
// unit tests run it in plain node.
import type { Event, Session, Usage } from '../daemon/protocol';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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

/** Local midnight of `d`'s day, as a day number that differences can be taken of. */
function dayNumber(d: Date): number {
  return Math.round(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 86_400_000);
}

export type DayGroup = 'today' | 'yesterday' | 'week' | 'older';
export const GROUP_TITLES: Record<DayGroup, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  week: 'Last 7 days',
  older: 'Older',
};

/** Which group a start time falls in, by local calendar day (future times count as today). */
export function dayGroup(iso: string, now: Date): DayGroup {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'older';
  const days = dayNumber(now) - dayNumber(d);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  return days < 7 ? 'week' : 'older';
}

/** `14:32` today, `yesterday`, `Mar 3` this year, `Mar 3, 2025` before. */
export function relativeTime(iso: string, now: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const group = dayGroup(iso, now);
  if (group === 'today') return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (group === 'yesterday') return 'yesterday';
  const day = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return d.getFullYear() === now.getFullYear() ? day : `${day}, ${d.getFullYear()}`;
}

/** Folds whitespace to single spaces and cuts at `chars` (on a word when one is near), with an ellipsis. */
export function cut(text: string, chars: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one.length <= chars) return one;
  const head = one.slice(0, chars - 1);
  const space = head.lastIndexOf(' ');
  return `${(space >= chars * 0.6 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** The text of the first `prompt` among events (oldest first), if any. */
export function firstPrompt(events: readonly Event[]): string | undefined {
  return events.find((e) => e.kind === 'prompt')?.text;
}

/**
 * What a session is called: its title, else its preview (version 2), else the
 * first prompt a version-1 client read itself, else "New session" or "Empty
 * session" for one that has no prompt yet.
 */
export function sessionName(session: Session, prompt?: string): string {
  const name = session.title?.trim() || session.preview?.trim() || prompt?.trim();
  if (name) return name.replace(/\s+/g, ' ');
  return session.endedAt === null ? 'New session' : 'Empty session';
}

/** Stored text on one line: control characters and runs of whitespace become one space. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** When the session was last active (version 3), else when it started. */
export function sessionTime(session: Session): string {
  return session.lastActivityAt || session.startedAt;
}

/** A folder without its trailing separators (`/a/b/` is `/a/b`; `/` stays). */
export function trimFolder(path: string): string {
  return path.length > 1 ? path.replace(/[\\/]+$/, '') || path.slice(0, 1) : path;
}

/** The last part of a folder's path: `api` for `/home/ann/src/api/`. */
export function folderName(path: string): string {
  const parts = trimFolder(path).split(/[\\/]/).filter((p) => p !== '');
  return parts.at(-1) ?? path;
}

/** `/home/ann/src/api` as `~/src/api` under `home`. */
export function homePath(path: string, home: string): string {
  const h = trimFolder(home);
  if (h.length > 1 && (path === h || path.startsWith(`${h}/`))) return `~${path.slice(h.length)}`;
  return path;
}

/**
 * The session's source and folder for a row: `claude-code · api`; the folder
 * is left out when it is one of `sameAs` (the workspace's own folders: every
 * row there has it).
 */
export function whereText(session: Session, sameAs: readonly string[] = []): string {
  const parts: string[] = [];
  const source = oneLine(session.source ?? '');
  if (source) parts.push(source);
  const project = session.project ? trimFolder(session.project) : '';
  if (project && !sameAs.some((f) => trimFolder(f) === project)) parts.push(oneLine(folderName(project)));
  return parts.join(' · ');
}

/** `950`, `12.3k`, `1.2M` tokens. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return String(Math.max(0, Math.round(n || 0)));
  for (const [unit, size] of [['k', 1e3], ['M', 1e6], ['G', 1e9]] as const) {
    const x = n / size;
    const shown = x < 10 ? Math.round(x * 10) / 10 : Math.round(x);
    if (shown < 1000 || unit === 'G') return `${shown}${unit}`;
  }
  return String(n);
}

/** `1.2k in · 3.4k out · 52k cache read · 8.1k cache write` (cache parts only when there are any). */
export function usageText(usage: Usage | null | undefined): string {
  if (!usage) return '';
  const parts = [`${formatTokens(usage.inputTokens)} in`, `${formatTokens(usage.outputTokens)} out`];
  if (usage.cacheReadTokens > 0) parts.push(`${formatTokens(usage.cacheReadTokens)} cache read`);
  if (usage.cacheWriteTokens > 0) parts.push(`${formatTokens(usage.cacheWriteTokens)} cache write`);
  return parts.join(' · ');
}

/** The exact counts, for a tooltip. */
export function usageDetail(usage: Usage | null | undefined): string {
  if (!usage) return '';
  const n = (x: number) => Math.max(0, x || 0).toLocaleString('en-US');
  return (
    `${n(usage.inputTokens)} input tokens (not from a cache), ${n(usage.outputTokens)} output tokens, ` +
    `${n(usage.cacheReadTokens)} read from a cache, ${n(usage.cacheWriteTokens)} written to a cache`
  );
}

/** The models a session's turns name, most used first, on one line. */
export function modelsText(session: Session): string {
  return (session.models ?? []).map(oneLine).filter((m) => m !== '').join(', ');
}

function normalizeUrl(url: string | null | undefined): string {
  return (url ?? '').trim().replace(/\/+$/, '');
}

/**
 * True when the session was recorded against another engine than the setting
 * names. A session that recorded none (an import, a note) differs from nothing.
 */
export function engineDiffers(session: Session, engineSetting: string): boolean {
  if (!session.engineBaseUrl) return false;
  return normalizeUrl(session.engineBaseUrl) !== normalizeUrl(engineSetting);
}

export function shortUlid(ulid: string): string {
  return ulid.length > 10 ? `${ulid.slice(0, 10)}…` : ulid;
}

export function eventCountText(n: number): string {
  return n === 1 ? '1 event' : `${n} events`;
}

export function sessionState(session: Session): 'live' | 'ended' | 'in trash' {
  if (session.deletedAt) return 'in trash';
  return session.endedAt === null ? 'live' : 'ended';
}

/**
 * Tree label: `↳ ` for a continuation, then the whole name. The name is never
 * cut here: VS Code's own ellipsis fits it to the row, and the tooltip shows
 * it whole.
 */
export function sessionLabel(session: Session, prompt?: string): string {
  const mark = session.parentUlid === null ? '' : '↳ ';
  return `${mark}${sessionName(session, prompt)}`;
}

/**
 * Tree description, after the name (VS Code cuts it first when the row is
 * short), its parts shortest first: `⚠` when the engine is not the configured
 * one, the event count, the time of the last activity, then where it was held
 * (`4 · 14:32 · claude-code · api`; the folder left out when it is one of
 * `sameAs`). The state is in the icon and the tooltip.
 */
export function sessionDescription(session: Session, engineSetting: string, now: Date, sameAs: readonly string[] = []): string {
  const parts = [String(session.eventCount), relativeTime(sessionTime(session), now)];
  if (engineDiffers(session, engineSetting)) parts.unshift('⚠');
  const where = whereText(session, sameAs);
  if (where) parts.push(where);
  return parts.join(' · ');
}

/**
 * What a screen reader says for a tree row: the name, then the state, count
 * and time in words, then the source and the folder.
 */
export function sessionAccessibleLabel(session: Session, now: Date, prompt?: string): string {
  const state = sessionState(session);
  const when = `${session.lastActivityAt ? 'active' : 'started'} ${relativeTime(sessionTime(session), now)}`;
  const source = oneLine(session.source ?? '');
  const project = session.project ? oneLine(folderName(session.project)) : '';
  const where = `${source ? `, from ${source}` : ''}${project ? `, in ${project}` : ''}`;
  return `${sessionName(session, prompt)}, ${state}, ${eventCountText(session.eventCount)}, ${when}${where}`;
}

/** Tree tooltip: every field a person may want, one per line. */
export function sessionTooltip(session: Session, engineSetting: string, prompt?: string): string {
  const lines = [sessionName(session, prompt)];
  // A title hides the first prompt: show it, so that sessions of one title can be told apart.
  const preview = session.preview?.trim();
  if (session.title?.trim() && preview && preview !== session.title.trim()) lines.push(`First prompt: ${preview}`);
  lines.push(
    '',
    `Session ${session.ulid}`,
    `Started ${formatStart(session.startedAt)}`,
    session.endedAt === null ? 'Live' : `Ended ${formatStart(session.endedAt)}`,
    eventCountText(session.eventCount),
    `Client ${session.cliVersion}`,
    `Engine ${session.engineBaseUrl ?? '(none)'}`,
  );
  if (session.lastActivityAt && session.lastActivityAt !== session.startedAt) {
    lines.splice(lines.indexOf(`Started ${formatStart(session.startedAt)}`) + 1, 0, `Last active ${formatStart(session.lastActivityAt)}`);
  }
  if (session.source) lines.push(`Source ${oneLine(session.source)}${session.sourceId ? ` (its id ${oneLine(session.sourceId)})` : ''}`);
  if (session.project) lines.push(`Folder ${oneLine(session.project)}`);
  if (session.branch) lines.push(`Branch ${oneLine(session.branch)}`);
  const models = modelsText(session);
  if (models) lines.push(`${(session.models ?? []).length === 1 ? 'Model' : 'Models'} ${models}`);
  if (session.usage) lines.push(`Tokens ${usageText(session.usage)}`);
  if (session.deletedAt) lines.push(`Moved to the trash ${formatStart(session.deletedAt)}`);
  if (engineDiffers(session, engineSetting)) {
    lines.push(`⚠ Another engine: the setting is ${normalizeUrl(engineSetting) || '(empty)'}`);
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

/** How a turn is headed: `You`, `Reply` (the model's name when the reply names it), `Command`, … */
export function eventTitle(e: Pick<Event, 'kind' | 'meta'>): string {
  const model = e.kind === 'system' && typeof e.meta?.model === 'string' ? e.meta.model.replace(/\s+/g, ' ').trim() : '';
  return model || kindTitle(e.kind);
}

/** Marks `[start, end)` code-point ranges of `text` with `open`/`close` (for a picker that can't bold). */
export function markRanges(text: string, ranges: readonly [number, number][], open = '«', close = '»'): string {
  const points = Array.from(text);
  const sorted = [...ranges].filter(([a, b]) => a < b && a >= 0 && a < points.length).sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [a, b] of sorted) {
    if (a < at) continue;
    out += points.slice(at, a).join('') + open + points.slice(a, Math.min(b, points.length)).join('') + close;
    at = Math.min(b, points.length);
  }
  return out + points.slice(at).join('');
}
