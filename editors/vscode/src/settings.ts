// Reading the sessiond.* settings (VS Code side).
import * as vscode from 'vscode';

export interface Settings {
  /** The program and its first arguments that run sessiond. */
  command: string[];
  /** The database: a file, or a postgresql:// URI (which may hold a password). */
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
