import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, escapeHtml, historyPage, makeNonce, renderEvent, renderHistory } from '../../src/html';
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

test('the header escapes the session fields too', () => {
  const msg = renderHistory(session({ ulid: '<b>u</b>', parentUlid: '"p"', eventCount: 2 }), [event(2, 'system', 'ok')]);
  assert.ok(!msg.headerHtml.includes('<b>'));
  assert.ok(msg.headerHtml.includes('&quot;p&quot;'));
  assert.equal(msg.hasEarlier, true);
  assert.equal(renderHistory(undefined, []).hasEarlier, false);
});

test('the composer hint follows the session state', () => {
  assert.match(renderHistory(undefined, []).hint, /start a new session/);
  assert.match(renderHistory(session({ endedAt: '2026-11-25T05:00:00.000Z' }), []).hint, /continues it/);
});

test('the page has a strict CSP: nothing by default, one script by nonce, no inline style', () => {
  const nonce = makeNonce((n) => new Uint8Array(n).fill(65));
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  const csp = contentSecurityPolicy('vscode-resource:', nonce);
  assert.match(csp, /^default-src 'none'; /);
  assert.ok(!csp.includes('unsafe'));
  const page = historyPage({ cspSource: 'vscode-resource:', nonce, scriptUri: 'x.js', styleUri: 'x.css' });
  assert.ok(page.includes(`<script nonce="${nonce}" src="x.js">`));
  assert.equal(page.match(/<script/g)?.length, 1);
});
