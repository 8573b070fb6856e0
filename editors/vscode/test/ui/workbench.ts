// The UI test's harness: a fresh code-server and Chromium per run, and ways
// to reach the parts of VS Code's page (the tree, the webviews, dialogs).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { skipWithoutDaemon } from '../daemon';
import { type CodeServer, startCodeServer, tail } from './codeServer';
import { ARTIFACTS, CHROMIUM, missingTools } from './tools';

export function skipReason(): string | false {
  const daemon = skipWithoutDaemon();
  if (daemon) return daemon;
  const missing = missingTools();
  if (missing.length === 0) return false;
  if (process.env.SESSIOND_TESTS_STRICT === '1') throw new Error(`missing: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')}`;
}

export interface Workbench {
  page: Page;
  dir: string;
  step: (name: string) => void;
}

/**
 * Runs `body` against a fresh code-server (settings from `prepare(dir)`) in a
 * fresh Chromium; on failure saves artifacts/failure-NAME.png, prints the
 * code-server log's tail, and keeps the temp folder.
 */
export async function withWorkbench(
  t: TestContext,
  name: string,
  prepare: (dir: string) => Promise<Record<string, unknown>>,
  body: (w: Workbench) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `sessiond-vscode-ui-${name}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  const t0 = performance.now();
  const step = (what: string) => {
    const line = `${name} ${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}`;
    t.diagnostic(line);
    // Also at once, so a run that hangs shows how far it got.
    if (process.env.SESSIOND_UI_VERBOSE === '1') process.stderr.write(`${line}\n`);
  };
  let server: CodeServer | undefined;
  let failed = false;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  try {
    const settings = await prepare(dir);
    step('seeded');
    server = await startCodeServer(dir, settings);
    step('code-server listening');
    // The copy buttons write through VS Code to the browser's clipboard; let the test read it back.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
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

/** A row of the Sessions tree. */
export function treeRow(page: Page, text: string | RegExp): Locator {
  return page.locator('.part.sidebar .monaco-list-row', { hasText: text });
}

/**
 * A session's row by what a screen reader hears, `NAME, STATE, N events,
 * started TIME` (the state is not in the row's text, only in its icon).
 */
export function sessionRow(page: Page, name: RegExp): Locator {
  return page.locator('.part.sidebar').getByRole('treeitem', { name });
}

/** The page inside a webview: VS Code puts each in an iframe holding the content's iframe. */
function inner(frame: Locator): FrameLocator {
  return frame.contentFrame().locator('iframe#active-frame').contentFrame();
}

/** The History view's page (the webview in the side bar). */
export async function sideHistory(page: Page): Promise<FrameLocator> {
  return inner(await webviewFrame(page, 'side'));
}

/** The page of the history open in an editor tab. */
export async function editorHistory(page: Page): Promise<FrameLocator> {
  return inner(await webviewFrame(page, 'editor'));
}

/** The visible webview iframe left of the side bar's right edge (side) or right of it (editor). */
async function webviewFrame(page: Page, where: 'side' | 'editor'): Promise<Locator> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const bar = await page.locator('.part.sidebar').boundingBox();
    const frames = page.locator('iframe.webview');
    for (let i = 0; i < (await frames.count()); i++) {
      const box = await frames.nth(i).boundingBox();
      if (!bar || !box || box.width < 10 || box.height < 10) continue;
      const inSide = box.x < bar.x + bar.width - 5;
      if (inSide === (where === 'side')) return frames.nth(i);
    }
    if (Date.now() > deadline) throw new Error(`no ${where} webview is shown`);
    await page.waitForTimeout(100); // polling the layout: no event says a webview was placed
  }
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
  await page.mouse.move(1, 1);
}

/** For the screenshot: a wider side bar, and more of it for History than for the short list. */
export async function arrangeViews(page: Page, width: number, historyTop: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) throw new Error('no side bar');
  await drag(page, { x: bar.x + bar.width + 1, y: bar.y + bar.height / 2 }, { x: bar.x + width, y: bar.y + bar.height / 2 });
  await page.waitForFunction((w) => (document.querySelector('.part.sidebar')?.getBoundingClientRect().width ?? 0) > w, bar.width + 50);
  const header = page.locator('.pane-header', { hasText: 'History' });
  const h = await header.boundingBox();
  if (!h) throw new Error('no History header');
  await drag(page, { x: h.x + h.width / 2, y: h.y }, { x: h.x + h.width / 2, y: bar.y + historyTop });
}

/** Whether a tree row's name is wholly visible (not cut by the row's ellipsis), and its text. */
export function labelFits(row: Locator): Promise<{ text: string; fits: string }> {
  return row.evaluate((r) => {
    const name = r.querySelector('.label-name');
    const c = r.querySelector('.monaco-icon-label-container');
    if (!name || !c) return { text: '', fits: 'no label' };
    const [nr, cr] = [name.getBoundingClientRect(), c.getBoundingClientRect()];
    const fits = nr.right <= cr.right + 0.5 && nr.width > 0 ? 'fits' : `cut: the name ends at ${nr.right}, the row at ${cr.right}`;
    return { text: name.textContent ?? '', fits };
  });
}
