// A real VS Code (code-server) in Debian's Chromium, driven by playwright-core:
// the Sessions tree lists sessions seeded through the real daemon, grouped and
// labelled; the History view renders their turns as sanitized markdown; a
// turn typed there is stored; histories open in editor tabs; with a
// version-2 daemon, search, rename, trash and live updates from another
// process work as a person would use them; with version 3, the workspace's
// sessions come first (a toggle shows every folder's), rows and headers say
// where a session was held, with what model and tokens, and Resume reopens a
// session in its own program, in a terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type SessiondCapabilities,
  SessionAppend,
  SessionEnd,
  SessionEvents,
  SessionList,
  SessionRename,
  SessionStart,
  SessionSubscribe,
} from '../../src/daemon/protocol';
import { daemonCommand, startDaemon } from '../daemon';
import { startEngine } from '../engine';
import { ARTIFACTS, ROOT, run } from './tools';
import { processes } from './procs';
import { arrangeViews, editorHistory, labelFits, sessionRow, sideHistory, skipReason, treeRow, withWorkbench } from './workbench';
import { importAider } from './importStep';
import { v2Checks } from './v2';

const XSS = '<img src=x onerror=alert(1)>';
const SCRIPT = '<script>document.title="pwned"</script>';
const SEEDED_PROMPT = 'How do I rotate the API keys safely without downtime for the services?';
/** 30 characters: shown whole in the tree at the default side-bar width. */
const TITLE = 'Borrow checker notes for async';
const CODE = 'def rotate(key):\n    return key.upper()';
/** Loopback, answered by the test itself: no traffic leaves the machine. */
const GUIDE = 'http://127.0.0.1:9/keys-guide';
const SEEDED_REPLY = `Create the new key **first**, then revoke the old one:\n\n\`\`\`python\n${CODE}\n\`\`\`\n\nSee [the guide](${GUIDE}).`;
const TYPED = 'Typed in the history view by the UI test';
const STREAMED = ['Streamed ', 'reply ', 'from ', 'the ', 'stand-in ', 'engine.'];
const FOLLOW_UP = 'One more question after the end';
const NOTE = 'A note typed with no engine anywhere';
/** Version 3: sessions held in other programs, in this workspace and in another folder. */
const CLAUDE = { title: 'Flaky upload test', prompt: 'Why does the upload test fail on CI only?', model: 'claude-sonnet-4-5' };
const CLAUDE_USAGE = { inputTokens: 1200, outputTokens: 3400, cacheReadTokens: 52000, cacheWriteTokens: 8100 };
const NVIM = 'Draft the release notes for 0.3';
const ELSEWHERE = 'Invoice rounding is off by a cent';
/** The seeded reply's model (a local engine's). */
const LOCAL_MODEL = 'qwen2.5-coder:7b';
/** More turns than a history shows at first (200): five are left for "Show earlier events". */
const LONG_TURNS = 205;

/** Regular-expression text matching `text` exactly. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Seeded {
  ulid: string;
  caps: SessiondCapabilities;
  /** The daemon serves session/subscribe (it may announce version 2 before it does). */
  live: boolean;
  /** Version 3: the Neovim session, which Resume reopens. */
  nvimUlid?: string;
}

/**
 * Seeds sessions through the real daemon (the newest named when the daemon
 * can rename). With version 3, they are held in `workspace` (the seeded one
 * in VS Code, the older one in Codex), one in Claude Code with a model and
 * tokens, one in Neovim, and one in another folder.
 */
