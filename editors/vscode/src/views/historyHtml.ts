// Pure HTML for the history webview. Stored text reaches HTML only through
// escapeHtml or markdownHtml.ts (markdown-it, raw HTML off); the webview sanitizes
// again with DOMPurify, and the page's CSP (a nonce for the one script, no
// inline style) is the last wall.
import type { EngineState } from '../sessionService';
import {
  eventCountText,
  eventTitle,
  formatStart,
  formatTime,
  homePath,
  modelsText,
  oneLine,
  sessionName,
  sessionState,
  usageDetail,
  usageText,
} from '../text/labels';
import type { Event, Session } from '../daemon/protocol';
import { renderLiteral, renderMarkdown } from './markdownHtml';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A nonce for the CSP: 32 characters of [A-Za-z0-9]. */
export function makeNonce(random: (n: number) => Uint8Array): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(random(32), (b) => chars[b % chars.length]).join('');
}

/** Nothing by default: our stylesheet and fonts, one script by nonce; no image, frame or connection. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export interface PageAssets {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** The static page; the event list is filled in by messages (see HistoryMessage). */
export function historyPage(a: PageAssets): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(a.cspSource, a.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(a.styleUri)}">
<title>Session history</title>
</head>
<body>
<div id="find" role="search" hidden>
<input id="find-input" type="text" aria-label="Find in history" placeholder="Find">
<span id="find-count" aria-live="polite"></span>
<button id="find-prev" type="button" title="Previous match (Shift+Enter)" aria-label="Previous match">↑</button>
<button id="find-next" type="button" title="Next match (Enter)" aria-label="Next match">↓</button>
<button id="find-close" type="button" title="Close (Escape)" aria-label="Close find">×</button>
</div>
<header id="header"></header>
<main id="scroll">
<button id="earlier" type="button" hidden>Show earlier events</button>
<div id="events" aria-live="polite"></div>
<button id="newer" type="button" hidden>New turns below</button>
</main>
<footer id="footer"></footer>
<form id="composer">
<div id="notice" role="status" hidden></div>
<textarea id="input" rows="2" aria-label="Your turn" placeholder="Type your turn; Enter sends, Shift+Enter adds a line"></textarea>
<button id="stop" type="button" hidden>Stop reply</button>
</form>
<script nonce="${escapeHtml(a.nonce)}" src="${escapeHtml(a.scriptUri)}"></script>
</body>
</html>`;
}

/** How a kind's text is shown: chat turns as markdown, output verbatim in a code block. */
export function renderText(e: Pick<Event, 'kind' | 'text'>): string {
  if (e.kind === 'command') return renderLiteral(e.text);
  if (e.kind === 'mode_change') return `<p>${escapeHtml(e.text)}</p>`;
  return renderMarkdown(e.text);
}

export function renderEvent(e: Event): string {
  return (
    `<article class="event kind-${escapeHtml(e.kind)}" data-seq="${e.seq}">` +
    `<div class="meta"><span class="kind">${escapeHtml(eventTitle(e))}</span>` +
    `<time datetime="${escapeHtml(e.createdAt)}" title="${escapeHtml(e.createdAt)}">${escapeHtml(formatTime(e.createdAt))}</time></div>` +
    `<div class="text markdown">${renderText(e)}</div></article>`
  );
}

/** A button that opens another session's history (the webview sends `open`). */
export function sessionLink(s: Pick<Session, 'ulid'> & Partial<Session>, text?: string): string {
  const name = text ?? (s.startedAt === undefined ? s.ulid : sessionName(s as Session));
  return `<button type="button" class="session-link" data-ulid="${escapeHtml(s.ulid)}" title="${escapeHtml(s.ulid)}">${escapeHtml(name)}</button>`;
}

/** The parent a continued session names: found, or only its ULID when it can't be read. */
export type Parent = Session | { ulid: string };

/** A session its program can reopen: the button's words and what it runs (see commands/resume.ts). */
export interface ResumeButton {
  label: string;
  command: string;
  note: string;
}

/** Where the session was held: source, folder (with `~` for `home`), branch. */
export function renderWhere(session: Session, home = ''): string {
  const parts: string[] = [];
  if (session.source) parts.push(`<span class="source">${escapeHtml(oneLine(session.source))}</span>`);
  if (session.project) {
    const shown = home ? homePath(session.project, home) : session.project;
    parts.push(`<span class="project" title="${escapeHtml(oneLine(session.project))}">${escapeHtml(oneLine(shown))}</span>`);
  }
  if (session.branch) parts.push(`<span class="branch" title="git branch">⎇ ${escapeHtml(oneLine(session.branch))}</span>`);
  return parts.length === 0 ? '' : `<p class="where">${parts.join(' · ')}</p>`;
}

/** The models its turns name and the tokens they used (version 3). */
export function renderUsage(session: Session): string {
  const models = modelsText(session);
  const tokens = usageText(session.usage);
  if (!models && !tokens) return '';
  const parts: string[] = [];
  if (models) parts.push(`<span class="models" title="${(session.models ?? []).length === 1 ? 'model' : 'models, the most used first'}">${escapeHtml(models)}</span>`);
  if (tokens) parts.push(`<span class="tokens" title="${escapeHtml(usageDetail(session.usage))}">${escapeHtml(tokens)}</span>`);
  return `<p class="usage">${parts.join(' · ')}</p>`;
}

export function renderHeader(session: Session | undefined, parent?: Parent, more: { resume?: ResumeButton; home?: string } = {}): string {
  if (session === undefined) {
    return '<p class="empty">No session selected. Pick one in Sessions, or type below to start a new one.</p>';
  }
  const state = sessionState(session);
  const continues = parent === undefined ? '' : `<p class="continues">↳ continues ${sessionLink(parent)}</p>`;
  const r = more.resume;
  const resume =
    r === undefined || session.deletedAt
      ? ''
      : `<p class="actions"><button type="button" class="resume" title="${escapeHtml(`Runs in a terminal: ${r.command}${r.note ? ` (${r.note})` : ''}`)}">` +
        `Resume in ${escapeHtml(r.label)}</button></p>`;
  return (
    `<h2><span class="title">${escapeHtml(sessionName(session))}</span> ` +
    `<span class="state state-${state.replace(' ', '-')}">${state}</span></h2>` +
    `<p class="sub">${escapeHtml(formatStart(session.startedAt))} · <code>${escapeHtml(session.ulid)}</code> · ` +
    `${escapeHtml(eventCountText(session.eventCount))}</p>${renderWhere(session, more.home)}${renderUsage(session)}${continues}${resume}`
  );
}

/** Below a parent's turns: the sessions that continue it. */
export function renderFooter(children: readonly Session[]): string {
  if (children.length === 0) return '';
  return `<p class="continued">Continued in ${children.map((c) => sessionLink(c)).join(', ')}</p>`;
}

/** No reply will come: the daemon cannot chat, or no engine is known for the session. */
function notesOnly(engine: EngineState): boolean {
  return engine === 'no' || engine === 'nochat';
}

/** What the composer's placeholder says Enter will do (and, without an engine, that no reply comes). */
export function composerHint(session: Session | undefined, engine: EngineState = 'unknown'): string {
  if (session?.deletedAt) return 'This session is in the trash; restore it to continue it';
  const why = engine === 'nochat' ? 'this sessiond cannot chat' : 'no engine: set sessiond.engineBaseUrl';
  const notes = notesOnly(engine);
  if (session === undefined) {
    return notes ? `Enter starts a new session with your turn as a note, no reply (${why})` : 'Type to start a new session; Enter sends, Shift+Enter adds a line';
  }
  if (session.endedAt !== null) {
    return notes ? `This session has ended; Enter continues it in a new session, as a note (${why})` : 'This session has ended; Enter continues it in a new session';
  }
  return notes ? `Enter keeps your turn as a note, no reply (${why})` : 'Type your turn; Enter sends, Shift+Enter adds a line';
}

/** The programs whose sessions sessiond's own clients start (any other `source` is an import). */
const OWN_SOURCES = new Set(['vscode', 'nvim', 'sessiond-chat']);

/**
 * Lines above the box, shown before anything is typed and while typing (a
 * placeholder is not): where a turn will go when that is not the session
 * shown, and that no reply will come without an engine, with the setting to
 * change.
 */
export function composerNotice(session: Session | undefined, engine: EngineState = 'unknown', engineSetting = ''): string {
  const lines: string[] = [];
  if (session !== undefined && !session.deletedAt && session.endedAt !== null) {
    const source = session.source?.trim();
    const what = source && !OWN_SOURCES.has(source) ? `This session was imported from ${escapeHtml(source)}` : 'This session has ended';
    lines.push(`<p class="notice-continue">↳ ${what}: what you send starts a new session that continues it.</p>`);
  }
  if (!session?.deletedAt && engine === 'nochat') {
    lines.push('<p class="notice-engine">This sessiond cannot ask an engine (it has no chat): your turns are kept as notes, with no reply.</p>');
  } else if (!session?.deletedAt && engine === 'no') {
    const setting = '<button type="button" class="open-setting" title="Open the setting">sessiond.engineBaseUrl</button>';
    const live = session !== undefined && session.endedAt === null;
    lines.push(
      live && engineSetting.trim() !== ''
        ? `<p class="notice-engine">No engine for this session (it was started without one): your turns are kept as notes, with no reply. New sessions use ${setting}.</p>`
        : `<p class="notice-engine">No engine is set: your turns are kept as notes, with no reply. To get replies, set ${setting} (e.g. http://localhost:11434/v1 for Ollama).</p>`,
    );
  }
  return lines.join('');
}

