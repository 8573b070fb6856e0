// Entry point: activation builds the parts (app.ts); deactivation stops the daemon.
import type * as vscode from 'vscode';
import { startApp } from './app';
import type { DaemonClient } from './daemon/client';

let client: DaemonClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  client = startApp(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
