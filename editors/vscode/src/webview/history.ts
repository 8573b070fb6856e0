// The history page's only script (allowed by nonce; bundled to dist/history.js).
// The extension sends HTML it has escaped or rendered with raw HTML off; this
// script sanitizes it once more with DOMPurify before it reaches the DOM, and
// never builds markup from text itself. Links are left to VS Code, which
// opens them through its own handler (asking before outside sites).
import DOMPurify from 'dompurify';
import { clearMarks, markMatches } from './marks';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; setState(s: unknown): void };

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const header = $<HTMLElement>('header');
const scroller = $<HTMLElement>('scroll');
const events = $<HTMLElement>('events');
const footer = $<HTMLElement>('footer');
const earlier = $<HTMLButtonElement>('earlier');
const newer = $<HTMLButtonElement>('newer');
const notice = $<HTMLElement>('notice');
const form = $<HTMLFormElement>('composer');
const input = $<HTMLTextAreaElement>('input');
const stop = $<HTMLButtonElement>('stop');
const find = $<HTMLDivElement>('find');
const findInput = $<HTMLInputElement>('find-input');
const findCount = $<HTMLSpanElement>('find-count');

/** Only what views/markdownHtml.ts and views/historyHtml.ts make: no style, no form, no media, no event handler. */
const PURIFY = {
  ALLOWED_TAGS: [
    'a', 'article', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
    'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'time', 'tr', 'ul',
  ],
  ALLOWED_ATTR: ['class', 'href', 'title', 'datetime', 'start', 'type', 'aria-label', 'data-seq', 'data-ulid'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
};

function safe(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, { ...PURIFY, RETURN_DOM_FRAGMENT: true });
}

function fill(el: HTMLElement, html: string): void {
  el.replaceChildren(safe(html));
}

function atBottom(): boolean {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
}

function toBottom(): void {
  scroller.scrollTop = scroller.scrollHeight;
}

/** The session shown, the newest turn shown, and how many came below the view since it was left. */
let shownUlid = '';
let newestSeq = 0;
let unseen = 0;
/** The person just sent: show their turn (and the reply) even if they had scrolled up. */
let followSend = false;

function newestIn(root: ParentNode): number {
  const stored = root.querySelectorAll('article[data-seq]');
  return Number(stored[stored.length - 1]?.getAttribute('data-seq') ?? 0);
}

/** The "new turns below" marker: shown while turns wait below the view. */
function showUnseen(streamingBelow = false): void {
  if (unseen === 0 && !streamingBelow) {
    newer.hidden = true;
    return;
  }
  newer.textContent = unseen > 0 ? `↓ ${unseen} new ${unseen === 1 ? 'turn' : 'turns'} below` : '↓ The reply is coming in below';
  newer.hidden = false;
}

let streaming: HTMLElement | undefined;

function showStream(html: string): void {
  const stick = atBottom();
  if (!streaming) {
    streaming = document.createElement('article');
    streaming.className = 'event kind-system streaming';
    const meta = document.createElement('div');
    meta.className = 'meta';
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = 'Reply (streaming…)';
    meta.append(kind);
    const text = document.createElement('div');
    text.className = 'text markdown';
    streaming.append(meta, text);
  }
  if (!streaming.isConnected) events.append(streaming);
  fill(streaming.lastElementChild as HTMLElement, html);
  if (stick || followSend) toBottom();
  else showUnseen(true);
}

function focusOn(seq: number, terms: string[]): void {
  const target = events.querySelector<HTMLElement>(`article[data-seq="${seq}"]`);
  if (!target) return;
  target.classList.add('focused');
  const marks = markMatches(target.querySelector('.text') ?? target, terms, 'hit');
  (marks[0] ?? target).scrollIntoView({ block: 'center' });
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data;
  switch (m?.type) {
    case 'render': {
      const stick = atBottom() || followSend;
      const sameSession = m.ulid === shownUlid;
      fill(header, m.headerHtml);
      fill(events, m.eventsHtml);
      fill(footer, m.footerHtml);
      footer.hidden = m.footerHtml === '';
      fill(notice, m.noticeHtml);
      notice.hidden = m.noticeHtml === '';
      earlier.hidden = !m.hasEarlier;
      earlier.textContent = m.earlier === 1 ? 'Show 1 earlier event' : `Show ${m.earlier} earlier events`;
      input.placeholder = m.hint;
      input.disabled = !m.canWrite;
      if (streaming) events.append(streaming);
      const newest = newestIn(events);
      // Turns that arrived below a view scrolled up are counted, not scrolled to.
      if (!sameSession || stick) unseen = 0;
      else if (newestSeq > 0 && newest > newestSeq) unseen += newest - newestSeq;
      shownUlid = m.ulid;
      newestSeq = newest;
      if (m.focus) focusOn(m.focus.seq, m.focus.terms);
      else if (stick) toBottom();
      showUnseen();
      if (!find.hidden) runFind(false);
      break;
    }
    case 'stream':
      // Stop shows only while a reply streams, not for a turn that is only recorded.
      stop.hidden = false;
      showStream(m.html);
      break;
    case 'sending':
      followSend = m.busy === true;
      if (!m.busy) {
        stop.hidden = true;
        streaming?.remove();
        streaming = undefined;
      }
      break;
    case 'failed':
      if (input.value === '') input.value = m.text;
      break;
    case 'state':
      vscode.setState(m.state);
      break;
    case 'copied':
      copied(m.id);
      break;
  }
});

