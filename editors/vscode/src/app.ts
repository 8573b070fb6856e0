// Builds the extension's parts and wires them together.
import * as vscode from 'vscode';
import { DaemonClient } from './client';
import { registerCommands } from './commands';
import { HistoryView } from './historyView';
import { SessionService } from './sessions';
import { SessionsTree } from './sessionsTree';

export function startApp(context: vscode.ExtensionContext): DaemonClient {
  const version = String(context.extension.packageJSON.version);
  const client = new DaemonClient();
  const service = new SessionService(client, `sessiond-vscode ${version}`);
  const tree = new SessionsTree(service);
  const treeView = vscode.window.createTreeView('sessiond.sessions', { treeDataProvider: tree });
  const history = new HistoryView(service, vscode.Uri.joinPath(context.extensionUri, 'media'));

  context.subscriptions.push(
    client,
    service,
    tree,
    treeView,
    vscode.window.registerWebviewViewProvider('sessiond.history', history),
    // Both views follow every change this window makes.
    service.onDidChange(() => {
      tree.refresh();
      void history.render();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('sessiond.command') || e.affectsConfiguration('sessiond.dbPath')) {
        // Another daemon or database: what was shown may not exist there.
        await client.restart();
        await service.show(undefined).catch(() => undefined);
      } else if (e.affectsConfiguration('sessiond.engineBaseUrl')) {
        tree.refresh();
      }
    }),
    ...registerCommands({ client, service, tree, treeView, history }),
  );
  return client;
}
