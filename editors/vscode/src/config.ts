// Reading the sessiond.* settings, and turning them into a command line.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';

export interface Settings {
  command: string[];
  dbPath: string;
  engineBaseUrl: string;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('sessiond');
  const command = c.get<unknown>('command');
  return {
    command: Array.isArray(command) && command.every((p) => typeof p === 'string') ? command : [],
    dbPath: (c.get<string>('dbPath') ?? '').trim(),
    engineBaseUrl: (c.get<string>('engineBaseUrl') ?? '').trim(),
  };
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
