// Runs with TZ=UTC (see package.json), so local times equal the UTC stamps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  engineDiffers,
  firstPrompt,
  formatStart,
  formatTime,
  openingWords,
  sessionDescription,
  sessionLabel,
  sessionTooltip,
} from '../../src/labels';
import { event, session } from './fixtures';

test('formatStart and formatTime use local time, and pass non-dates through', () => {
  assert.equal(formatStart('2026-11-25T04:26:05.123Z'), '2026-11-25 04:26');
  assert.equal(formatTime('2026-11-25T04:26:05.123Z'), '04:26:05');
  assert.equal(formatStart('yesterday'), 'yesterday');
});

test('openingWords keeps the first six words on one line', () => {
  assert.equal(openingWords('  how do\nI   parse JSON in Rust quickly please '), 'how do I parse JSON in…');
  assert.equal(openingWords('short one'), 'short one');
  assert.equal(openingWords(''), '');
  assert.equal(openingWords('x'.repeat(100)), `${'x'.repeat(47)}…`);
});

test('firstPrompt skips other kinds', () => {
  assert.equal(firstPrompt([event(1, 'mode_change', 'plan'), event(2, 'prompt', 'hi'), event(3, 'prompt', 'no')]), 'hi');
  assert.equal(firstPrompt([event(1, 'system', 'boot')]), undefined);
});

test('sessionLabel is start time plus opening words', () => {
  assert.equal(sessionLabel(session(), 'fix the flaky test in ci please now'), '2026-11-25 04:26 fix the flaky test in ci…');
  assert.equal(sessionLabel(session(), undefined), '2026-11-25 04:26');
});

test('sessionDescription counts events and says live or ended', () => {
  assert.equal(sessionDescription(session({ eventCount: 1 }), ''), '1 event · live');
  assert.equal(sessionDescription(session({ eventCount: 3, endedAt: '2026-11-25T05:00:00.000Z' }), ''), '3 events · ended');
});

test('a different engine URL is marked, trailing slashes aside', () => {
  const s = session({ engineBaseUrl: 'http://127.0.0.1:8080/' });
  assert.equal(engineDiffers(s, 'http://127.0.0.1:8080'), false);
  assert.equal(engineDiffers(s, 'http://127.0.0.1:9090'), true);
  assert.equal(engineDiffers(session(), ''), false);
  assert.match(sessionDescription(s, 'http://other'), /⚠ other engine/);
  assert.match(sessionTooltip(s, 'http://other'), /engine setting is http:\/\/other/);
});

test('continued sessions show their parent', () => {
  const s = session({ parentUlid: '01JD5Z0000AAAABBBBCCCCDDDD' });
  assert.match(sessionDescription(s, ''), /↳ from 01JD5Z0000…$/);
  assert.match(sessionTooltip(s, ''), /Continues 01JD5Z0000AAAABBBBCCCCDDDD/);
});
