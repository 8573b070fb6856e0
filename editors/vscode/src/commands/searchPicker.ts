// "Search History…": a QuickPick that asks the daemon (session/search) as you
// type, debounced; one item per session, best first: its name, how many of
// its turns matched, the time and kind of its best one, and that turn's
// snippet with its matches marked «like this».
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageserver-protocol';
import { kindTitle, markRanges, relativeTime, sessionName } from '../text/labels';
import { ErrorCodes, type Hit } from '../daemon/protocol';
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

interface HitItem extends vscode.QuickPickItem {
  found?: SessionHits;
}

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

/** `3 hits` when the daemon's answer held that many of the session's turns. */
function hitCount(n: number): string {
  return n === 1 ? '1 hit' : `${n} hits`;
}

export function hitItem(found: SessionHits, now: Date): HitItem {
  const hit = found.best;
  return {
    label: `$(${KIND_ICONS[hit.kind] ?? 'comment'}) ${escapeIcons(sessionName(hit.session))}`,
    description: `${hitCount(found.hits.length)} · ${relativeTime(hit.createdAt, now)} · ${kindTitle(hit.kind)}`,
    detail: escapeIcons(markRanges(hit.snippet.replace(/\s+/g, ' '), hit.highlights)),
    // The daemon has already matched: VS Code's own filter must not hide what it found.
    // (VS Code still lists first the hits whose session name contains the query as
    // typed; the others keep the daemon's order, best match first.)
    alwaysShow: true,
    found,
  };
}

/** Opens the picker; resolves with the chosen session's hits, or undefined when dismissed. */
export function pickHit(service: SessionService, initial = ''): Promise<SessionHits | undefined> {
  const qp = vscode.window.createQuickPick<HitItem>();
  qp.title = 'Search sessions';
  qp.placeholder = 'Words to find (all of them); "a phrase", word*, -word, a OR b';
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  qp.value = initial;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  const run = async (query: string) => {
    const ask = ++asked;
    if (query.trim() === '') {
      qp.items = [];
      qp.busy = false;
      return;
    }
    qp.busy = true;
    let items: HitItem[];
    try {
      const hits = await service.search(query, HITS);
      const now = new Date();
      const sessions = groupHits(hits).slice(0, SESSIONS);
      items = sessions.length > 0 ? sessions.map((f) => hitItem(f, now)) : [{ label: `No matches for ${escapeIcons(query)}`, alwaysShow: true }];
    } catch (e) {
      const why = e instanceof ResponseError && e.code === ErrorCodes.InvalidParams ? e.message : `Search failed: ${e instanceof Error ? e.message : String(e)}`;
      items = [{ label: `$(info) ${escapeIcons(why)}`, alwaysShow: true }];
    }
    // An older answer arriving late must not replace a newer one.
    if (ask !== asked) return;
    qp.items = items;
    qp.busy = false;
  };

  return new Promise((resolve) => {
    qp.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(value), DEBOUNCE_MS);
    });
    qp.onDidAccept(() => {
      const found = qp.selectedItems[0]?.found;
      if (found === undefined) return;
      resolve(found);
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
