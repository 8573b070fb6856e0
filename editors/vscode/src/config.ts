// Reading the sessiond.* settings.
import * as vscode from 'vscode';
import type { Settings } from './command';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('sessiond');
  const command = c.get<unknown>('command');
  return {
    command: Array.isArray(command) && command.every((p) => typeof p === 'string') ? command : [],
    dbPath: (c.get<string>('dbPath') ?? '').trim(),
    engineBaseUrl: (c.get<string>('engineBaseUrl') ?? '').trim(),
  };
}