async function seed(db: string, engineUrl: string, workspace: string, elsewhere: string): Promise<Seeded> {
  const d = await startDaemon(['--db', db]);
  const caps = (d.init.capabilities.experimental as { sessiond: SessiondCapabilities }).sessiond;
  const v3 = caps.protocolVersion >= 3;
  const send = d.conn.sendRequest.bind(d.conn);
  const here = (source: string, more: object = {}) => (v3 ? { source, project: workspace, ...more } : {});
  const long = await send(SessionStart, { cliVersion: 'ui-test seed', ...here('vscode') });
  for (let i = 1; i <= LONG_TURNS; i++) {
    await send(SessionAppend, { sessionId: long.id, kind: i % 2 ? 'prompt' : 'system', text: `Long history, turn ${i}` });
  }
  await send(SessionEnd, { sessionId: long.id });
  const older = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: 'http://127.0.0.1:8', ...here('codex', { sourceId: '0199a1b2-77c4-7d21-9a60-2f1e3c4b5a69' }) });
  await send(SessionAppend, { sessionId: older.id, kind: 'prompt', text: 'Why is the nightly build slow?' });
  await send(SessionAppend, { sessionId: older.id, kind: 'system', text: 'The cache was cold.' });
  await send(SessionEnd, { sessionId: older.id });
  let nvimUlid: string | undefined;
  if (v3) {
    const other = await send(SessionStart, { cliVersion: 'ui-test seed', source: 'codex', project: elsewhere });
    await send(SessionAppend, { sessionId: other.id, kind: 'prompt', text: ELSEWHERE });
    await send(SessionEnd, { sessionId: other.id });
    const nvim = await send(SessionStart, { cliVersion: 'sessiond.nvim 0.1.0', ...here('nvim') });
    await send(SessionAppend, { sessionId: nvim.id, kind: 'prompt', text: NVIM });
    await send(SessionEnd, { sessionId: nvim.id });
    nvimUlid = nvim.ulid;
    const claude = await send(SessionStart, { cliVersion: 'claude-code 2.0.14', ...here('claude-code', { sourceId: '5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01', branch: 'main' }) });
    await send(SessionAppend, { sessionId: claude.id, kind: 'prompt', text: CLAUDE.prompt });
    const answer = 'The test writes to `/tmp/upload`, which **CI** mounts read-only. Use `tmp_path` instead.';
    await send(SessionAppend, { sessionId: claude.id, kind: 'system', text: answer, meta: { model: CLAUDE.model, usage: CLAUDE_USAGE } });
    await send(SessionEnd, { sessionId: claude.id });
    await send(SessionRename, { sessionId: claude.id, title: CLAUDE.title });
  }
  const s = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: engineUrl, ...here('vscode') });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: SEEDED_PROMPT });
  await send(SessionAppend, { sessionId: s.id, kind: 'command', text: 'keys rotate --dry-run' });
  const meta = v3 ? { meta: { model: LOCAL_MODEL, usage: { inputTokens: 812, outputTokens: 164 } } } : {};
  await send(SessionAppend, { sessionId: s.id, kind: 'system', text: SEEDED_REPLY, ...meta });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: XSS });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: SCRIPT });
  if (caps.protocolVersion >= 2) await send(SessionRename, { sessionId: s.id, title: TITLE });
  const live = caps.protocolVersion >= 2 && (await d.conn.sendRequest(SessionSubscribe).then(() => true, () => false));
  assert.equal(await d.close(), 0, d.stderr());
  return { ulid: s.ulid, caps, live, nvimUlid };
}

/** The name the tree and the history use for the seeded session. */
function seededName(caps: SessiondCapabilities): string {
  return caps.protocolVersion >= 2 ? TITLE : SEEDED_PROMPT;
}

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** True when the sessiond on PATH has `command` (`import`: contract version 2; `resume`: 3). */
function hasCommand(command: string): boolean {
  const [program, ...args] = daemonCommand();
  return spawnSync(program, [...args, command, '--help'], { stdio: 'ignore' }).status === 0;
}

const skip = skipReason();

