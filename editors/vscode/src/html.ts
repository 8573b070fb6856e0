// Pure HTML for the history webview. Every piece of stored text goes through
// escapeHtml; the page's CSP (a nonce for the one script) is the second wall.
import { eventCountText, formatStart, formatTime, kindTitle } from './labels';
import type { Event, Session } from './protocol';

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

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export interface PageAssets {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** The static page; the event list is filled in by messages (see renderHistory). */
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
<header id="header"></header>
<button id="earlier" type="button" hidden>Show earlier events</button>
<main id="events" aria-live="polite"></main>
<form id="composer">
<textarea id="input" rows="2" aria-label="Your turn" placeholder="Type your turn; Enter sends, Shift+Enter adds a line"></textarea>
</form>
<script nonce="${escapeHtml(a.nonce)}" src="${escapeHtml(a.scriptUri)}"></script>
</body>
</html>`;
}

export function renderEvent(e: Event): string {
  return (
    `<article class="event kind-${escapeHtml(e.kind)}" data-seq="${e.seq}">` +
    `<div class="meta"><span class="kind">${escapeHtml(kindTitle(e.kind))}</span>` +
    `<time datetime="${escapeHtml(e.createdAt)}" title="${escapeHtml(e.createdAt)}">${escapeHtml(formatTime(e.createdAt))}</time></div>` +
    `<div class="text">${escapeHtml(e.text)}</div></article>`
  );
}

export function renderHeader(session: Session | undefined): string {
  if (session === undefined) {
    return '<p class="empty">No session selected. Pick one in Sessions, or type below to start a new one.</p>';
  }
  const state = session.endedAt === null ? 'live' : 'ended';
  const parent =
    session.parentUlid === null ? '' : ` · continues <code>${escapeHtml(session.parentUlid)}</code>`;
  return (
    `<h2>${escapeHtml(formatStart(session.startedAt))} <span class="state state-${state}">${state}</span></h2>` +
    `<p class="sub"><code>${escapeHtml(session.ulid)}</code> · ${escapeHtml(eventCountText(session.eventCount))}${parent}</p>`
  );
}

/** What the composer's placeholder says Enter will do. */
export function composerHint(session: Session | undefined): string {
  if (session === undefined) return 'Type to start a new session; Enter sends, Shift+Enter adds a line';
  if (session.endedAt !== null) return 'This session has ended; Enter continues it in a new session';
  return 'Type your turn; Enter sends, Shift+Enter adds a line';
}

export interface HistoryMessage {
  type: 'render';
  headerHtml: string;
  eventsHtml: string;
  hasEarlier: boolean;
  hint: string;
}

export function renderHistory(session: Session | undefined, events: readonly Event[]): HistoryMessage {
  const first = events[0];
  return {
    type: 'render',
    headerHtml: renderHeader(session),
    eventsHtml: events.map(renderEvent).join(''),
    hasEarlier: first !== undefined && first.seq > 1,
    hint: composerHint(session),
  };
}
