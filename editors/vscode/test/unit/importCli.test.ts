// The Import History picker built from `sessiond import --list --json`, with
// canned output in the CLI's format (one JSON object a line, in its table's
// order; see the integration test for the real CLI).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sourceItems } from '../../src/commands/importPicker';
import { listImportSources, parseImportList, pickerOrder, runProcess, shortPath } from '../../src/daemon/importCli';

const CANNED = [
  { name: 'claude-code', label: 'Claude Code', description: 'Transcripts of Claude Code', paths: ['/home/x/.claude/projects'], found: false },
  { name: 'codex', label: 'Codex CLI', description: 'Rollouts of Codex', paths: ['/home/x/.codex/sessions'], found: true },
  { name: 'gemini-cli', label: 'Gemini CLI', description: 'A source added later: $(zap) [x](command:y)', paths: ['/home/x/.gemini/tmp'], found: true },
  { name: 'sessiond', label: 'Another sessiond database', description: 'Merge another machine', paths: [], found: false },
].map((o) => JSON.stringify(o)).join('\n') + '\n';

test('Copilot Chat, VS Code\'s own chat, comes first when it is found, and keeps its place when it is not', () => {
  const copilot = (found: boolean) =>
    JSON.stringify({ name: 'copilot-chat', label: 'Copilot Chat', description: "VS Code's chat", paths: ['/home/x/.config/Code/User'], found });
  const withFound = parseImportList(CANNED + copilot(true) + '\n');
  assert.deepEqual(pickerOrder(withFound).map((s) => s.name), ['copilot-chat', 'codex', 'gemini-cli', 'claude-code', 'sessiond']);
  const without = parseImportList(CANNED + copilot(false) + '\n');
  assert.deepEqual(pickerOrder(without).map((s) => s.name), ['codex', 'gemini-cli', 'claude-code', 'sessiond', 'copilot-chat']);
});

test('the list is read in the CLI\'s order, and the picker puts the sources found here first', () => {
  const sources = parseImportList(CANNED);
  assert.deepEqual(sources.map((s) => s.name), ['claude-code', 'codex', 'gemini-cli', 'sessiond']);
  assert.deepEqual(pickerOrder(sources).map((s) => s.name), ['codex', 'gemini-cli', 'claude-code', 'sessiond']);
  const items = sourceItems(sources, '/home/x');
  assert.deepEqual(
    items.map((i) => [i.kind === -1 ? 'separator' : 'source', i.label, i.description ?? '']),
    [
      ['separator', 'Found on this machine', ''],
      ['source', 'Codex CLI', '~/.codex/sessions'],
      ['source', 'Gemini CLI', '~/.gemini/tmp'],
      ['separator', 'Not found in their usual place', ''],
      ['source', 'Claude Code', 'not in ~/.claude/projects'],
      ['source', 'Another sessiond database', 'choose its file'],
    ],
  );
  // Text from the CLI is shown as text: no icon, no link.
  assert.equal(items[2].detail, 'A source added later: \\$(zap) [x] (command:y)');
});

test('a line that is not a source is an error naming it; a name that could pass for an option is refused', () => {
  assert.throws(() => parseImportList('{"name": "x"}\n'), /line 1 .* is not a source/);
  assert.throws(() => parseImportList('not json'), /is not a source: not json/);
  const dash = JSON.stringify({ name: '--db=/tmp/x', label: 'x', description: '', paths: [], found: false });
  assert.throws(() => parseImportList(dash), /is not a source/);
  assert.throws(() => parseImportList('\n\n'), /listed no source/);
  // Fields the CLI may add later are ignored.
  assert.equal(parseImportList(JSON.stringify({ name: 'llm', label: 'llm', description: '', paths: [], found: true, extra: 1 }))[0].name, 'llm');
});

test('shortPath shows the home folder as ~', () => {
  assert.equal(shortPath('/home/x/.codex', '/home/x'), '~/.codex');
  assert.equal(shortPath('/home/xy/.codex', '/home/x'), '/home/xy/.codex');
});

/** A stand-in program for the CLI: prints `out` on stdout and `err` on stderr, then exits with `code`. */
function program(dir: string, out: string, err: string, code: number): string {
  const path = join(dir, `cli-${code}`);
  writeFileSync(join(dir, `out-${code}`), out);
  writeFileSync(join(dir, `err-${code}`), err);
  writeFileSync(path, `#!/bin/sh\ncat "${dir}/out-${code}"\ncat "${dir}/err-${code}" >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('listing runs the program with the launch\'s environment, and says clearly why it failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-importcli-'));
  try {
    const ok = program(dir, CANNED, '', 0);
    assert.equal((await listImportSources({ program: ok, args: [], env: {} })).length, 4);
    const old = program(dir, '', 'usage: sessiond import [-h] SOURCE\nsessiond import: error: the following arguments are required: SOURCE\n', 2);
    await assert.rejects(listImportSources({ program: old, args: [], env: {} }), /this sessiond cannot list what it imports.*update it/);
    const broken = program(dir, '', 'the store is locked\n', 4);
    await assert.rejects(listImportSources({ program: broken, args: [], env: {} }), /failed \(exit 4\): the store is locked/);
    await assert.rejects(listImportSources({ program: join(dir, 'missing'), args: [], env: {} }), /could not be run/);
    const env = await runProcess({ program: '/bin/sh', args: ['-c', 'echo "$SESSIOND_DB"'], env: { SESSIOND_DB: 'from-the-launch' } });
    assert.deepEqual(env.out, ['from-the-launch']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
