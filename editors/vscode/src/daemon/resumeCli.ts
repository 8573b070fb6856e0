// The CLI's resume command, as processes (no vscode): `sessiond resume ULID
// --print` says how a session's own program reopens it (`cd /home/ann/src/api
// && claude --resume 5d0f…`), or exits non-zero with a sentence saying why it
// cannot (aider reopens no run, a VS Code session is already here, …);
// `sessiond resume ULID` runs that command (the extension runs it in a
// terminal). Which sources resume, and how, is the CLI's knowledge: a new
// importer with a resume command shows up here with no change.
import type { Settings } from '../settings';
import { type Launch, sessiondLaunch } from './launch';
import { type RunHooks, runProcess } from './importCli';
import { plainText } from '../text/plainText';

/** What `sessiond resume ULID --print` said. */
export type ResumeCheck =
  | {
      ok: true;
      /** The command as printed (shell-quoted), for a person to read. */
      command: string;
      /** What the CLI added on stderr, e.g. that the program is not installed. */
      note: string;
    }
  | { ok: false; why: string };

/** A ULID (or a client's own id) goes on a command line: nothing an option parser could take for an option. */
const ULID = /^[0-9A-Za-z_][0-9A-Za-z_-]{0,63}$/;

function checkedUlid(ulid: string): string {
  if (!ULID.test(ulid)) throw new Error(`"${ulid}" is not a session's ULID.`);
  return ulid;
}

/** `sessiond resume ULID` (runs the session's program in its folder), on the configured database. */
export function resumeLaunch(s: Settings, ulid: string): Launch {
  return sessiondLaunch(s, ['resume', checkedUlid(ulid)]);
}

/** `sessiond resume ULID --print`: only prints the command. */
export function resumePrintLaunch(s: Settings, ulid: string): Launch {
  return sessiondLaunch(s, ['resume', checkedUlid(ulid), '--print']);
}

/** Lines the CLI begins with `sessiond: `, without it. */
function sentences(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/^sessiond:\s*/, '')).join(' ').trim();
}

/** An older sessiond's answer to a command it does not know. */
function unknownCommand(text: string): boolean {
  return /invalid choice|unrecognized arguments|No such command/i.test(text);
}

/** Reads what `sessiond resume ULID --print` printed and how it exited. */
export function readResumeCheck(code: number | null, out: readonly string[], err: readonly string[]): ResumeCheck {
  const why = sentences(err.slice(-4));
  if (code === null) return { ok: false, why: `sessiond could not be run: ${why}` };
  if (code !== 0) {
    if (unknownCommand(why)) return { ok: false, why: 'this sessiond cannot reopen sessions in their programs ("sessiond resume"); update it (pip install -U sessiond).' };
    return { ok: false, why: why || `"sessiond resume --print" failed (exit ${code}).` };
  }
  const command = out.filter((l) => l.trim() !== '').join(' ').trim();
  if (command === '') return { ok: false, why: '"sessiond resume --print" printed no command.' };
  return { ok: true, command, note: why };
}

/** Asks the CLI how `launch`'s session would be reopened; never rejects. */
export async function checkResume(launch: Launch, hooks: Pick<RunHooks, 'cwd' | 'baseEnv'> = {}): Promise<ResumeCheck> {
  const r = await runProcess(launch, hooks);
  return readResumeCheck(r.code, r.out.map(plainText), r.err);
}
