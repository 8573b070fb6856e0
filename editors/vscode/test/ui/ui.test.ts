// A real VS Code (code-server) in Debian's Chromium, driven by playwright-core:
// the Sessions view lists a session seeded through the real daemon, the
// History view shows its turns as text, and a turn typed there is stored.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { SessionAppend, SessionEnd, SessionStart } from '../../src/protocol';
import { daemonCommand, skipWithoutDaemon, startDaemon } from '../daemon';
import { type CodeServer, startCodeServer, tail } from './codeServer';
import { ARTIFACTS, CHROMIUM, missingTools, run } from './tools';

const XSS = '<img src=x onerror=alert(1)>';
const SEEDED_PROMPT = 'How do I rotate the API keys safely?';
const SEEDED_REPLY = 'Create the new key first, deploy it, then revoke the old one.';
const TYPED = 'Typed in the history view by the UI test';
const FOLLOW_UP = 'One more question after the end';

function skipReason(): string | false {
  const daemon = skipWithoutDaemon();
  if (daemon) return daemon;
  const missing = missingTools();
  if (missing.length === 0) return false;
  if (process.env.SESSIOND_TESTS_STRICT === '1') throw new Error(`missing: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')}`;
}

/** Seeds two sessions through the real daemon; returns the newest one's ULID. */
async function seed(db: string): Promise<string> {
  const d = await startDaemon(['--db', db]);
  const send = d.conn.sendRequest.bind(d.conn);
  const older = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: 'http://127.0.0.1:8' });
  await send(SessionAppend, { sessionId: older.id, kind: 'prompt', text: 'Why is the nightly build slow?' });
  await send(SessionAppend, { sessionId: older.id, kind: 'system', text: 'The cache was cold.' });
  await send(SessionEnd, { sessionId: older.id });
  const s = await send(SessionStart, { cliVersion: 'ui-test seed', engineBaseUrl: 'http://127.0.0.1:9' });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: SEEDED_PROMPT });
  await send(SessionAppend, { sessionId: s.id, kind: 'command', text: 'keys rotate --dry-run' });
  await send(SessionAppend, { sessionId: s.id, kind: 'system', text: SEEDED_REPLY });
  await send(SessionAppend, { sessionId: s.id, kind: 'prompt', text: XSS });
  assert.equal(await d.close(), 0, d.stderr());
  return s.ulid;
}

function history(page: Page) {
  // VS Code puts each webview in an iframe holding the content's iframe.
  return page.frameLocator('iframe.webview').first().frameLocator('iframe#active-frame');
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
  await page.mouse.move(1, 1);
}

/** For the screenshot: a wider side bar, and more of it for History than for the short list. */
async function arrangeViews(page: Page): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) throw new Error('no side bar');
  await drag(page, { x: bar.x + bar.width + 1, y: bar.y + bar.height / 2 }, { x: bar.x + 560, y: bar.y + bar.height / 2 });
  await page.waitForFunction((w) => (document.querySelector('.part.sidebar')?.getBoundingClientRect().width ?? 0) > w, bar.width + 100);
  const header = page.locator('.pane-header', { hasText: 'History' });
  const h = await header.boundingBox();
  if (!h) throw new Error('no History header');
  await drag(page, { x: h.x + h.width / 2, y: h.y }, { x: h.x + h.width / 2, y: bar.y + 160 });
  await page.waitForFunction((y) => {
    const headers = Array.from(document.querySelectorAll('.pane-header')).filter((e) => e.textContent?.includes('History'));
    return headers.length > 0 && headers[0].getBoundingClientRect().y < y;
  }, h.y - 100);
}

interface Workbench {
  page: Page;
  dir: string;
  step: (name: string) => void;
}

/**
 * Runs `body` against a fresh code-server (settings from `settings(dir)`) in a
 * fresh Chromium; on failure saves artifacts/failure-NAME.png, prints the
 * code-server log's tail, and keeps the temp folder.
 */