test('the Sessions sidebar, the History view and editor tabs in a real VS Code', { skip, timeout: 400_000 }, async (t) => {
  let seeded: Seeded = { ulid: '', caps: { protocolVersion: 1, maxTextBytes: 0 }, live: false };
  let db = '';
  // A chat engine on loopback, for a daemon that answers chat/send.
  const engine = await startEngine(STREAMED, 300);
  t.after(() => engine.close());
  // The database setting holds a marker standing for a secret (a PostgreSQL URI's
  // password): it must reach the extension's daemon in its environment, never on
  // a command line. Only the database's own folder bears it.
  const marker = `secret-${randomBytes(8).toString('hex')}`;
  const prepare = async (dir: string) => {
    mkdirSync(join(dir, marker));
    db = join(dir, marker, 'sessions.db');
    // code-server opens join(dir, 'workspace') (codeServer.ts).
    seeded = await seed(db, engine.baseUrl, join(dir, 'workspace'), join(dir, 'elsewhere', 'billing'));
    return { 'sessiond.dbPath': db, 'sessiond.command': daemonCommand(), 'sessiond.engineBaseUrl': engine.baseUrl };
  };
  await withWorkbench(t, 'main', prepare, async ({ page, dir, step }) => {
    const { ulid, caps, live } = seeded;
    const v3 = caps.protocolVersion >= 3;
    const resumes = v3 && hasCommand('resume');
    const workspace = join(dir, 'workspace');
    const name = seededName(caps);
    const dialogs: string[] = [];
    page.on('dialog', (dlg) => {
      dialogs.push(dlg.message());
      void dlg.dismiss();
    });
    step(`daemon speaks protocol version ${caps.protocolVersion}${live ? ', notifications' : ''}${caps.chat ? ', chat' : ''}`);

    // At the default width: the whole name first (never cut in its text), then the
    // count and time, which VS Code cuts first; the state in the icon and the
    // accessible name; grouped by day.
    const row = treeRow(page, name.slice(0, 12));
    await row.waitFor({ timeout: 60_000 });
    await treeRow(page, 'Today').waitFor();
    const older = treeRow(page, 'Why is the');
    await older.waitFor();
    const label = await labelFits(row);
    assert.equal(label.text, name);
    if (caps.protocolVersion >= 2) assert.equal(label.fits, 'fits', `the ${name.length}-character title is cut`);
    // Version 3: the source after the count and time; the workspace's own folder goes without saying.
    assert.match((await row.locator('.label-description').textContent()) ?? '', v3 ? /^5 · \d\d:\d\d · vscode$/ : /^5 · \d\d:\d\d$/);
    assert.match((await older.locator('.label-description').textContent()) ?? '', v3 ? /^⚠ · 2 · \d\d:\d\d · codex$/ : /^⚠ · 2 · \d\d:\d\d$/);
    const heard = v3 ? 'active \\d\\d:\\d\\d, from vscode, in workspace' : 'started \\d\\d:\\d\\d';
    await sessionRow(page, new RegExp(`^${literal(name)}, live, 5 events, ${heard}$`)).waitFor();
    await sessionRow(page, /^Why is the nightly build slow\?, ended, 2 events/).waitFor();
    step('tree rows show the whole name');

    if (v3) {
      await workspaceFirst(page);
      step('the workspace\'s sessions first; the toggle shows every folder\'s, and back');
      await modelsAndTokens(page, resumes);
      step(`a Claude Code session's header names its model and tokens${resumes ? ', with Resume in Claude Code' : ''}`);
    } else {
      t.diagnostic(`the daemon speaks protocol version ${caps.protocolVersion}: the workspace's sessions, sources, models and Resume were not tried`);
    }

    // The daemon the extension runs has the database in its environment, not on its command line.
    const all = processes();
    const daemons = all.filter((p) => p.environ.includes(`SESSIOND_DB=${db}`));
    assert.ok(daemons.length > 0, 'no process has the database setting in its environment');
    assert.ok(daemons.some((p) => p.cmdline.includes('--stdio')), JSON.stringify(daemons.map((p) => p.cmdline)));
    const shown = all.filter((p) => p.cmdline.some((a) => a.includes(marker)));
    assert.deepEqual(shown.map((p) => p.cmdline.join(' ')), [], 'the database setting is on a command line');
    step(`database setting in the daemon's environment only (pid ${daemons.map((p) => p.pid).join(', ')})`);

    // With nothing shown, the History title bar offers no session buttons.
    assert.equal(await page.locator('.pane-header', { hasText: 'History' }).locator('[aria-label="End Session"]').count(), 0);

    // A long history shows its newest 200 turns; the button above them says how many
    // more there are, and sits above the first turn, not over it.
    await treeRow(page, 'Long history').click();
    const view = await sideHistory(page);
    const earlier = view.locator('#earlier', { hasText: `Show ${LONG_TURNS - 200} earlier events` });
    await earlier.waitFor({ timeout: 30_000 });
    await view.locator('#scroll').evaluate((e) => (e.scrollTop = 0));
    const [button, firstTurn] = [await earlier.boundingBox(), await view.locator('.event').first().boundingBox()];
    assert.ok(button && firstTurn && button.y + button.height <= firstTurn.y + 0.5, `the button ${JSON.stringify(button)} overlaps the first turn ${JSON.stringify(firstTurn)}`);
    await earlier.click();
    await view.locator('.event[data-seq="1"]').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('#earlier').isVisible(), false);
    step('earlier events counted, shown on demand');

    await row.click();
    await view.locator('.event.kind-prompt', { hasText: SEEDED_PROMPT }).waitFor({ timeout: 30_000 });
    await view.locator('.event.kind-command', { hasText: 'keys rotate --dry-run' }).waitFor();
    // The reply is markdown: bold, a highlighted Python block with a copy button, a link.
    const reply = view.locator('.event.kind-system');
    await reply.locator('strong', { hasText: 'first' }).waitFor();
    // A reply is headed by the model that wrote it, when the turn names it (version 3).
    assert.equal(await reply.locator('.kind').textContent(), v3 ? LOCAL_MODEL : 'Reply');
    const code = reply.locator('pre code.hljs.language-python');
    await code.locator('.hljs-keyword', { hasText: 'def' }).waitFor();
    assert.equal(await code.textContent(), CODE);
    assert.match(await code.locator('.hljs-keyword').first().evaluate((e) => getComputedStyle(e).color), /^rgb/);
    step('markdown rendered and highlighted');

    // Stored markup is text: no <img>, no <script>, nothing ran.
    await view.getByText(XSS, { exact: true }).waitFor();
    await view.getByText(SCRIPT, { exact: true }).waitFor();
    assert.equal(await view.locator('#events img, #events script').count(), 0);
    assert.notEqual(await view.locator('body').evaluate(() => document.title), 'pwned');

    await reply.locator('.copy-code').click();
    await reply.locator('.copy-code', { hasText: 'Copied' }).waitFor();
    assert.equal(await clipboard(page), CODE);
    step('copy button copied the code');

    // A link goes through VS Code's opener (the webview's sandbox allows no popup of its own):
    // code-server opens it in a new browser tab, a loopback address through its own port
    // proxy (VS Code's resolveExternalUri at work), and the history stays where it was.
    await page.context().route('**/keys-guide', (route) => route.fulfill({ contentType: 'text/plain', body: 'the guide' }));
    const popup = page.waitForEvent('popup', { timeout: 15_000 });
    await reply.locator('a', { hasText: 'the guide' }).click();
    const opened = await popup;
    assert.match(opened.url(), /^http:\/\/127\.0\.0\.1:\d+\/proxy\/9\/keys-guide$/);
    await opened.close();
    await reply.locator('strong', { hasText: 'first' }).waitFor();
    step('link opened through VS Code');

    // Ctrl+F finds in the open history.
    await reply.locator('strong').click();
    await page.keyboard.press('Control+f');
    await view.locator('#find-input').waitFor();
    await view.locator('#find-input').fill('key');
    await view.locator('#find-count', { hasText: /^1 of \d+$/ }).waitFor();
    assert.ok((await view.locator('mark.find').count()) >= 3);
    await page.keyboard.press('Escape');
    await view.locator('#find').waitFor({ state: 'hidden' });
    assert.equal(await view.locator('mark.find').count(), 0);
    step('find in history');

    const input = view.locator('#input');
    await input.fill(TYPED);
    await input.press('Enter');
    await view.locator('.event.kind-prompt', { hasText: TYPED }).waitFor({ timeout: 30_000 });
    let count = 6;
    if (caps.chat) {
      // The reply shows while it streams, then as the stored event.
      await view.locator('.streaming', { hasText: 'Streamed reply' }).waitFor({ timeout: 30_000 });
      assert.ok(!((await view.locator('.streaming').textContent()) ?? '').includes('engine.'), 'the whole reply came at once');
      assert.ok(await view.locator('#stop').isVisible(), 'Stop reply shows while it streams');
      const stored = view.locator('.event.kind-system:not(.streaming)', { hasText: STREAMED.join('') });
      await stored.waitFor({ timeout: 30_000 });
      // The daemon recorded the engine's model on the reply: its heading names it.
      if (v3) assert.equal(await stored.locator('.kind').textContent(), 'stand-in');
      await view.locator('.streaming').waitFor({ state: 'detached' });
      await view.locator('#stop').waitFor({ state: 'hidden' });
      // The daemon sends the session's turns, the typed one last (consecutive prompts may be joined).
      assert.ok(engine.requests.at(-1)?.messages?.at(-1)?.content.endsWith(TYPED), JSON.stringify(engine.requests.at(-1)));
      count += 1;
      step('streamed reply shown');
    } else {
      t.diagnostic('the daemon has no chat/send: the streamed reply was not tried');
    }
    // The tree follows the change too.
    await sessionRow(page, new RegExp(`^${literal(name)}, live, ${count} events`)).waitFor({ timeout: 30_000 });
    const [program, ...args] = daemonCommand();
    const printed = run(program, [...args, 'show', ulid, '--db', db]);
    assert.ok(printed.includes(TYPED), `sessiond show ${ulid} lacks the typed turn:\n${printed}`);
    step('typed turn stored');

    // Open in Editor: the history in a tab of its own, titled by the session.
    await page.locator('.pane-header', { hasText: 'History' }).locator('[aria-label="Open in Editor"]').click();
    await page.locator('.tabs-container .tab', { hasText: name.slice(0, 20) }).waitFor({ timeout: 30_000 });
    const tab = await editorHistory(page);
    await tab.locator('pre code.language-python .hljs-keyword').first().waitFor({ timeout: 30_000 });
    if (v3) {
      // For the screenshot: the side bar shows a Claude Code session, its model, tokens and Resume.
      await treeRow(page, CLAUDE.title).click();
      await view.locator('header .usage', { hasText: CLAUDE.model }).waitFor({ timeout: 30_000 });
      if (resumes) await view.locator('header button.resume').waitFor({ timeout: 30_000 });
    }
    await arrangeViews(page, 460, 270);
    await page.screenshot({ path: join(ARTIFACTS, 'sessions-and-history.png') });
    step('history in an editor tab; screenshot saved');

    if (resumes && seeded.nvimUlid) {
      await resumeInTerminal(page, seeded.nvimUlid, db, workspace, marker);
      step('Resume in Neovim ran sessiond resume in a terminal: Neovim in the session\'s folder, the database in its environment');
    } else if (v3) {
      t.diagnostic('this sessiond has no resume command yet: Resume in a terminal was not tried');
    }

    if (caps.protocolVersion >= 2) count = await v2Checks({ page, db, ulid, name, count, live, step, project: v3 ? workspace : undefined });
    else t.diagnostic('the daemon speaks protocol version 1: search, rename, trash and live updates were not tried');
    if (hasCommand('import')) {
      await importAider(page, dir);
      step('aider history imported with progress');
    } else {
      t.diagnostic('this sessiond has no import command: Import History was not tried');
    }

    // End it from the History title bar; typing then continues it in a new session.
    await page.locator('.pane-header', { hasText: 'History' }).locator('[aria-label="End Session"]').click();
    await sessionRow(page, new RegExp(`^${literal(name)}, ended, ${count} events`)).waitFor({ timeout: 30_000 });
    await view.locator('#input[placeholder*="continues it"]').waitFor();
    // Said in one line above the box before anything is typed, and while typing.
    await view.locator('#notice', { hasText: '↳ This session has ended: what you send starts a new session that continues it.' }).waitFor();
    await input.fill(FOLLOW_UP);
    await input.press('Enter');
    await view.locator('.event.kind-prompt', { hasText: FOLLOW_UP }).waitFor({ timeout: 30_000 });
    const child = treeRow(page, /↳ One more/);
    await child.waitFor({ timeout: 30_000 });
    // The selection moves to the continuation, and its history links the parent by name.
    await page.locator('.part.sidebar .monaco-list-row.selected', { hasText: /↳ One more/ }).waitFor({ timeout: 30_000 });
    await view.locator('header .session-link', { hasText: name.slice(0, 20) }).click();
    await view.locator('header .title', { hasText: name.slice(0, 20) }).waitFor({ timeout: 30_000 });
    await view.locator('footer .session-link', { hasText: FOLLOW_UP.slice(0, 20) }).waitFor();
    step('ended, continued, and linked both ways');

    // The editor tab survives a reload of the window (its serializer reopens the session).
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.tabs-container .tab', { hasText: name.slice(0, 20) }).click({ timeout: 30_000 });
    const restored = await editorHistory(page);
    await restored.locator('pre code.language-python .hljs-keyword').first().waitFor({ timeout: 30_000 });
    await restored.locator('.event.kind-prompt', { hasText: TYPED }).waitFor();
    step('editor tab restored after a reload');

    // Pointing sessiond.dbPath elsewhere in the Settings editor restarts the daemon on that store.
    await page.keyboard.press('Control+Comma');
    await page.locator('.settings-editor .suggest-input-container').click();
    await page.keyboard.type('sessiond');
    const setting = (text: string) => page.locator('.settings-editor .setting-item-contents', { hasText: text }).locator('input');
    const otherDb = join(dir, 'other.db');
    await setting('in its environment').fill(otherDb);
    await setting('in its environment').press('Tab');
    await page.locator('.pane-body', { hasText: 'No sessions yet.' }).first().waitFor({ timeout: 30_000 });
    // The open tab's session is not in that store: the tab says so (no error message).
    await (await editorHistory(page)).locator('header', { hasText: 'is not in the database sessiond uses now' }).waitFor({ timeout: 30_000 });
    step('dbPath change followed');

    // No engine anywhere (the setting emptied, the daemon started without one): the box
    // says so before anything is sent, and a turn is stored alone, with no warning turn.
    const settingsFile = join(dir, 'user-data', 'User', 'settings.json');
    for (let attempt = 1; ; attempt++) {
      await setting('engine URL recorded').fill('');
      await setting('engine URL recorded').press('Tab');
      if (await untilSetting(settingsFile, 'sessiond.engineBaseUrl', (v) => v === undefined || v === '', 10_000)) break;
      // The Settings editor re-rendered (after the database change) and dropped the edit: make it again.
      if (attempt === 3) throw new Error('the Settings editor did not apply an empty sessiond.engineBaseUrl');
    }
    const side = await sideHistory(page);
    if (seeded.caps.engine === false) {
      await side.locator('#notice', { hasText: 'No engine is set: your turns are kept as notes' }).waitFor({ timeout: 30_000 });
      assert.match((await side.locator('#input').getAttribute('placeholder')) ?? '', /no reply.*sessiond\.engineBaseUrl/);
      await side.locator('#notice .open-setting', { hasText: 'sessiond.engineBaseUrl' }).waitFor();
      // This VS Code opens Settings as a modal editor: close it (once the setting is
      // applied, as the notice shows) to see the side bar whole.
      await page.locator('.modal-editor-part [aria-label^="Close Modal Editor"]').click();
      await page.locator('.settings-editor').waitFor({ state: 'hidden', timeout: 15_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'no-engine.png') });
      step('engine-less box says so; artifacts/no-engine.png saved');
      await side.locator('#input').fill(NOTE);
      await side.locator('#input').press('Enter');
      await side.locator('.event.kind-prompt', { hasText: NOTE }).waitFor({ timeout: 30_000 });
      const d = await startDaemon(['--db', otherDb]);
      try {
        const { sessions } = await d.conn.sendRequest(SessionList, { limit: 10 });
        assert.equal(sessions.length, 1);
        const { events } = await d.conn.sendRequest(SessionEvents, { sessionId: sessions[0].id, limit: 10 });
        assert.deepEqual(events.map((e) => [e.kind, e.text]), [['prompt', NOTE]], 'only the turn is stored');
      } finally {
        await d.close();
      }
      const toasts = await page.locator('.notifications-toasts .notification-toast').allTextContents();
      assert.ok(!toasts.some((m) => /engine|no session has/i.test(m)), JSON.stringify(toasts));
      step('a turn without an engine stored alone, no warning turn, no message');
    } else {
      t.diagnostic('the daemon does not say whether it has an engine (capabilities.experimental.sessiond.engine): the engine-less box was not tried');
    }
    assert.deepEqual(dialogs, []);
  });
});

