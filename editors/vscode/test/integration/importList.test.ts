// The Import History picker's list against the real CLI: `sessiond import
// --list --json` run as the extension runs it, in a home folder of the test's
// own where only Claude Code's transcripts folder exists.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listImportSources, pickerOrder } from '../../src/daemon/importCli';
import { importListLaunch } from '../../src/daemon/launch';
import { daemonCommand, skipWithoutDaemon } from '../daemon';

const skip = skipWithoutDaemon();

test('the CLI lists its importers in its order, each found or not on this machine', { skip }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'sessiond-vscode-home-'));
  try {
    mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    // Nothing may point the tools elsewhere than this home.
    for (const k of Object.keys(env)) if (/^(XDG_|CODEX_HOME$|LLM_USER_PATH$|CLAUDE_CONFIG_DIR$)/.test(k)) delete env[k];
    const launch = importListLaunch({ command: daemonCommand(), dbPath: join(home, 'unused.db'), engineBaseUrl: '' });
    const sources = await listImportSources(launch, { baseEnv: env, cwd: home });
    const names = sources.map((s) => s.name);
    // The contract's version-2 sources, in the table's order (a later version adds more).
    const v2 = ['claude-code', 'codex', 'llm', 'aider', 'sessiond'];
    assert.deepEqual(names.filter((n) => v2.includes(n)), v2, JSON.stringify(names));
    const claude = sources.find((s) => s.name === 'claude-code');
    assert.ok(claude?.found, JSON.stringify(claude));
    assert.ok(claude.paths.includes(join(home, '.claude', 'projects')), JSON.stringify(claude.paths));
    assert.ok(claude.label.length > 0 && claude.description.length > 0);
    assert.deepEqual(sources.filter((s) => s.found).map((s) => s.name), ['claude-code'], 'nothing else exists in this home');
    assert.equal(pickerOrder(sources)[0].name, 'claude-code');
    assert.equal(sources.find((s) => s.name === 'sessiond')?.found, false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
