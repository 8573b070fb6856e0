// Pure-ish (no vscode): how the extension runs sessiond's processes, the
// daemon (`sessiond --stdio`) and the CLI (`sessiond import`, `sessiond
// resume`): their command
// lines and environment, and finding the program. Not VS Code's commands
// (commands/register.ts).
//
// The database goes in the environment (SESSIOND_DB), never on the command
// line: a PostgreSQL URI may hold a password, and every user of the machine
// can read a command line (`ps`); a process's environment only its owner.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Settings } from '../settings';

/** A process to start: the program, its arguments, and what to add to the environment it inherits. */
export interface Launch {
  program: string;
  args: string[];
  env: Record<string, string>;
}

/** What the settings add to the environment: the database, when one is set (else the inherited SESSIOND_DB or the default). */
function settingsEnv(s: Settings): Record<string, string> {
  return s.dbPath ? { SESSIOND_DB: s.dbPath } : {};
}

/** `sessiond ARGS… SUBCOMMAND…` as the settings run it. */
export function sessiondLaunch(s: Settings, subcommand: string[]): Launch {
  const [program = 'sessiond', ...rest] = s.command;
  return { program, args: [...rest, ...subcommand], env: settingsEnv(s) };
}

/** The daemon, before the `--stdio` the language client appends. */
export function daemonLaunch(s: Settings): Launch {
  return sessiondLaunch(s, []);
}

/**
 * The database as the log may show it: a file as it is; a URI without its
 * user, password and query (`postgresql://db.example/sessions`).
 */
export function describeDb(db: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(db)) return db;
  try {
    const u = new URL(db);
    const hidden = u.username || u.password || u.search ? ' (credentials hidden)' : '';
    return `${u.protocol}//${u.host}${u.pathname}${hidden}`;
  } catch {
    return `${db.split(':')[0]}://… (not shown)`;
  }
}

/** Resolves a program like a shell would; undefined when nothing runnable is found. */
export function findExecutable(program: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const runnable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(program) || program.includes('/')) return runnable(program) ? program : undefined;
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && runnable(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

/** What to say when `program` cannot be run: the problem, then the fix. */
export function missingProgramMessage(program: string): [string, string] {
  const install = 'Install it with "pip install sessiond" (or "pip install -e ." in its repository), ';
  if (isAbsolute(program) || program.includes('/')) {
    return [
      `sessiond could not be started: "${program}" does not exist or is not executable.`,
      `${install}or correct "sessiond.command" to the full path of the sessiond program.`,
    ];
  }
  return [
    `sessiond could not be started: "${program}" was not found on PATH.`,
    `${install}or set "sessiond.command" to its full path, e.g. ["/path/to/venv/bin/sessiond"].`,
  ];
}

/** `sessiond import SOURCE [PATH…]` on the configured database. */
export function importLaunch(s: Settings, source: string, paths: string[]): Launch {
  return sessiondLaunch(s, ['import', source, ...paths]);
}

/** `sessiond import --list --json`: the sources this sessiond reads, one JSON object a line. */
export function importListLaunch(s: Settings): Launch {
  return sessiondLaunch(s, ['import', '--list', '--json']);
}
