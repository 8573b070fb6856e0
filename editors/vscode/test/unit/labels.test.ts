// Runs with TZ=UTC (see package.json), so local times equal the UTC stamps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cut,
  dayGroup,
  engineDiffers,
  firstPrompt,
  folderName,
  formatStart,
  formatTokens,
  formatTime,
  markRanges,
  relativeTime,
  sessionAccessibleLabel,
  sessionDescription,
  sessionLabel,
  sessionName,
  sessionTooltip,
  usageText,
  whereText,
} from '../../src/text/labels';
import { event, session } from './fixtures';

const NOW = new Date('2026-11-25T15:00:00.000Z');

test('formatStart and formatTime use local time, and pass non-dates through', () => {
  assert.equal(formatStart('2026-11-25T04:26:05.123Z'), '2026-11-25 04:26');
  assert.equal(formatTime('2026-11-25T04:26:05.123Z'), '04:26:05');
  assert.equal(formatStart('yesterday'), 'yesterday');
});

test('sessions fall in Today, Yesterday, Last 7 days or Older by calendar day', () => {
  assert.equal(dayGroup('2026-11-25T00:00:00.000Z', NOW), 'today');
  assert.equal(dayGroup('2026-11-26T01:00:00.000Z', NOW), 'today', 'a clock ahead is still today');
  assert.equal(dayGroup('2026-11-24T23:59:59.999Z', NOW), 'yesterday');
  assert.equal(dayGroup('2026-11-19T00:00:00.000Z', NOW), 'week');
  assert.equal(dayGroup('2026-11-18T00:00:00.000Z', NOW), 'older');
  assert.equal(dayGroup('garbage', NOW), 'older');
});

test('times read as a person says them: 14:32, yesterday, Mar 3, Mar 3, 2025', () => {
  assert.equal(relativeTime('2026-11-25T14:32:10.000Z', NOW), '14:32');
  assert.equal(relativeTime('2026-11-24T09:00:00.000Z', NOW), 'yesterday');
  assert.equal(relativeTime('2026-03-03T09:00:00.000Z', NOW), 'Mar 3');
  assert.equal(relativeTime('2025-03-03T09:00:00.000Z', NOW), 'Mar 3, 2025');
});

test('a name is the title, else the preview, else the first prompt read by a v1 client', () => {
  assert.equal(sessionName(session({ title: 'Key rotation', preview: 'How do I rotate' })), 'Key rotation');
  assert.equal(sessionName(session({ title: null, preview: 'How do I\n rotate' })), 'How do I rotate');
  assert.equal(sessionName(session({ title: '  ', preview: null })), 'New session');
  assert.equal(sessionName(session({ endedAt: '2026-11-25T05:00:00.000Z' })), 'Empty session');
  // A version-1 daemon sends neither field.
  assert.equal(sessionName(session(), 'fix the flaky test'), 'fix the flaky test');
});

