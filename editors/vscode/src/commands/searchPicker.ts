// "Search History…": a QuickPick that asks the daemon as you type, debounced;
// one row per session, best first: its name, how many of its turns matched,
// the time and kind of its best turn, where it was held, and that turn's
// snippet with its matches marked «like this». A version-3 daemon answers
// with sessions (session/find: every word somewhere in the session, not
// necessarily in one turn; the closest sessions when none holds every word);
// before, the turns of session/search are grouped by session here.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageserver-protocol';
import { kindTitle, markRanges, oneLine, relativeTime, sessionName, sessionTime, whereText } from '../text/labels';
import { ErrorCodes, type Found, FOUND_HITS, type Hit, type Session, SessionFind } from '../daemon/protocol';
import type { SessionService } from '../sessionService';
import { escapeIcons } from '../text/plainText';

const DEBOUNCE_MS = 150;
/** Hits asked for; grouped by session, they make fewer rows. */
const HITS = 200;
const SESSIONS = 50;

const KIND_ICONS: Record<Hit['kind'], string> = {
  prompt: 'account',
  system: 'comment',
  command: 'terminal',
  warn: 'warning',
  alert: 'error',
  mode_change: 'settings',
};

/** A session's hits, best first. */
export interface SessionHits {
  best: Hit;
  hits: Hit[];
}

/** What the person chose: the session, its best turn (none when only its title matched), the words to mark. */
export interface Chosen {
  session: Session;
  seq?: number;
  terms: string[];
}

interface HitItem extends vscode.QuickPickItem {
  chosen?: Chosen;
}

/** Said above the results when no session holds every word. */
export const RELAXED = 'closest sessions (not every word)';

/** The hits grouped by session, in the order of each session's best hit. */
export function groupHits(hits: readonly Hit[]): SessionHits[] {
  const bySession = new Map<number, SessionHits>();
  for (const hit of hits) {
    const group = bySession.get(hit.session.id);
    if (group) group.hits.push(hit);
    else bySession.set(hit.session.id, { best: hit, hits: [hit] });
  }
  return [...bySession.values()];
}

/** The words hits matched, as they appear in their snippets (to mark them in the history). */
export function matchedTerms(...hits: Pick<Hit, 'snippet' | 'highlights'>[]): string[] {
  const terms = hits.flatMap((hit) => {
    const points = Array.from(hit.snippet);
    return hit.highlights.map(([a, b]) => points.slice(a, b).join('').trim());
  });
  return [...new Set(terms.filter((t) => t !== ''))];
}

/** `3 hits`; `3+ hits` when session/find gave as many as it gives (it may have found more). */
export function hitCount(n: number, capped = false): string {
  if (capped && n >= FOUND_HITS) return `${n}+ hits`;
  return n === 1 ? '1 hit' : `${n} hits`;
}

/** A row: the session's name, then count · time · kind · where, then the best turn's snippet. */
function row(session: Session, hits: readonly Hit[], count: string, now: Date): HitItem {
  const best = hits[0];
  const where = whereText(session);
  const parts = best
    ? [count, relativeTime(best.createdAt, now), kindTitle(best.kind)]
    : ['its title matched', relativeTime(sessionTime(session), now)];
  if (where) parts.push(where);
  const preview = session.title?.trim() && session.preview ? oneLine(session.preview) : '';
  return {
    label: `$(${best ? (KIND_ICONS[best.kind] ?? 'comment') : 'tag'}) ${escapeIcons(sessionName(session))}`,
    description: escapeIcons(parts.join(' · ')),
    detail: best ? escapeIcons(markRanges(best.snippet.replace(/\s+/g, ' '), best.highlights)) : escapeIcons(preview),
    // The daemon has already matched: VS Code's own filter must not hide what it found.
    // (VS Code still lists first the rows whose session name contains the query as
    // typed; the others keep the daemon's order, best match first.)
    alwaysShow: true,
    chosen: { session, seq: best?.seq, terms: matchedTerms(...hits) },
  };
}

/** A version-2 row: a session's hits from session/search. */
export function hitItem(found: SessionHits, now: Date): HitItem {
  return row(found.best.session, found.hits, hitCount(found.hits.length), now);
}

/** A version-3 row: a session from session/find, with its best turns. */
export function foundItem(found: Found, now: Date): HitItem {
  return row(found.session, found.hits, hitCount(found.hits.length, true), now);
}

/** session/find's answer as picker rows, said to be the closest when `relaxed`. */
export function foundItems(results: readonly Found[], relaxed: boolean, now: Date): HitItem[] {
  const rows = results.map((f) => foundItem(f, now));
  if (!relaxed || rows.length === 0) return rows;
  return [{ label: RELAXED, kind: vscode.QuickPickItemKind.Separator }, ...rows];
}

/** The picker's title: it says when the rows are only the closest sessions. */
export function pickerTitle(relaxed: boolean): string {
  return relaxed ? `Search sessions: ${RELAXED}` : 'Search sessions';
}

/** Rows for `query`: sessions from session/find (version 3), else session/search's hits by session. */
async function rowsFor(service: SessionService, query: string, byFind: boolean): Promise<{ items: HitItem[]; relaxed: boolean }> {
  const now = new Date();
  if (byFind) {
    const { results, relaxed } = await service.find(query, SESSIONS);
    return { items: foundItems(results, relaxed, now), relaxed: relaxed && results.length > 0 };
  }
  const hits = await service.search(query, HITS);
  const items = groupHits(hits)
    .slice(0, SESSIONS)
    .map((f) => hitItem(f, now));
  return { items, relaxed: false };
}

/** Opens the picker; resolves with the chosen session and turn, or undefined when dismissed. */
export async function pickHit(service: SessionService, initial = ''): Promise<Chosen | undefined> {
  const byFind = await service.has(SessionFind.method);
  const qp = vscode.window.createQuickPick<HitItem>();
  qp.title = pickerTitle(false);
  qp.placeholder = byFind
    ? 'Words the session holds (all of them, in any turn); "a phrase", word*, -word, a OR b'
    : 'Words to find (all of them); "a phrase", word*, -word, a OR b';
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  qp.value = initial;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  const run = async (query: string) => {
    const ask = ++asked;
    if (query.trim() === '') {
      qp.items = [];
      qp.title = pickerTitle(false);
      qp.busy = false;
      return;
    }
    qp.busy = true;
    let items: HitItem[];
    let relaxed = false;
    try {
      ({ items, relaxed } = await rowsFor(service, query, byFind));
      if (items.length === 0) items = [{ label: `No session holds ${escapeIcons(query)}`, alwaysShow: true }];
    } catch (e) {
      const why = e instanceof ResponseError && e.code === ErrorCodes.InvalidParams ? e.message : `Search failed: ${e instanceof Error ? e.message : String(e)}`;
      items = [{ label: `$(info) ${escapeIcons(why)}`, alwaysShow: true }];
    }
    // An older answer arriving late must not replace a newer one.
    if (ask !== asked) return;
    qp.items = items;
    // Also in the title: VS Code draws no separator above the first row.
    qp.title = pickerTitle(relaxed);
    qp.busy = false;
  };

  return new Promise((resolve) => {
    qp.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(value), DEBOUNCE_MS);
    });
    qp.onDidAccept(() => {
      const chosen = qp.selectedItems[0]?.chosen;
      if (chosen === undefined) return;
      resolve(chosen);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (timer) clearTimeout(timer);
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
    if (initial) void run(initial);
  });
}