async function withWorkbench(
  t: TestContext,
  name: string,
  prepare: (dir: string) => Promise<Record<string, unknown>>,
  body: (w: Workbench) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `sessiond-vscode-ui-${name}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  const t0 = performance.now();
  const step = (what: string) => t.diagnostic(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  let server: CodeServer | undefined;
  let failed = false;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  try {
    server = await startCodeServer(dir, await prepare(dir));
    step('code-server listening');
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    step('workbench loaded');
    // Open the Sessions container from the activity bar, as a person would.
    await page.locator('.activitybar [aria-label^="Sessions"]').first().click();
    await body({ page, dir, step });
  } catch (e) {
    failed = true;
    await page.screenshot({ path: join(ARTIFACTS, `failure-${name}.png`) }).catch(() => undefined);
    if (server) t.diagnostic(`code-server log (tail):\n${tail(server.log)}`);
    throw e;
  } finally {
    await browser.close();
    await server?.stop();
    // A failed run keeps its folder (user data with logs, database) to look into.
    if (failed) t.diagnostic(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const skip = skipReason();

test('the Sessions sidebar and History view in a real VS Code', { skip, timeout: 300_000 }, async (t) => {
  let ulid = '';
  let db = '';
  const prepare = async (dir: string) => {
    db = join(dir, 'sessions.db');
    ulid = await seed(db);
    return { 'sessiond.dbPath': db, 'sessiond.command': daemonCommand(), 'sessiond.engineBaseUrl': 'http://127.0.0.1:9' };
  };
  await withWorkbench(t, 'main', prepare, async ({ page, dir, step }) => {
    const dialogs: string[] = [];
    page.on('dialog', (dlg) => {
      dialogs.push(dlg.message());
      void dlg.dismiss();
    });
    const row = page.locator('.monaco-list-row', { hasText: 'How do I rotate the API' });
    await row.waitFor({ timeout: 60_000 });
    const older = page.locator('.monaco-list-row', { hasText: 'Why is the nightly build' });
    await older.waitFor();
    await arrangeViews(page);
    assert.match((await row.textContent()) ?? '', /4 events · live$/);
    // Recorded against another engine than the setting: marked.
    assert.match((await older.textContent()) ?? '', /2 events · ended · ⚠ other engine/);
    step('seeded session listed');

    await row.click();
    const view = history(page);
    await view.locator('.event.kind-prompt', { hasText: SEEDED_PROMPT }).waitFor({ timeout: 30_000 });
    await view.locator('.event.kind-system', { hasText: SEEDED_REPLY }).waitFor();
    await view.locator('.event.kind-command', { hasText: 'keys rotate --dry-run' }).waitFor();
    step('history shows the turns');

    // The markup-looking turn is text: shown verbatim, no <img> made, no alert.
    await view.getByText(XSS, { exact: true }).waitFor();
    assert.equal(await view.locator('#events img').count(), 0);

    const input = view.locator('#input');
    await input.fill(TYPED);
    await input.press('Enter');
    await view.locator('.event.kind-prompt', { hasText: TYPED }).waitFor({ timeout: 30_000 });
    // The tree follows the change too.
    await page.locator('.monaco-list-row', { hasText: '5 events · live' }).waitFor({ timeout: 30_000 });
    step('typed turn shown');

    const [program, ...args] = daemonCommand();
    const shown = run(program, [...args, 'show', ulid, '--db', db]);
    assert.ok(shown.includes(TYPED), `sessiond show ${ulid} lacks the typed turn:\n${shown}`);
    assert.ok(shown.includes(XSS), shown);
    assert.deepEqual(dialogs, []);

    // The activity bar and side bar: the Sessions list above the History view.
    const side = await page.locator('.part.sidebar').boundingBox();
    const clip = side ? { x: 0, y: 0, width: side.x + side.width + 2, height: 760 } : undefined;
    await page.screenshot({ path: join(ARTIFACTS, 'sessions-and-history.png'), clip });
    step('screenshot saved');

    // End it from the History title bar; typing then continues it in a new session.
    await page.locator('.pane-header', { hasText: 'History' }).locator('[aria-label="End Session"]').click();
    await page.locator('.monaco-list-row', { hasText: '5 events · ended' }).waitFor({ timeout: 30_000 });
    await view.locator('#input[placeholder*="continues it"]').waitFor();
    await input.fill(FOLLOW_UP);
    await input.press('Enter');
    await view.locator('.event.kind-prompt', { hasText: FOLLOW_UP }).waitFor({ timeout: 30_000 });
    await view.locator('header', { hasText: `continues ${ulid}` }).waitFor();
    const child = page.locator('.monaco-list-row', { hasText: FOLLOW_UP.slice(0, 20) });
    await child.waitFor({ timeout: 30_000 });
    assert.match((await child.textContent()) ?? '', /1 event · live · ↳ from /);
    step('ended and continued');

    // Pointing sessiond.dbPath elsewhere in the Settings editor restarts the daemon on that store.
    await page.keyboard.press('Control+Comma');
    await page.locator('.settings-editor .suggest-input-container').click();
    await page.keyboard.type('sessiond.dbPath');
    const field = page.locator('.settings-editor .setting-item-contents', { hasText: 'passed as' }).locator('input');
    await field.fill(join(dir, 'other.db'));
    await field.press('Tab');
    await page.locator('.pane-body', { hasText: 'No sessions yet.' }).first().waitFor({ timeout: 30_000 });
    step('dbPath change followed');
  });
});

test('a daemon command that cannot be started is reported with its fix', { skip, timeout: 300_000 }, async (t) => {
  const prepare = async () => ({ 'sessiond.command': ['no-such-sessiond'] });
  await withWorkbench(t, 'missing', prepare, async ({ page, step }) => {
    const toast = page.locator('.notifications-toasts').getByText(/"no-such-sessiond" was not found on PATH/);
    await toast.waitFor({ timeout: 60_000 });
    assert.match((await toast.textContent()) ?? '', /pip install sessiond.*"sessiond\.command" to its full path/);
    await page.locator('.pane-body', { hasText: 'sessiond is not running' }).first().waitFor();
    step('missing command reported');
  });
});