test('labels hold the whole name, never cut in their text; continuations are marked', () => {
  const long = 'Why does the nightly build take forty minutes on the new runners';
  assert.equal(sessionLabel(session({ preview: long })), long);
  assert.equal(sessionLabel(session({ title: 'Borrow checker notes' })), 'Borrow checker notes');
  assert.equal(sessionLabel(session({ preview: long, parentUlid: 'P' })), `↳ ${long}`);
  assert.equal(sessionLabel(session({ title: 'Short', parentUlid: 'P' })), '↳ Short');
  assert.equal(cut('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  assert.equal(cut('  a\n b ', 10), 'a b');
});

test('the description is the count and the time, shortest first; the state is for the icon, the tooltip and screen readers', () => {
  const s = session({ startedAt: '2026-11-25T14:32:00.000Z', eventCount: 4 });
  assert.equal(sessionDescription(s, '', NOW), '4 · 14:32');
  assert.equal(sessionDescription({ ...s, endedAt: '2026-11-25T15:00:00.000Z' }, '', NOW), '4 · 14:32');
  assert.equal(sessionAccessibleLabel({ ...s, title: 'Plan', endedAt: '2026-11-25T15:00:00.000Z' }, NOW), 'Plan, ended, 4 events, started 14:32');
  assert.match(sessionTooltip({ ...s, deletedAt: '2026-11-25T15:00:00.000Z', endedAt: '2026-11-25T15:00:00.000Z' }, ''), /\nEnded 2026-11-25 15:00\n.*Moved to the trash/s);
});

test('a title hides the first prompt, so the tooltip shows it', () => {
  const tip = sessionTooltip(session({ title: 'Key rotation', preview: 'How do I rotate the staging keys?' }), '');
  assert.match(tip, /^Key rotation\nFirst prompt: How do I rotate the staging keys\?\n/);
  assert.ok(!sessionTooltip(session({ preview: 'Only a prompt' }), '').includes('First prompt'));
});

test('firstPrompt skips other kinds', () => {
  assert.equal(firstPrompt([event(1, 'mode_change', 'plan'), event(2, 'prompt', 'hi'), event(3, 'prompt', 'no')]), 'hi');
  assert.equal(firstPrompt([event(1, 'system', 'boot')]), undefined);
});

test('a different engine URL is marked, trailing slashes aside', () => {
  const s = session({ engineBaseUrl: 'http://127.0.0.1:8080/' });
  assert.equal(engineDiffers(s, 'http://127.0.0.1:8080'), false);
  assert.equal(engineDiffers(s, 'http://127.0.0.1:9090'), true);
  assert.equal(engineDiffers(session(), ''), false);
  assert.equal(engineDiffers(session(), 'http://127.0.0.1:9090'), false, 'no engine recorded: nothing to differ');
  assert.match(sessionDescription(s, 'http://other', NOW), /^⚠ · 0 · /);
  assert.match(sessionTooltip(s, 'http://other'), /the setting is http:\/\/other/);
});

test('the tooltip names the session first and tells the parent and the trash', () => {
  const tip = sessionTooltip(session({ title: 'T', parentUlid: '01JD5Z0000AAAABBBBCCCCDDDD', deletedAt: '2026-11-25T05:00:00.000Z' }), '');
  assert.match(tip, /^T\n/);
  assert.match(tip, /Continues 01JD5Z0000AAAABBBBCCCCDDDD/);
  assert.match(tip, /Moved to the trash 2026-11-25 05:00/);
});

test('markRanges marks code-point ranges, emoji and overlaps included', () => {
  assert.equal(markRanges('a café b', [[2, 6]]), 'a «café» b');
  assert.equal(markRanges('🙂 key 🙂 key', [[2, 5], [8, 11]]), '🙂 «key» 🙂 «key»');
  assert.equal(markRanges('abc', [[1, 2], [0, 3], [5, 9]]), '«abc»');
  assert.equal(markRanges('abc', []), 'abc');
});

test('version 3: the description adds the source and the folder\'s last part after the count and the last activity', () => {
  const s = session({
    startedAt: '2026-11-20T09:00:00.000Z',
    lastActivityAt: '2026-11-25T14:32:00.000Z',
    eventCount: 12,
    source: 'claude-code',
    project: '/home/ann/src/api/',
  });
  assert.equal(sessionDescription(s, '', NOW), '12 · 14:32 · claude-code · api');
  // In the workspace's own list its folder goes without saying; a folder under it does not.
  assert.equal(sessionDescription(s, '', NOW, ['/home/ann/src/api']), '12 · 14:32 · claude-code');
  assert.equal(sessionDescription({ ...s, project: '/home/ann/src/api/web' }, '', NOW, ['/home/ann/src/api']), '12 · 14:32 · claude-code · web');
  assert.equal(sessionAccessibleLabel({ ...s, title: 'Fix CI' }, NOW), 'Fix CI, live, 12 events, active 14:32, from claude-code, in api');
  assert.equal(whereText(session({ source: 'vscode' })), 'vscode');
  assert.equal(whereText(session({ project: '/srv/x' })), 'x');
  assert.equal(whereText(session()), '', 'a version-2 session says nothing of where');
  // Stored text stays on one line.
  assert.equal(whereText(session({ source: 'a\nb\u001b[31m', project: '/p/q\tr' })), 'a b [31m · q r');
});

test('version 3: the tooltip tells the source and its id, the folder, the branch, the models and the tokens', () => {
  const tip = sessionTooltip(
    session({
      startedAt: '2026-11-25T04:26:05.123Z',
      lastActivityAt: '2026-11-25T09:00:00.000Z',
      source: 'codex',
      sourceId: 'th-1',
      project: '/home/ann/src/api',
      branch: 'main',
      models: ['gpt-5', 'gpt-5-mini'],
      usage: { inputTokens: 1200, outputTokens: 3400, cacheReadTokens: 52000, cacheWriteTokens: 0 },
    }),
    '',
  );
  assert.match(tip, /\nStarted 2026-11-25 04:26\nLast active 2026-11-25 09:00\n/);
  assert.match(tip, /\nSource codex \(its id th-1\)\nFolder \/home\/ann\/src\/api\nBranch main\nModels gpt-5, gpt-5-mini\nTokens 1\.2k in · 3\.4k out · 52k cache read$/);
});

test('tokens read short: 950, 1.2k, 12k, 3.4M; the cache parts only when there are any', () => {
  assert.deepEqual([950, 1000, 1234, 9_960, 12_345, 999_999, 3_400_000, 12_000_000].map(formatTokens), ['950', '1k', '1.2k', '10k', '12k', '1M', '3.4M', '12M']);
  assert.equal(usageText({ inputTokens: 10, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 }), '10 in · 20 out');
  assert.equal(usageText({ inputTokens: 0, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 8100 }), '0 in · 5 out · 8.1k cache write');
  assert.equal(usageText(null), '');
  assert.equal(folderName('/'), '/');
  assert.equal(folderName('C:\\src\\api\\'), 'api');
});
