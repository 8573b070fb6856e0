// The markdown renderer is the first wall between stored text and the webview:
// feed it hostile input and check that only its own tags come out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderEvent, renderText } from '../../src/views/historyHtml';
import { highlightCode, renderLiteral, renderMarkdown } from '../../src/views/markdownHtml';
import { event } from './fixtures';

/** The tags markdownHtml.ts and historyHtml.ts make; anything else means raw HTML got through. */
const ALLOWED = new Set([
  'a', 'article', 'blockquote', 'br', 'button', 'code', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol',
  'p', 'pre', 's', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'time', 'tr', 'ul',
]);

function tags(html: string): string[] {
  return Array.from(html.matchAll(/<([a-zA-Z][\w-]*)/g), (m) => m[1].toLowerCase());
}
function attributes(html: string): string[] {
  return Array.from(html.matchAll(/<[a-zA-Z][\w-]*((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/g), (m) =>
    Array.from(m[1].matchAll(/([\w-]+)(?:="([^"]*)")?/g), (a) => `${a[1]}=${a[2] ?? ''}`),
  ).flat();
}

const HOSTILE = [
  '<script>document.title="pwned"</script>',
  '<img src=x onerror=alert(1)>',
  '<iframe src="https://evil"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](command:workbench.action.terminal.new)',
  '[x](vscode://file/etc/passwd)',
  '[x](data:text/html;base64,PHNjcmlwdD4=)',
  '[x](file:///etc/passwd)',
  '![t](https://tracker.example/p.png)',
  '![t](javascript:alert(1))',
  '<svg onload=alert(1)>',
  '<style>body{display:none}</style>',
  '```"><script>alert(1)</script>\ncode\n```',
  '```python onclick=alert(1)\nx\n```',
  '<div style="position:fixed">x</div>',
  '| a | b |\n|--:|:-:|\n| <b>1</b> | 2 |',
  '<!-- comment --><!DOCTYPE html><?php x ?>',
  '&lt;already&gt; &amp;',
  '[link](https://ok.example "t\\" onmouseover=\\"alert(1)")',
];

test('hostile markdown yields only the renderer\'s own tags and no handler, style or unsafe link', () => {
  for (const text of HOSTILE) {
    for (const kind of ['prompt', 'system', 'command', 'warn', 'mode_change'] as const) {
      const html = renderEvent(event(1, kind, text));
      for (const tag of tags(html)) assert.ok(ALLOWED.has(tag), `<${tag}> from ${JSON.stringify(text)} (${kind}):\n${html}`);
      for (const attr of attributes(html)) {
        const [name, value] = [attr.slice(0, attr.indexOf('=')), attr.slice(attr.indexOf('=') + 1)];
        assert.ok(!/^on/i.test(name) && name !== 'style' && name !== 'src', `${attr} from ${JSON.stringify(text)}`);
        if (name === 'href') assert.match(value, /^(https?:|mailto:)/i, `${attr} from ${JSON.stringify(text)}`);
      }
    }
  }
});

test('raw HTML is shown as text', () => {
  const html = renderMarkdown('<script>alert(1)</script> and <b>bold</b>');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), html);
  assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;'), html);
});

test('markdown is rendered: emphasis, lists, tables with alignment as classes, links with their target shown', () => {
  const html = renderMarkdown('**bold** and *it*\n\n- one\n- two\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |\n\nsee https://example.com/x');
  assert.match(html, /<strong>bold<\/strong> and <em>it<\/em>/);
  assert.match(html, /<ul>\s*<li>one<\/li>/);
  assert.match(html, /<th class="align-right">a<\/th>/);
  assert.match(html, /<td class="align-center">2<\/td>/);
  assert.match(html, /<a href="https:\/\/example.com\/x" title="https:\/\/example.com\/x">/);
});

test('a fenced block is highlighted in its language, with a copy button', () => {
  const html = renderMarkdown('Try:\n\n```python\ndef f(x):\n    return "hi"  # note\n```\n');
  assert.match(html, /<div class="code-block"><div class="code-head"><span class="code-lang">python<\/span><button type="button" class="copy-code"/);
  assert.match(html, /<pre><code class="hljs language-python"><span class="hljs-keyword">def<\/span>/);
  assert.match(html, /<span class="hljs-string">&quot;hi&quot;<\/span>/);
  assert.match(html, /<span class="hljs-comment"># note<\/span><\/code><\/pre>/, 'no trailing blank line');
});

test('an unknown or odd language is plain escaped code', () => {
  assert.match(renderMarkdown('```nosuchlang\n<b>x</b>\n```'), /<pre><code class="hljs">&#60;b&#62;x&#60;\/b&#62;<\/code><\/pre>/);
  assert.equal(highlightCode('<x>', ''), '&#60;x&#62;');
  assert.match(renderMarkdown('```"><img>\nx\n```'), /<span class="code-lang"><\/span>/);
});

test('images become links and never load', () => {
  const html = renderMarkdown('![a chart](https://example.com/c.png)');
  assert.ok(!html.includes('<img'), html);
  assert.match(html, /<a href="https:\/\/example.com\/c.png" title="https:\/\/example.com\/c.png">🖼 a chart<\/a>/);
});

test('commands are verbatim code; mode changes plain text', () => {
  assert.match(renderText({ kind: 'command', text: 'ls **not bold**\n' }), /<pre><code class="hljs">ls \*\*not bold\*\*<\/code><\/pre>/);
  assert.equal(renderText({ kind: 'mode_change', text: '*plan*' }), '<p>*plan*</p>');
  assert.match(renderLiteral('x'), /copy-code/);
});
