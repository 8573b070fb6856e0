import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeMarkdownInline, fenceFor, sessionToMarkdown } from '../../src/text/markdownExport';
import { event, session } from './fixtures';

test('a session becomes a Markdown document with one section per event', () => {
  const md = sessionToMarkdown(session({ eventCount: 3, engineBaseUrl: 'http://e' }), [
    event(1, 'prompt', 'What is **2+2**?'),
    event(2, 'system', 'It is 4.'),
    event(3, 'command', 'ls -la'),
  ]);
  assert.equal(
    md,
    [
      '# Session 01JD5Z2Q8W6N3M4K5J6H7G8F9E',
      '',
      '- Started: 2026-11-25T04:26:05.123Z\n- Ended: still live\n- Client: sessiond\\-vscode 0\\.1\\.0\n- Engine: http://e',
      '',
      '## 1. You · 04:26:01',
      '',
      'What is **2+2**?',
      '',
      '## 2. Reply · 04:26:02',
      '',
      'It is 4.',
      '',
      '## 3. Command · 04:26:03',
      '',
      '```\nls -la\n```',
      '',
    ].join('\n'),
  );
});

test('fences outgrow any backtick run in the text', () => {
  assert.equal(fenceFor('plain'), '```');
  assert.equal(fenceFor('a ```` b'), '`````');
  const md = sessionToMarkdown(session(), [event(1, 'warn', 'x\n```\ny')]);
  assert.match(md, /````\nx\n```\ny\n````/);
});

test('metadata values are escaped and kept on one line', () => {
  assert.equal(escapeMarkdownInline('a *b*\n# c'), 'a \\*b\\* \\# c');
});

test('ended and continued sessions say so', () => {
  const md = sessionToMarkdown(session({ endedAt: '2026-11-25T05:00:00.000Z', parentUlid: 'P1' }), []);
  assert.match(md, /- Ended: 2026-11-25T05:00:00.000Z/);
  assert.match(md, /- Continues: P1/);
});

test('a reply that names its model is headed by it, as text', () => {
  const md = sessionToMarkdown(session(), [{ ...event(1, 'system', 'Hi.'), meta: { model: 'gpt-4o *x*' } }]);
  assert.match(md, /## 1\. gpt\\-4o \\\*x\\\* · 04:26:01/);
});