/** Resolves true once settings.json's `key` satisfies `ok` (on each write of its folder), false after `ms`. */
function untilSetting(file: string, key: string, ok: (value: unknown) => boolean, ms: number): Promise<boolean> {
  const holds = () => {
    try {
      return ok((JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[key]);
    } catch {
      return false; // being written
    }
  };
  if (holds()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      watcher.close();
      clearTimeout(timer);
      resolve(value);
    };
    const watcher = watch(dirname(file), () => holds() && done(true));
    const timer = setTimeout(() => done(holds()), ms);
  });
}

/** Only the workspace's sessions, then a row for all folders; the title-bar toggle shows every folder's, and back. */
async function workspaceFirst(page: Page): Promise<void> {
  const header = page.locator('.pane-header', { hasText: 'Sessions' });
  await header.locator('.description', { hasText: 'workspace' }).waitFor({ timeout: 15_000 });
  await treeRow(page, 'Show sessions of all folders').waitFor();
  assert.equal(await treeRow(page, ELSEWHERE.slice(0, 20)).count(), 0, 'another folder\'s session is listed');
  await header.locator('[aria-label="Show Sessions of All Folders"]').click();
  const other = treeRow(page, ELSEWHERE.slice(0, 20));
  await other.waitFor({ timeout: 15_000 });
  // Every folder's list names each one's folder.
  assert.match((await other.locator('.label-description').textContent()) ?? '', /^1 · \d\d:\d\d · codex · billing$/);
  assert.match((await treeRow(page, NVIM.slice(0, 20)).locator('.label-description').textContent()) ?? '', /· nvim · workspace$/);
  await header.locator('.description', { hasText: 'all folders' }).waitFor();
  assert.equal(await treeRow(page, 'Show sessions of all folders').count(), 0);
  await header.locator('[aria-label="Show This Workspace\'s Sessions"]').click();
  await other.waitFor({ state: 'detached', timeout: 15_000 });
}

