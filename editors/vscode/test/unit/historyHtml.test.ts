import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, escapeHtml, historyPage, makeNonce, renderEvent, renderHistory } from '../../src/views/historyHtml';
import { event, session } from './fixtures';

const XSS = '<img src=x onerror=alert(1)>';

test('escapeHtml escapes the five HTML specials', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml(XSS), '&lt;img src=x onerror=alert(1)&gt;');
});

test('an event is rendered as text, never as markup', () => {
  const html = renderEvent(event(4, 'prompt', XSS));
  assert.ok(!html.includes('<img'), html);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.match(html, /class="event kind-prompt" data-seq="4"/);
  assert.match(html, /<span class="kind">You<\/span>/);
});

test('the header names the session and escapes every field', () => {
  const s = session({ ulid: '<b>u</b>', title: '<i>t</i>', parentUlid: 'P', eventCount: 2 });
  const msg = renderHistory(s, [event(2, 'system', 'ok')], { parent: { ulid: '"p"' } });
  assert.ok(!msg.headerHtml.includes('<b>') && !msg.headerHtml.includes('<i>'), msg.headerHtml);
  assert.match(msg.headerHtml, /<span class="title">&lt;i&gt;t&lt;\/i&gt;<\/span> <span class="state state-live">live<\/span>/);
  assert.match(msg.headerHtml, /continues <button type="button" class="session-link" data-ulid="&quot;p&quot;"/);
  assert.equal(msg.hasEarlier, true);
  assert.equal(renderHistory(undefined, []).hasEarlier, false);
});

test('a continued session links its parent by name; a parent lists its continuations', () => {
  const parent = session({ id: 1, ulid: 'PARENT', title: 'Plan the migration' });
  const child = session({ id: 2, ulid: 'CHILD', parentUlid: 'PARENT', preview: 'Next step' });
  const msg = renderHistory(child, [], { parent });
  assert.match(msg.headerHtml, /↳ continues <button type="button" class="session-link" data-ulid="PARENT" title="PARENT">Plan the migration<\/button>/);
  const footer = renderHistory(parent, [], { children: [child] }).footerHtml;
  assert.match(footer, /Continued in <button type="button" class="session-link" data-ulid="CHILD" title="CHILD">Next step<\/button>/);
  assert.equal(renderHistory(child, []).footerHtml, '');
});

test('the composer hint and writability follow the session state', () => {
  assert.match(renderHistory(undefined, []).hint, /start a new session/);
  assert.match(renderHistory(session({ endedAt: '2026-11-25T05:00:00.000Z' }), []).hint, /continues it/);
  const trashed = renderHistory(session({ deletedAt: '2026-11-25T05:00:00.000Z', endedAt: 'x' }), []);
  assert.match(trashed.hint, /in the trash/);
  assert.equal(trashed.canWrite, false);
  assert.equal(renderHistory(session(), [], { focus: { seq: 3, terms: ['k'] } }).focus?.seq, 3);
});

test('the page has a strict CSP: nothing by default, one script by nonce, no inline style', () => {
  const nonce = makeNonce((n) => new Uint8Array(n).fill(65));
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  const csp = contentSecurityPolicy('vscode-resource:', nonce);
  assert.match(csp, /^default-src 'none'; /);
  assert.ok(!csp.includes('unsafe'));
  assert.ok(!/img-src|connect-src|frame-src/.test(csp), csp);
  const page = historyPage({ cspSource: 'vscode-resource:', nonce, scriptUri: 'x.js', styleUri: 'x.css' });
  assert.ok(page.includes(`<script nonce="${nonce}" src="x.js">`));
  assert.equal(page.match(/<script/g)?.length, 1);
  assert.ok(!page.includes('style='), 'no inline style attribute');
});

test('a reply is headed Reply, or by the model that wrote it (escaped); never by the wire\'s "system"', () => {
  const plain = renderEvent(event(2, 'system', 'ok'));
  assert.match(plain, /<span class="kind">Reply<\/span>/);
  const named = renderEvent({ ...event(3, 'system', 'ok'), meta: { model: 'llama3 <b>' } });
  assert.match(named, /<span class="kind">llama3 &lt;b&gt;<\/span>/);
  assert.match(renderEvent({ ...event(4, 'prompt', 'q'), meta: { model: 'm' } }), /<span class="kind">You<\/span>/);
  assert.ok(![plain, named].some((h) => />system</.test(h)));
});

test('Show earlier events counts what is not shown', () => {
  const msg = renderHistory(session({ eventCount: 9 }), [event(5, 'prompt', 'a'), event(6, 'system', 'b')]);
  assert.equal(msg.earlier, 4);
  assert.equal(renderHistory(session(), [event(1, 'prompt', 'a')]).earlier, 0);
});

