// The UI test's version-2 part, run when the daemon announces protocol
// version 2: search from the Sessions title bar, a turn appended by another
// process appearing by itself, Rename (F2), Move to Trash with Undo, and
// restoring from the Trash node.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { SessionAppend, SessionGet, SessionStart } from '../../src/daemon/protocol';
import { startDaemon } from '../daemon';
import { sessionRow, sideHistory, treeRow } from './workbench';

export interface V2Run {
  page: Page;
  db: string;
  /** The seeded session, shown in the History view. */
  ulid: string;
  name: string;
  /** Its event count now. */
  count: number;
  /** The daemon serves session/subscribe: other processes' changes must show by themselves. */
  live: boolean;
  step: (what: string) => void;
  /** Version 3: the workspace folder, which sessions started elsewhere must name to be listed. */
  project?: string;
}

const FROM_ELSEWHERE = 'Appended by another process while the history is open';
const NEW_ELSEWHERE = 'Started elsewhere';

/** Runs the checks; returns the seeded session's event count afterwards. */
export async function v2Checks({ page, db, ulid, name, count, live, step, project }: V2Run): Promise<number> {
  const view = await sideHistory(page);

  // Search: type a query in the picker, choose the hit, see it marked in its history.
  await page.locator('.pane-header', { hasText: 'Sessions' }).locator('[aria-label="Search History…"]').click();
  const quick = page.locator('.quick-input-widget');
  if (project !== undefined) {
    // Version 3 (session/find): no session holds every word, so the closest are shown, and said to be.
    await quick.locator('input').fill('revoke zyzzyva');
    await quick.locator('.quick-input-title', { hasText: 'closest sessions (not every word)' }).waitFor({ timeout: 30_000 });
    await quick.locator('.quick-input-list .monaco-list-row', { hasText: '«revoke»' }).waitFor();
    step('closest sessions shown when none holds every word');
  }
  await quick.locator('input').fill('revoke');
  await quick.locator('.quick-input-title', { hasText: /^Search sessions$/ }).waitFor({ timeout: 30_000 });
  const item = quick.locator('.quick-input-list .monaco-list-row', { hasText: '«revoke»' });
  await item.waitFor({ timeout: 30_000 });
  // One row per session, with how many of its turns matched.
  assert.match((await item.textContent()) ?? '', new RegExp(`${name.slice(0, 12)}.*1 hit · `));
  await item.click();
  const hit = view.locator('.event.focused mark.hit', { hasText: /^revoke$/i });
  await hit.waitFor({ timeout: 30_000 });
  assert.ok(await hit.isVisible());
  step('search hit opened and marked');

  // Another process writes to the open session and starts one: both show up without a click.
  if (live) {
    count = await followOthers(page, db, ulid, count, project);
    step('changes from another process followed live');
  } else {
    step('the daemon does not serve session/subscribe yet: live updates were not tried');
  }

  // Rename with F2 on a tree row.
  const older = treeRow(page, 'Why is the');
  await older.click();
  const box = page.locator('.quick-input-widget input');
  await pressInTree(page, 'Why is the', 'F2', () => box.waitFor({ timeout: 5_000 }));
  // Prefilled with the name it has, all of it selected.
  assert.equal(await box.inputValue(), 'Why is the nightly build slow?');
  assert.deepEqual(await box.evaluate((b: HTMLInputElement) => [b.selectionStart, b.selectionEnd]), [0, 30]);
  await box.fill('Nightly builds');
  await box.press('Enter');
  const renamed = treeRow(page, 'Nightly builds');
  await renamed.waitFor({ timeout: 15_000 });
  step('renamed with F2');

  // Move to Trash from the context menu; Undo in the notification brings it back.
  await renamed.click({ button: 'right' });
  const menuItem = page.getByRole('menuitem', { name: 'Move to Trash' });
  await menuItem.hover();
  await page.keyboard.press('Enter');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'moved “Nightly builds” to the trash' });
  await toast.waitFor({ timeout: 15_000 });
  await renamed.waitFor({ state: 'detached', timeout: 15_000 });
  await toast.getByRole('button', { name: 'Undo' }).click();
  await renamed.waitFor({ timeout: 15_000 });
  step('trash undone');

  // Trash it again, find it under Trash, restore it from there.
  await renamed.click();
  await pressInTree(page, 'Nightly builds', 'Delete', () => renamed.waitFor({ state: 'detached', timeout: 5_000 }));
  await treeRow(page, /^Trash/).click();
  const inTrash = sessionRow(page, /^Nightly builds, in trash,/);
  await inTrash.waitFor({ timeout: 15_000 });
  await inTrash.hover();
  await inTrash.locator('[aria-label="Restore from Trash"]').click();
  await sessionRow(page, /^Nightly builds, ended,/).waitFor({ timeout: 15_000 });
  step('restored from the trash');

  // Back to the seeded session for the rest of the test.
  await treeRow(page, name.slice(0, 12)).click();
  await view.locator('header .title', { hasText: name.slice(0, 12) }).waitFor();
  return count;
}

/** Another sessiond process writes; the open history and the tree follow without a click. */
async function followOthers(page: Page, db: string, ulid: string, count: number, project?: string): Promise<number> {
  const view = await sideHistory(page);
  const other = await startDaemon(['--db', db]);
  try {
    const session = await other.conn.sendRequest(SessionGet, { ulid });
    if (!session) throw new Error(`${ulid} not found by the other process`);
    // Read from the top: a turn that comes below is not scrolled to, a marker says it is there.
    const scroll = view.locator('#scroll');
    assert.ok(await scroll.evaluate((e) => e.scrollHeight > e.clientHeight + 60), 'the history is too short to scroll');
    await scroll.evaluate((e) => (e.scrollTop = 0));
    await other.conn.sendRequest(SessionAppend, { sessionId: session.id, kind: 'system', text: FROM_ELSEWHERE });
    await view.locator('.event.kind-system', { hasText: FROM_ELSEWHERE }).waitFor({ state: 'attached', timeout: 15_000 });
    const marker = view.locator('#newer', { hasText: '↓ 1 new turn below' });
    await marker.waitFor({ timeout: 15_000 });
    assert.equal(await scroll.evaluate((e) => e.scrollTop), 0, 'the view moved by itself');
    await marker.click();
    await marker.waitFor({ state: 'hidden' });
    await view.locator('.event.kind-system', { hasText: FROM_ELSEWHERE }).waitFor({ timeout: 15_000 });
    await sessionRow(page, new RegExp(`, live, ${count + 1} events`)).waitFor({ timeout: 15_000 });
    // Held in this workspace (another window on it): listed with its sessions.
    const started = await other.conn.sendRequest(SessionStart, { cliVersion: 'ui-test other', ...(project ? { source: 'nvim', project } : {}) });
    await other.conn.sendRequest(SessionAppend, { sessionId: started.id, kind: 'prompt', text: NEW_ELSEWHERE });
    await sessionRow(page, new RegExp(`^${NEW_ELSEWHERE}, live, 1 event,`)).waitFor({ timeout: 15_000 });
  } finally {
    await other.close();
  }
  return count + 1;
}

/**
 * Presses a key bound while the tree has the focus, on its selected row, until
 * `done` (twice at most): clicking a row opens its history, and the tree's
 * repaint that follows can take the focus from the list for a moment, so a key
 * pressed then reaches no view.
 */
async function pressInTree(page: Page, row: string, key: string, done: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.locator('.part.sidebar .monaco-list:focus-within .monaco-list-row.selected', { hasText: row }).waitFor();
    await page.keyboard.press(key);
    try {
      return void (await done());
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
}