/** The Claude Code session's header: where, the model and tokens; its reply headed by the model; Resume when the CLI has it. */
async function modelsAndTokens(page: Page, resumes: boolean): Promise<void> {
  const row = treeRow(page, CLAUDE.title);
  await row.click();
  const view = await sideHistory(page);
  const usage = view.locator('header .usage');
  await usage.waitFor({ timeout: 30_000 });
  assert.equal(await usage.textContent(), `${CLAUDE.model} · 1.2k in · 3.4k out · 52k cache read · 8.1k cache write`);
  assert.match((await view.locator('header .where').textContent()) ?? '', /^claude-code · .*workspace · ⎇ main$/);
  assert.equal(await view.locator('.event.kind-system .kind').textContent(), CLAUDE.model);
  if (!resumes) return;
  const button = view.locator('header button.resume');
  await button.waitFor({ timeout: 30_000 });
  assert.equal(await button.textContent(), 'Resume in Claude Code');
  assert.match((await button.getAttribute('title')) ?? '', /claude --resume 5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01/);
  // The row's context menu offers it too (not the one of a session held in VS Code).
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Resume in Its Program' }).waitFor({ timeout: 15_000 });
  await page.keyboard.press('Escape');
  await treeRow(page, TITLE.slice(0, 12)).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Open in Editor' }).waitFor();
  assert.equal(await page.getByRole('menuitem', { name: 'Resume in Its Program' }).count(), 0);
  await page.keyboard.press('Escape');
}