test('without an engine the box says so before anything is sent, naming the setting', () => {
  const live = renderHistory(session(), [], { engine: 'no' });
  assert.match(live.hint, /no reply.*sessiond\.engineBaseUrl/);
  assert.match(live.noticeHtml, /No engine is set: your turns are kept as notes.*<button type="button" class="open-setting"[^>]*>sessiond\.engineBaseUrl<\/button>/);
  const noNew = renderHistory(undefined, [], { engine: 'no' });
  assert.match(noNew.hint, /new session.*no reply/);
  const withSetting = renderHistory(session(), [], { engine: 'no', engineSetting: 'http://e/v1' });
  assert.match(withSetting.noticeHtml, /No engine for this session.*New sessions use/);
  assert.match(renderHistory(session(), [], { engine: 'nochat' }).noticeHtml, /cannot ask an engine/);
  for (const engine of ['yes', 'unknown'] as const) {
    const msg = renderHistory(session(), [], { engine });
    assert.equal(msg.noticeHtml, '');
    assert.equal(msg.hint, 'Type your turn; Enter sends, Shift+Enter adds a line');
  }
});

test('writing to an ended or imported session says in one line that a continuation starts', () => {
  const ended = renderHistory(session({ endedAt: '2026-11-25T05:00:00.000Z' }), [], { engine: 'yes' });
  assert.match(ended.hint, /continues it/);
  assert.equal(ended.noticeHtml, '<p class="notice-continue">↳ This session has ended: what you send starts a new session that continues it.</p>');
  const imported = renderHistory(session({ endedAt: '2026-11-25T05:00:00.000Z', source: 'claude-<code>' }), [], { engine: 'yes' });
  assert.match(imported.noticeHtml, /↳ This session was imported from claude-&lt;code&gt;: what you send starts a new session/);
  const own = renderHistory(session({ endedAt: '2026-11-25T05:00:00.000Z', source: 'vscode' }), [], { engine: 'yes' });
  assert.match(own.noticeHtml, /This session has ended/);
  assert.equal(renderHistory(session({ deletedAt: '2026-11-25T05:00:00.000Z', endedAt: 'x' }), [], { engine: 'no' }).noticeHtml, '');
  assert.equal(renderHistory(session(), [], { engine: 'yes' }).noticeHtml, '');
});

test('the page scrolls only the turns: the earlier-events button and the new-turns marker are inside the scrolled part', () => {
  const page = historyPage({ cspSource: 'c:', nonce: 'n', scriptUri: 's.js', styleUri: 's.css' });
  assert.match(page, /<main id="scroll">\n<button id="earlier"[^>]*>[^<]*<\/button>\n<div id="events"[^>]*><\/div>\n<button id="newer"/);
  assert.match(page, /<div id="notice" role="status" hidden><\/div>\n<textarea/);
});

test('version 3: the header says where the session was held, its models and tokens, all escaped', () => {
  const s = session({
    source: 'claude-code',
    project: '/home/ann/src/<api>',
    branch: 'fix/"ci"',
    models: ['claude-sonnet-4-5', '<b>m</b>'],
    usage: { inputTokens: 1200, outputTokens: 3400, cacheReadTokens: 52000, cacheWriteTokens: 8100 },
  });
  const html = renderHistory(s, [], { home: '/home/ann' }).headerHtml;
  assert.ok(!html.includes('<b>') && !html.includes('<api>'), html);
  assert.match(html, /<p class="where"><span class="source">claude-code<\/span> · <span class="project" title="\/home\/ann\/src\/&lt;api&gt;">~\/src\/&lt;api&gt;<\/span> · <span class="branch" title="git branch">⎇ fix\/&quot;ci&quot;<\/span><\/p>/);
  assert.match(html, /<p class="usage"><span class="models" title="models, the most used first">claude-sonnet-4-5, &lt;b&gt;m&lt;\/b&gt;<\/span> · <span class="tokens" title="1,200 input tokens \(not from a cache\), 3,400 output tokens, 52,000 read from a cache, 8,100 written to a cache">1\.2k in · 3\.4k out · 52k cache read · 8\.1k cache write<\/span><\/p>/);
  // A version-2 session has none of it.
  const old = renderHistory(session({ title: 'T' }), []).headerHtml;
  assert.ok(!old.includes('class="where"') && !old.includes('class="usage"'), old);
});

test('the Resume button names the program and shows the command it runs; never for a session in the trash', () => {
  const resume = { label: 'Claude <Code>', command: "cd /x && claude --resume 'a b'", note: 'claude is not installed' };
  const html = renderHistory(session(), [], { resume }).headerHtml;
  assert.match(html, /<button type="button" class="resume" title="Runs in a terminal: cd \/x &amp;&amp; claude --resume &#39;a b&#39; \(claude is not installed\)">Resume in Claude &lt;Code&gt;<\/button>/);
  assert.ok(!renderHistory(session({ deletedAt: '2026-11-25T05:00:00.000Z' }), [], { resume }).headerHtml.includes('class="resume"'));
  assert.ok(!renderHistory(session(), []).headerHtml.includes('class="resume"'));
});