function send(): void {
  const text = input.value;
  if (text.trim() === '' || input.disabled) return;
  vscode.postMessage({ type: 'send', text });
  input.value = '';
}

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
earlier.addEventListener('click', () => vscode.postMessage({ type: 'earlier' }));
newer.addEventListener('click', () => {
  toBottom();
  unseen = 0;
  showUnseen();
});
scroller.addEventListener('scroll', () => {
  if (!newer.hidden && atBottom()) {
    unseen = 0;
    showUnseen();
  }
});
stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));

/** Copy buttons waiting for the extension to say the clipboard has their code. */
const copying = new Map<number, HTMLButtonElement>();
let copies = 0;

function copied(id: number): void {
  const button = copying.get(id);
  copying.delete(id);
  if (!button) return;
  button.textContent = 'Copied';
  setTimeout(() => (button.textContent = 'Copy'), 1500);
}

// Our own buttons inside rendered HTML: copy a code block, open a linked session.
document.addEventListener('click', (e) => {
  const el = (e.target as Element | null)?.closest('button');
  if (!el) return;
  if (el.classList.contains('copy-code')) {
    const code = el.closest('.code-block')?.querySelector('pre code');
    const id = ++copies;
    copying.set(id, el as HTMLButtonElement);
    vscode.postMessage({ type: 'copy', text: code?.textContent ?? '', id });
  } else if (el.classList.contains('session-link') && el.dataset.ulid) {
    vscode.postMessage({ type: 'open', ulid: el.dataset.ulid });
  } else if (el.classList.contains('open-setting')) {
    vscode.postMessage({ type: 'openSetting' });
  } else if (el.classList.contains('resume')) {
    vscode.postMessage({ type: 'resume' });
  }
});

// Find (Ctrl+F / Cmd+F): marks every match in the turns, Enter / Shift+Enter step through them.
let found: HTMLElement[] = [];
let at = -1;

function runFind(jump: boolean): void {
  clearMarks(events, 'find');
  const query = findInput.value.trim();
  found = query === '' ? [] : markMatches(events, [query], 'find');
  at = found.length === 0 ? -1 : Math.min(Math.max(at, 0), found.length - 1);
  if (jump && at >= 0) step(0);
  else updateCount();
}

function updateCount(): void {
  found.forEach((m, i) => m.classList.toggle('current', i === at));
  findCount.textContent = findInput.value.trim() === '' ? '' : found.length === 0 ? 'No results' : `${at + 1} of ${found.length}`;
}

function step(by: number): void {
  if (found.length === 0) return updateCount();
  at = (at + by + found.length) % found.length;
  updateCount();
  found[at].scrollIntoView({ block: 'center' });
}

function openFind(): void {
  find.hidden = false;
  const selected = window.getSelection()?.toString().trim();
  if (selected && !selected.includes('\n')) findInput.value = selected;
  findInput.focus();
  findInput.select();
  at = 0;
  runFind(true);
}

function closeFind(): void {
  find.hidden = true;
  clearMarks(events, 'find');
  found = [];
}

window.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    e.stopPropagation();
    openFind();
  } else if (e.key === 'Escape' && !find.hidden) {
    e.preventDefault();
    closeFind();
  }
}, true);
findInput.addEventListener('input', () => {
  at = 0;
  runFind(true);
});
findInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    step(e.shiftKey ? -1 : 1);
  }
});
$<HTMLButtonElement>('find-next').addEventListener('click', () => step(1));
$<HTMLButtonElement>('find-prev').addEventListener('click', () => step(-1));
$<HTMLButtonElement>('find-close').addEventListener('click', closeFind);

vscode.postMessage({ type: 'ready' });
