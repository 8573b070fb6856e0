// A real VS Code (code-server) in Debian's Chromium, driven by playwright-core:
// the Sessions tree lists sessions seeded through the real daemon, grouped and
// labelled; the History view renders their turns as sanitized markdown; a
// turn typed there is stored; histories open in editor tabs; and, with a
// version-2 daemon, search, rename, trash and live updates from another
// process work as a person would use them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
}

/** Seeds two sessions through the real daemon (the newest named when the daemon can rename). */
async function seed(db: string, engineUrl: string): Promise<Seeded> {
  const d = await startDaemon(['--db', db]);
  const caps = (d.init.capabilities.experimental as { sessiond: SessiondCapabilities }).sessiond;
  const send = d.conn.sendRequest.bind(d.conn);
  const long = await send(SessionStart, { cliVersion: 'ui-test seed' });
  for (let i = 1; i <= LONG_TURNS; i++) {
    await send(SessionAppend, { sessionId: long.id, kind: i % 2 ? 'prompt' : 'system', text: `Long history, turn ${i}` });
  }
  await send(SessionEnd, { sessionId: long.id });
  const older = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: 'http://127.0.0.1:8' });
  await send(SessionAppend, { sessionId: older.id, kind: 'prompt', text: 'Why is the nightly build slow?' });
  await send(SessionAppend, { sessionId: older.id, kind: 'system', text: 'The cache was cold.' });
  await send(SessionEnd, { sessionId: older.id });
  const s = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: engineUrl });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: SEEDED_PROMPT });
  await send(SessionAppend, { sessionId: s.id, kind: 'command', text: 'keys rotate --dry-run' });
  await send(SessionAppend, { sessionId: s.id, kind: 'system', text: SEEDED_REPLY });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: XSS });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: SCRIPT });
  if (caps.protocolVersion >= 2) await send(SessionRename, { sessionId: s.id, title: TITLE });
  const live = caps.protocolVersion >= 2 && (await d.conn.sendRequest(SessionSubscribe).then(() => true, () => false));
  assert.equal(await d.close(), 0, d.stderr());
  return { ulid: s.ulid, caps, live };
}

/** The name the tree and the history use for the seeded session. */
function seededName(caps: SessiondCapabilities): string {
  return caps.protocolVersion >= 2 ? TITLE : SEEDED_PROMPT;
}

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** True when the sessiond on PATH has the `import` command (contract version 2). */
function canImport(): boolean {
  const [program, ...args] = daemonCommand();
  return spawnSync(program, [...args, 'import', '--help'], { stdio: 'ignore' }).status === 0;
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
    seeded = await seed(db, engine.baseUrl);
    return { 'sessiond.dbPath': db, 'sessiond.command': daemonCommand(), 'sessiond.engineBaseUrl': engine.baseUrl };
  };
  await withWorkbench(t, 'main', prepare, async ({ page, dir, step }) => {
    const { ulid, caps, live } = seeded;
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
    assert.match((await row.locator('.label-description').textContent()) ?? '', /^5 · \d\d:\d\d$/);
    assert.match((await older.locator('.label-description').textContent()) ?? '', /^⚠ · 2 · \d\d:\d\d$/);
    await sessionRow(page, new RegExp(`^${literal(name)}, live, 5 events, started \\d\\d:\\d\\d$`)).waitFor();
    await sessionRow(page, /^Why is the nightly build slow\?, ended, 2 events/).waitFor();
    step('tree rows show the whole name');

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
      await view.locator('.event.kind-system:not(.streaming)', { hasText: STREAMED.join('') }).waitFor({ timeout: 30_000 });
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
    await arrangeViews(page, 460, 250);
    await page.screenshot({ path: join(ARTIFACTS, 'sessions-and-history.png') });
    step('history in an editor tab; screenshot saved');

    if (caps.protocolVersion >= 2) count = await v2Checks({ page, db, ulid, name, count, live, step });
    else t.diagnostic('the daemon speaks protocol version 1: search, rename, trash and live updates were not tried');
    if (canImport()) {
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
    await setting('engine URL recorded').fill('');
    await setting('engine URL recorded').press('Tab');
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
