// "Search History…": a QuickPick that asks the daemon (session/search) as you
// type, debounced; each item shows the session's name, the time and kind,
// and the snippet with its matches marked «like this».
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageserver-protocol';
import { kindTitle, markRanges, relativeTime, sessionName } from '../text/labels';
import { ErrorCodes, type Hit } from '../daemon/protocol';
import type { SessionService } from '../sessionService';
import { escapeIcons } from '../text/plainText';

const DEBOUNCE_MS = 150;
const HITS = 50;

const KIND_ICONS: Record<Hit['kind'], string> = {
  prompt: 'account',
  system: 'comment',
  command: 'terminal',
  warn: 'warning',
  alert: 'error',
  mode_change: 'settings',
};

interface HitItem extends vscode.QuickPickItem {
  hit?: Hit;
}

/** The words a hit matched, as they appear in its snippet (to mark them in the history). */
export function matchedTerms(hit: Pick<Hit, 'snippet' | 'highlights'>): string[] {
  const points = Array.from(hit.snippet);
  const terms = hit.highlights.map(([a, b]) => points.slice(a, b).join('').trim()).filter((t) => t !== '');
  return [...new Set(terms)];
}

export function hitItem(hit: Hit, now: Date): HitItem {
  return {
    label: `$(${KIND_ICONS[hit.kind] ?? 'comment'}) ${escapeIcons(sessionName(hit.session))}`,
    description: `${relativeTime(hit.createdAt, now)} · ${kindTitle(hit.kind)}`,
    detail: escapeIcons(markRanges(hit.snippet.replace(/\s+/g, ' '), hit.highlights)),
    // The daemon has already matched: VS Code's own filter must not hide what it found.
    // (VS Code still lists first the hits whose session name contains the query as
    // typed; the others keep the daemon's order, best match first.)
    alwaysShow: true,
    hit,
  };
}

/** Opens the picker; resolves with the chosen hit, or undefined when dismissed. */
export function pickHit(service: SessionService, initial = ''): Promise<Hit | undefined> {
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
      items = hits.length > 0 ? hits.map((h) => hitItem(h, new Date())) : [{ label: `No matches for ${escapeIcons(query)}`, alwaysShow: true }];
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
      const hit = qp.selectedItems[0]?.hit;
      if (hit === undefined) return;
      resolve(hit);
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
