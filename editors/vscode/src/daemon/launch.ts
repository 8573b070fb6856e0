// Pure-ish (no vscode): how the extension runs sessiond's processes, the
// daemon (`sessiond --stdio`) and the CLI (`sessiond import`): their command
// lines, and finding the program. Not VS Code's commands (commands/register.ts).
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Settings } from '../settings';

/** The daemon's arguments before the `--stdio` the language client appends. */
export function daemonArgs(s: Settings): string[] {
  return [...s.command.slice(1), ...(s.dbPath ? ['--db', s.dbPath] : [])];
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

/** The sources `sessiond import SOURCE` takes (contract version 2). */
export const IMPORT_SOURCES = ['claude-code', 'codex', 'llm', 'aider', 'sessiond'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** `sessiond import` as the settings run it: the program, then its arguments. */
export function importCommand(s: Settings, source: ImportSource, paths: string[]): [string, string[]] {
  const [program = 'sessiond', ...rest] = s.command;
  return [program, [...rest, 'import', source, ...paths, ...(s.dbPath ? ['--db', s.dbPath] : [])]];
}
