import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hit } from '../../src/daemon/protocol';
import { hitItem, matchedTerms } from '../../src/commands/searchPicker';
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

test('a hit item shows the session name, time and kind, and the snippet with its matches marked', () => {
  const item = hitItem(hit(), NOW);
  assert.equal(item.label, '$(comment) Key rotation');
  assert.equal(item.description, '14:32 · Reply');
  assert.equal(item.detail, '…create the new «key» first, then revoke the old «key»…');
  assert.equal(item.alwaysShow, true);
});

test('stored text cannot make icons in the picker', () => {
  assert.equal(escapeIcons('run $(zap) now'), 'run \\$(zap) now');
  const item = hitItem(hit({ session: session({ title: '$(alert) fake' }), snippet: '$(x)', highlights: [] }), NOW);
  assert.equal(item.label, '$(comment) \\$(alert) fake');
  assert.equal(item.detail, '\\$(x)');
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