/** Where to scroll, and the words to mark there (a search hit's matches). */
export interface Focus {
  seq: number;
  terms: string[];
}

export interface HistoryMessage {
  type: 'render';
  headerHtml: string;
  eventsHtml: string;
  footerHtml: string;
  hasEarlier: boolean;
  /** How many of the session's events are older than those shown. */
  earlier: number;
  /** Which session this is (the page counts new turns per session). */
  ulid: string;
  hint: string;
  noticeHtml: string;
  canWrite: boolean;
  focus?: Focus;
}

export function renderHistory(
  session: Session | undefined,
  events: readonly Event[],
  more: {
    parent?: Parent;
    children?: readonly Session[];
    focus?: Focus;
    eventHtml?: (e: Event) => string;
    engine?: EngineState;
    engineSetting?: string;
    resume?: ResumeButton;
    home?: string;
  } = {},
): HistoryMessage {
  const first = events[0];
  return {
    type: 'render',
    headerHtml: renderHeader(session, more.parent, { resume: more.resume, home: more.home }),
    eventsHtml: events.map(more.eventHtml ?? renderEvent).join(''),
    footerHtml: renderFooter(more.children ?? []),
    hasEarlier: first !== undefined && first.seq > 1,
    earlier: first === undefined ? 0 : first.seq - 1,
    ulid: session?.ulid ?? '',
    hint: composerHint(session, more.engine),
    noticeHtml: composerNotice(session, more.engine, more.engineSetting),
    canWrite: !session?.deletedAt,
    ...(more.focus ? { focus: more.focus } : {}),
  };
}

/** An editor tab whose session is not in the database the daemon serves now (sessiond.dbPath changed). */
export function renderMissing(ulid: string): HistoryMessage {
  return {
    type: 'render',
    headerHtml:
      `<p class="empty">Session <code>${escapeHtml(ulid)}</code> is not in the database sessiond uses now. ` +
      'It may be in the one "sessiond.dbPath" named before; this tab shows it again when that database is back.</p>',
    eventsHtml: '',
    footerHtml: '',
    hasEarlier: false,
    earlier: 0,
    ulid,
    hint: 'This session is not in this database',
    noticeHtml: '',
    canWrite: false,
  };
}
