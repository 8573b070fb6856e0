import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Found, Hit } from '../../src/daemon/protocol';
import { foundItem, foundItems, groupHits, hitItem, matchedTerms, pickerTitle, RELAXED } from '../../src/commands/searchPicker';
import { escapeIcons } from '../../src/text/plainText';
import { findRanges, fold } from '../../src/webview/marks';
import { session } from './fixtures';

const NOW = new Date('2026-11-25T15:00:00.000Z');

function hit(over: Partial<Hit> = {}): Hit {
  return {
    session: session({ title: 'Key rotation' }),
    seq: 3,
    kind: 'system',
    createdAt: '2026-11-25T14:32:00.000Z',
    snippet: '…create the new key first, then revoke the old key…',
    highlights: [[16, 19], [47, 50]],
    ...over,
  };
}

test('a hit item shows the session name, its hit count, time and kind, and the snippet with its matches marked', () => {
  const item = hitItem({ best: hit(), hits: [hit()] }, NOW);
  assert.equal(item.label, '$(comment) Key rotation');
  assert.equal(item.description, '1 hit · 14:32 · Reply');
  assert.equal(item.detail, '…create the new «key» first, then revoke the old «key»…');
  assert.equal(item.alwaysShow, true);
  assert.deepEqual(item.chosen, { session: hit().session, seq: 3, terms: ['key'] });
});

function found(over: Partial<Found> = {}): Found {
  return { session: session({ title: 'Fix the CI cache', source: 'claude-code', project: '/home/ann/src/api' }), score: 14.2, hits: [hit()], ...over };
}

test('version 3: one row per found session: its name, hit count, best turn\'s time and kind, where it was held, and the snippet marked', () => {
  const item = foundItem(found({ hits: [hit(), hit({ seq: 5, snippet: 'rotate it', highlights: [[0, 6]] })] }), NOW);
  assert.equal(item.label, '$(comment) Fix the CI cache');
  assert.equal(item.description, '2 hits · 14:32 · Reply · claude-code · api');
  assert.equal(item.detail, '…create the new «key» first, then revoke the old «key»…');
  assert.deepEqual([item.chosen?.seq, item.chosen?.terms], [3, ['key', 'rotate']], 'opened at the best turn, every word marked');
  // session/find gives at most 3 turns: 3 may stand for more.
  assert.match(String(foundItem(found({ hits: [hit(), hit(), hit()] }), NOW).description), /^3\+ hits · /);
});

test('version 3: a session found by its title alone opens at the top and shows its first prompt', () => {
  const s = session({ title: 'Key rotation', preview: 'How do I rotate the keys?', lastActivityAt: '2026-11-24T10:00:00.000Z' });
  const item = foundItem(found({ session: s, hits: [] }), NOW);
  assert.equal(item.label, '$(tag) Key rotation');
  assert.equal(item.description, 'its title matched · yesterday');
  assert.equal(item.detail, 'How do I rotate the keys?');
  assert.equal(item.chosen?.seq, undefined);
});

test('version 3: when no session holds every word, the rows are said to be the closest', () => {
  const rows = foundItems([found(), found({ session: session({ id: 8, title: 'Other' }) })], true, NOW);
  assert.equal(rows[0].label, RELAXED);
  assert.equal(rows[0].kind, -1, 'a separator, not a row to choose');
  assert.equal(rows[0].chosen, undefined);
  assert.equal(rows.length, 3);
  assert.equal(foundItems([found()], false, NOW).length, 1);
  assert.deepEqual(foundItems([], true, NOW), []);
  // VS Code draws no separator above the first row: the title says it too.
  assert.equal(pickerTitle(true), 'Search sessions: closest sessions (not every word)');
  assert.equal(pickerTitle(false), 'Search sessions');
});

test('stored text cannot make icons in the picker', () => {
  assert.equal(escapeIcons('run $(zap) now'), 'run \\$(zap) now');
  const h = hit({ session: session({ title: '$(alert) fake' }), snippet: '$(x)', highlights: [] });
  const item = hitItem({ best: h, hits: [h] }, NOW);
  assert.equal(item.label, '$(comment) \\$(alert) fake');
  assert.equal(item.detail, '\\$(x)');
});

test('hits are grouped one row per session, in the order of each session\'s best hit, with its count', () => {
  const a = session({ id: 1, title: 'A' });
  const b = session({ id: 2, title: 'B' });
  const hits = [hit({ session: b, seq: 9 }), hit({ session: a, seq: 2 }), hit({ session: b, seq: 4, snippet: 'rotate the key', highlights: [[0, 6]] })];
  const groups = groupHits(hits);
  assert.deepEqual(groups.map((g) => [g.best.session.title, g.best.seq, g.hits.length]), [['B', 9, 2], ['A', 2, 1]]);
  assert.match(String(hitItem(groups[0], NOW).description), /^2 hits · /);
  assert.deepEqual(matchedTerms(...groups[0].hits), ['key', 'rotate'], 'the words of every hit in the session');
});

test('matched terms are the highlighted words, counted in code points, once each', () => {
  assert.deepEqual(matchedTerms(hit()), ['key']);
  assert.deepEqual(matchedTerms({ snippet: '🙂🙂 Café au lait', highlights: [[3, 7]] }), ['Café']);
});

test('marks fold case and diacritics one unit per unit, as the daemon matches', () => {
  assert.equal(fold('Café ÉTÉ'), 'cafe ete');
  assert.equal(fold('a🙂b').length, 'a🙂b'.length);
  assert.deepEqual(findRanges('A café, a CAFE, cafés', ['cafe']), [[2, 6], [10, 14], [16, 20]]);
  assert.deepEqual(findRanges('keyboard key', ['key', 'keyboard']), [[0, 8], [9, 12]]);
  assert.deepEqual(findRanges('nothing', ['']), []);
});
