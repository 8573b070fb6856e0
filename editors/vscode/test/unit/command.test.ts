import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonArgs, findExecutable } from '../../src/command';

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
