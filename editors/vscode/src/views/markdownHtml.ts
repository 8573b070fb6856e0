// Pure (no vscode): a turn's text as safe HTML. Stored text is untrusted (imports
// bring other tools' text), so this is the first of three walls: markdown-it
// with raw HTML off escapes every character of the input it does not turn
// into its own tags; links keep only http(s)/mailto targets; images are never
// loaded. The webview then passes the result through DOMPurify, and its CSP
// allows no inline script or style.
import type { HLJSApi } from 'highlight.js';
import type MarkdownIt from 'markdown-it';

// Loaded on the first render, not at activation: registering highlight.js's
// languages and building markdown-it cost tens of milliseconds.
let hljsApi: HLJSApi | undefined;
function hljs(): HLJSApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  hljsApi ??= require('highlight.js/lib/common') as HLJSApi;
  return hljsApi;
}

const SAFE_LINK = /^(https?:|mailto:)/i;
/** Fence info strings become class names: keep them to what a language name uses. */
const LANG = /^[\w+#.-]{1,32}$/;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Highlighted code, or escaped plain code when the language is unknown to highlight.js. */
export function highlightCode(code: string, lang: string): string {
  if (lang && hljs().getLanguage(lang)) {
    try {
      return hljs().highlight(code, { language: lang, ignoreIllegals: true }).value;
    } catch {
      // highlight.js failing on odd input is no reason to lose the text.
    }
  }
  return escape(code);
}

function codeBlock(text: string, info: string): string {
  const code = text.replace(/\n$/, '');
  const lang = info.trim().split(/\s+/)[0] ?? '';
  const safeLang = LANG.test(lang) ? lang : '';
  const known = safeLang !== '' && hljs().getLanguage(safeLang) !== undefined;
  const cls = known ? ` class="hljs language-${escape(safeLang.toLowerCase())}"` : ' class="hljs"';
  return (
    '<div class="code-block"><div class="code-head">' +
    `<span class="code-lang">${escape(safeLang)}</span>` +
    '<button type="button" class="copy-code" title="Copy code" aria-label="Copy code">Copy</button></div>' +
    `<pre><code${cls}>${highlightCode(code, known ? safeLang : '')}</code></pre></div>\n`
  );
}

function makeRenderer(): MarkdownIt {
  // `breaks`: in a chat a new line is meant as one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Md = require('markdown-it') as typeof MarkdownIt;
  const md = new Md('default', { html: false, linkify: true, breaks: true, typographer: false });
  // markdown-it already refuses javascript:, vbscript:, file: and data: links;
  // we keep fewer still, so no other scheme (command:, vscode:) reaches the webview.
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  md.renderer.rules.fence = (tokens, idx) => codeBlock(tokens[idx].content, tokens[idx].info);
  md.renderer.rules.code_block = (tokens, idx) => codeBlock(tokens[idx].content, '');
  // An image would load from anywhere: show it as a link to open instead.
  md.renderer.rules.image = (tokens, idx) => {
    const t = tokens[idx];
    const src = t.attrGet('src') ?? '';
    const alt = t.children ? md.renderer.renderInlineAsText(t.children, md.options, {}) : t.content;
    const label = `🖼 ${alt || 'image'}`;
    return SAFE_LINK.test(src) ? `<a href="${escape(src)}" title="${escape(src)}">${escape(label)}</a>` : escape(label);
  };
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    // The target shows on hover; VS Code opens it (asking first for outside sites).
    const href = tokens[idx].attrGet('href');
    if (href !== null) tokens[idx].attrSet('title', href);
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  // Table alignment comes as style="text-align:…"; the CSP allows no inline style, so use a class.
  md.core.ruler.push('align_classes', (state) => {
    const walk = (tokens: typeof state.tokens) => {
      for (const t of tokens) {
        const style = t.attrGet('style');
        const m = style === null ? null : /^text-align:(left|right|center)$/.exec(style);
        if (m) {
          t.attrs = (t.attrs ?? []).filter(([name]) => name !== 'style');
          t.attrJoin('class', `align-${m[1]}`);
        }
        if (t.children) walk(t.children);
      }
    };
    walk(state.tokens);
  });
  return md;
}

let renderer: MarkdownIt | undefined;

/** A turn's markdown as HTML made only of markdown-it's own tags; no raw HTML passes. */
export function renderMarkdown(text: string): string {
  renderer ??= makeRenderer();
  return renderer.render(text);
}

/** Literal output (commands, tool results): one code block, highlighted as nothing. */
export function renderLiteral(text: string): string {
  return codeBlock(text, '');
}
