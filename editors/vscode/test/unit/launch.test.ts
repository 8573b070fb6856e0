import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonLaunch, describeDb, findExecutable, importLaunch, importListLaunch, missingProgramMessage } from '../../src/daemon/launch';
import { plainText } from '../../src/text/plainText';

const SECRET = 'postgresql://me:s3cret-pw@db.example:5432/sessions?sslpassword=x';

test('the daemon runs the command with its arguments; the database goes in SESSIOND_DB, never on the command line', () => {
  assert.deepEqual(daemonLaunch({ command: ['sessiond'], dbPath: '', engineBaseUrl: '' }), { program: 'sessiond', args: [], env: {} });
  const l = daemonLaunch({ command: ['python3', '-m', 'sessiond'], dbPath: SECRET, engineBaseUrl: '' });
  assert.deepEqual(l, { program: 'python3', args: ['-m', 'sessiond'], env: { SESSIOND_DB: SECRET } });
  assert.ok(!l.args.join(' ').includes('s3cret'));
});

test('the log names a database URI without its user, password or query', () => {
  assert.equal(describeDb(SECRET), 'postgresql://db.example:5432/sessions (credentials hidden)');
  assert.equal(describeDb('postgresql://db.example/sessions'), 'postgresql://db.example/sessions');
  assert.equal(describeDb('/home/me/a b.db'), '/home/me/a b.db');
  assert.ok(!describeDb('postgres://u:p%40ss@[bad').includes('p%40ss'));
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

test('import runs the configured command with the source and the paths, the database in SESSIOND_DB', () => {
  const s = { command: ['python3', '-m', 'sessiond'], dbPath: SECRET, engineBaseUrl: '' };
  assert.deepEqual(importLaunch(s, 'claude-code', []), { program: 'python3', args: ['-m', 'sessiond', 'import', 'claude-code'], env: { SESSIOND_DB: SECRET } });
  assert.deepEqual(importLaunch({ ...s, command: ['sessiond'], dbPath: '' }, 'sessiond', ['/a b.db']), { program: 'sessiond', args: ['import', 'sessiond', '/a b.db'], env: {} });
  assert.deepEqual(importListLaunch(s).args, ['-m', 'sessiond', 'import', '--list', '--json']);
});

test('plainText strips terminal escapes and breaks link syntax', () => {
  assert.equal(plainText('\x1b[1mdone\x1b[0m: [click](command:x)\x07'), 'done: [click] (command:x)');
});