/** Waits (polling /proc: no event tells) for a process this user runs that `match`es. */
async function processMatching(page: Page, match: (p: ReturnType<typeof processes>[number]) => boolean, what: string): Promise<ReturnType<typeof processes>[number]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = processes().find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no process ${what} within 30 s`);
    await page.waitForTimeout(200);
  }
}

/**
 * Resume in Neovim: `sessiond resume ULID` in a terminal becomes `nvim
 * +SessiondContinue ULID` (the CLI's command for a Neovim session) in the
 * session's folder. Neovim is real; without the plugin it says the command is
 * unknown and stays open, which is all this needs.
 */
async function resumeInTerminal(page: Page, nvimUlid: string, db: string, workspace: string, marker: string): Promise<void> {
  await treeRow(page, NVIM.slice(0, 20)).click();
  const view = await sideHistory(page);
  const button = view.locator('header button.resume', { hasText: 'Resume in Neovim' });
  await button.waitFor({ timeout: 30_000 });
  assert.match((await button.getAttribute('title')) ?? '', new RegExp(`nvim '\\+SessiondContinue ${nvimUlid}'`));
  await button.click();
  const nvim = await processMatching(page, (p) => p.cmdline.some((a) => a === `+SessiondContinue ${nvimUlid}`), `running nvim +SessiondContinue ${nvimUlid}`);
  assert.ok(nvim.environ.includes(`SESSIOND_DB=${db}`), 'the terminal does not hand the database over in its environment');
  assert.equal(readlinkSync(`/proc/${nvim.pid}/cwd`), workspace, 'not in the session\'s folder');
  const shown = processes().filter((p) => p.cmdline.some((a) => a.includes(marker)));
  assert.deepEqual(shown.map((p) => p.cmdline.join(' ')), [], 'the database is on a command line');
  // Close it as a person would; Neovim ends with its terminal.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Terminal: Kill the Active Terminal Instance');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Kill the Active Terminal Instance' }).first().click();
  const deadline = Date.now() + 30_000;
  while (processes().some((p) => p.pid === nvim.pid)) {
    if (Date.now() > deadline) throw new Error(`Neovim (pid ${nvim.pid}) did not end with its terminal`);
    await page.waitForTimeout(200); // polling /proc: no event tells a process ended
  }
}

test('a daemon command that cannot be started is reported with its fix', { skip, timeout: 300_000 }, async (t) => {
  const missing = join(ROOT, 'no-such-dir', 'sessiond');
  const prepare = async () => ({ 'sessiond.command': [missing] });
  await withWorkbench(t, 'missing', prepare, async ({ page, step }) => {
    const toast = page.locator('.notifications-toasts').getByText(/does not exist or is not executable/);
    await toast.waitFor({ timeout: 60_000 });
    const text = (await toast.textContent()) ?? '';
    assert.ok(text.includes(missing) && !text.includes('on PATH'), text);
    assert.match(text, /pip install sessiond.*correct "sessiond\.command"/);
    await page.locator('.pane-body', { hasText: 'sessiond is not running' }).first().waitFor();
    step('missing command reported');
  });
});
