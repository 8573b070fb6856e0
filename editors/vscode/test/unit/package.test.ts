// package.json's contributions and the code agree, both ways.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../../src/commands/register';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));

test('contributes.commands lists exactly the commands registerCommands registers', () => {
  const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
  assert.deepEqual(contributed, [...COMMANDS].sort());
});

test('every menu and keybinding names a contributed command', () => {
  const known = new Set(COMMANDS as readonly string[]);
  const menus = Object.values(pkg.contributes.menus as Record<string, { command: string }[]>).flat();
  for (const m of [...menus, ...pkg.contributes.keybindings]) assert.ok(known.has(m.command), m.command);
});

test('the history editor can be restored after a reload', () => {
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:sessiond.historyEditor'));
});
