// Resume in <tool>: what the extension reads of `sessiond resume ULID
// --print` (the CLI's interface: the command on stdout and exit 0, or a
// sentence on stderr and exit 1), the launches it runs, and the terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { programOf, resumeKind, shellWords } from '../../src/commands/resume';
import { readResumeCheck, resumeLaunch, resumePrintLaunch } from '../../src/daemon/resumeCli';
import { session } from './fixtures';

const SECRET = 'postgresql://me:s3cret-pw@db.example:5432/sessions';

test('the command printed is the offer; what stderr adds is a note', () => {
  assert.deepEqual(readResumeCheck(0, ['cd /home/ann/src/api && claude --resume 5d0f1a52'], []), {
    ok: true,
    command: 'cd /home/ann/src/api && claude --resume 5d0f1a52',
    note: '',
  });
  assert.deepEqual(readResumeCheck(0, ['codex resume th-1'], ['sessiond: codex is not installed (not found on PATH)']), {
    ok: true,
    command: 'codex resume th-1',
    note: 'codex is not installed (not found on PATH)',
  });
});

test('a session that cannot be reopened gives the CLI\'s sentence; an older CLI is told to update', () => {
  assert.deepEqual(readResumeCheck(1, [], ['sessiond: aider has no command that reopens a session']), { ok: false, why: 'aider has no command that reopens a session' });
  const old = readResumeCheck(2, [], ["sessiond: error: argument command: invalid choice: 'resume' (choose from 'ls', 'show')"]);
  assert.equal(old.ok, false);
  assert.match(old.ok ? '' : old.why, /cannot reopen sessions.*update it/);
  assert.match(JSON.stringify(readResumeCheck(null, [], ['spawn sessiond ENOENT'])), /could not be run: spawn sessiond ENOENT/);
  assert.match(JSON.stringify(readResumeCheck(0, ['', ' '], [])), /printed no command/);
});

test('resume runs the configured sessiond with the ULID; the database only in the environment', () => {
  const settings = { command: ['python3', '-m', 'sessiond'], dbPath: SECRET, engineBaseUrl: '' };
  const ulid = '01M88M0RT5A9E3BGKX4QZP1C2D';
  assert.deepEqual(resumeLaunch(settings, ulid), { program: 'python3', args: ['-m', 'sessiond', 'resume', ulid], env: { SESSIOND_DB: SECRET } });
  assert.deepEqual(resumePrintLaunch(settings, ulid).args, ['-m', 'sessiond', 'resume', ulid, '--print']);
  // Nothing that an option parser would take for an option, nor a shell for more than a word.
  for (const bad of ['--print', '-x', 'a b', 'a;b', '']) assert.throws(() => resumeLaunch(settings, bad), /is not a session's ULID/);
});

test('a printed command is read as a shell reads it', () => {
  assert.deepEqual(shellWords("cd '/home/a b' && claude --resume x\\ y"), [
    { text: 'cd', quoted: false },
    { text: '/home/a b', quoted: true },
    { text: '&&', quoted: false },
    { text: 'claude', quoted: false },
    { text: '--resume', quoted: false },
    { text: 'x y', quoted: false },
  ]);
  // shlex.quote("it's"): a single quote is written '"'"'.
  assert.deepEqual(shellWords("'it'\"'\"'s'").map((w) => w.text), ["it's"]);
});

test('the program\'s name is read from the printed command; sessions resume alike by source and whether they have an id', () => {
  assert.equal(programOf("cd '/home/ann/my src' && claude --resume 5d0f"), 'claude');
  assert.equal(programOf('codex resume th-1'), 'codex');
  assert.equal(programOf("cd '/x && y' && '/opt/my tools/llm' chat --cid 1"), 'llm');
  assert.equal(programOf("cd '/a'\"'\"'b && c' && \"gemini\" --resume 3"), 'gemini');
  assert.equal(programOf(''), '');
  assert.equal(resumeKind(session({ source: 'claude-code', sourceId: 'a' })), resumeKind(session({ source: 'claude-code', sourceId: 'b' })));
  assert.notEqual(resumeKind(session({ source: 'claude-code', sourceId: 'a' })), resumeKind(session({ source: 'claude-code', sourceId: null })));
  // Written before sources were recorded: known by its client.
  assert.notEqual(resumeKind(session({ cliVersion: 'sessiond-chat 0.1' })), resumeKind(session({ cliVersion: 'sessiond-vscode 0.1' })));
});
