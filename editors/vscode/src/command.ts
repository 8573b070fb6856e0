// Pure-ish (no vscode): the daemon's command line, and finding its program.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface Settings {
  command: string[];
  dbPath: string;
  engineBaseUrl: string;
}

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
