import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonArgs, findExecutable, importCommand, missingProgramMessage } from '../../src/daemon/launch';
import { plainText } from '../../src/text/plainText';

test('daemonArgs keeps the command arguments and adds --db only when set', () => {
  assert.deepEqual(daemonArgs({ command: ['sessiond'], dbPath: '', engineBaseUrl: '' }), []);
  assert.deepEqual(daemonArgs({ command: ['python3', '-m', 'sessiond'], dbPath: '/tmp/a b.db', engineBaseUrl: '' }), [
    '-m',
    'sessiond',
    '--db',
    '/tmp/a b.db',
  ]);
});

test('findExecutable searches PATH for bare names and checks paths as given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-find-'));
  try {
    const prog = join(dir, 'fake-sessiond');
    writeFileSync(prog, '#!/bin/sh\n');
    chmodSync(prog, 0o755);
    writeFileSync(join(dir, 'not-executable'), '');
    assert.equal(findExecutable('fake-sessiond', `/nonexistent:${dir}`), prog);
    assert.equal(findExecutable(prog, ''), prog);
    assert.equal(findExecutable('not-executable', dir), undefined);
    assert.equal(findExecutable('no-such-program', dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing program is described by how it was named: on PATH, or at a path', () => {
  const [bare, bareFix] = missingProgramMessage('no-such-sessiond');
  assert.match(bare, /"no-such-sessiond" was not found on PATH/);
  assert.match(bareFix, /pip install sessiond.*"sessiond\.command" to its full path/);
  const [path, pathFix] = missingProgramMessage('/opt/venv/bin/sessiond');
  assert.match(path, /"\/opt\/venv\/bin\/sessiond" does not exist or is not executable/);
  assert.ok(!path.includes('PATH'), path);
  assert.match(pathFix, /correct "sessiond.command"/);
});

test('import runs the configured command with the source, the paths and the database', () => {
  const s = { command: ['python3', '-m', 'sessiond'], dbPath: '/tmp/s.db', engineBaseUrl: '' };
  assert.deepEqual(importCommand(s, 'claude-code', []), ['python3', ['-m', 'sessiond', 'import', 'claude-code', '--db', '/tmp/s.db']]);
  assert.deepEqual(importCommand({ ...s, command: ['sessiond'], dbPath: '' }, 'sessiond', ['/a b.db']), ['sessiond', ['import', 'sessiond', '/a b.db']]);
});

test('plainText strips terminal escapes and breaks link syntax', () => {
  assert.equal(plainText('\x1b[1mdone\x1b[0m: [click](command:x)\x07'), 'done: [click] (command:x)');
});
