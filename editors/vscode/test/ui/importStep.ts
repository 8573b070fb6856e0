// The UI test's Import History step: an aider history file brought in through
// the command, its quick picks and VS Code's own file dialog, with progress.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { sessionRow, treeRow } from './workbench';

const ASKED = 'How do I add a test?';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** aider's format: a run header in local time, `#### ` for the person, `> ` for tool output. */
function aiderHistory(started: Date): string {
  const d = started;
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:00`;
  return `\n# aider chat started at ${stamp}\n\n#### ${ASKED}  \n\nWrite it under \`tests/\` and run **pytest**.\n\n> Tokens: 1k sent\n`;
}

/** Imports an aider history three days old; it shows under "Last 7 days", the source untouched. */
export async function importAider(page: Page, dir: string): Promise<void> {
  // In the workspace folder, where VS Code's file dialog opens.
  const file = join(dir, 'workspace', '.aider.chat.history.md');
  const text = aiderHistory(new Date(Date.now() - 3 * 86_400_000));
  writeFileSync(file, text);

  await page.keyboard.press('F1');
  const quick = page.locator('.quick-input-widget');
  await quick.locator('input').fill('>sessiond: Import History');
  await quick.locator('.monaco-list-row', { hasText: 'Import History' }).first().click();
  // The sources come from `sessiond import --list`; aider's history is found in the
  // workspace folder (where the CLI runs), so it is listed among those found here.
  const aider = quick.locator('.monaco-list-row', { hasText: '.aider.chat.history.md' }).first();
  await aider.waitFor({ timeout: 30_000 });
  const rows = await quick.locator('.monaco-list-row').allTextContents();
  const at = rows.findIndex((r) => r.includes('.aider.chat.history.md'));
  const notFound = rows.findIndex((r) => r.includes('Not found in their usual place'));
  assert.ok(rows[0]?.includes('Found on this machine') && (notFound === -1 || at < notFound), JSON.stringify(rows));
  await aider.click();
  await quick.locator('.monaco-list-row', { hasText: 'Choose files or folders' }).click();
  // VS Code's own file dialog in the browser, opened on the workspace folder: once it
  // lists that folder (it fills the box and the list as it reads), type the file and accept.
  // By its accessible name, exactly: the row '..' can hold the same text while the list fills.
  await quick.getByRole('option', { name: '.aider.chat.history.md', exact: true }).waitFor();
  const path = quick.locator('input');
  await path.fill(file);
  await page.waitForFunction((f) => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === f, file);
  await path.press('Enter');
  const done = page.locator('.notifications-toasts .notification-toast', { hasText: 'imported aider history' });
  await done.waitFor({ timeout: 60_000 });
  assert.match((await done.textContent()) ?? '', /1 new session, 2 events added/);
  await treeRow(page, 'Last 7 days').waitFor({ timeout: 15_000 });
  await sessionRow(page, /^How do I add a test\?, ended, 2 events/).waitFor({ timeout: 15_000 });
  assert.equal(readFileSync(file, 'utf8'), text, 'the source file is never written');
}
