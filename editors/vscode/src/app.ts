// Builds the extension's parts and wires them together.
import * as vscode from 'vscode';
import { DaemonClient } from './daemon/client';
import { registerCommands } from './commands/register';
import { HistoryEditors } from './views/historyTabs';
import { HistoryView } from './views/historySideView';
import { sessionState } from './text/labels';
import { SessionService } from './sessionService';
import { SessionsTree } from './views/sessionsTree';

export function startApp(context: vscode.ExtensionContext): DaemonClient {
  const version = String(context.extension.packageJSON.version);
  const roots = { media: vscode.Uri.joinPath(context.extensionUri, 'media'), dist: vscode.Uri.joinPath(context.extensionUri, 'dist') };
  const client = new DaemonClient();
  const service = new SessionService(client, `sessiond-vscode ${version}`);
  const tree = new SessionsTree(service);
  const treeView = vscode.window.createTreeView('sessiond.sessions', { treeDataProvider: tree });
  tree.attach(treeView);
  const history = new HistoryView(service, roots);
  const editors = new HistoryEditors(service, roots, client.log);
  const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', key, value);
  let shownUlid: string | undefined;

  context.subscriptions.push(
    client,
    service,
    tree,
    treeView,
    history,
    editors,
    vscode.window.registerWebviewViewProvider(HistoryView.viewType, history),
    vscode.window.registerWebviewPanelSerializer(HistoryEditors.viewType, editors),
    // The views follow every change: this window's, and others' through notifications.
    service.onDidChange((change) => {
      // Showing another session changes nothing in the store: no repaint (it would also
      // take the keyboard focus from the row just clicked for a moment).
      if (change.type !== 'shown') tree.refresh();
      const current = service.current;
      // Title-bar buttons show only when they apply to what the History view shows.
      setContext('sessiond.current', current === undefined ? 'none' : current.deletedAt ? 'trashed' : sessionState(current));
      if (current !== undefined && current.ulid !== shownUlid && !current.deletedAt) tree.revealSession(current.ulid);
      shownUlid = current?.ulid;
    }),
    client.onDidStart((caps) => setContext('sessiond.v2', caps.protocolVersion >= 2)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('sessiond.command') || e.affectsConfiguration('sessiond.dbPath')) {
        // Another daemon or database: what was shown may not exist there.
        await client.restart();
        await service.show(undefined).catch(() => undefined);
      } else if (e.affectsConfiguration('sessiond.engineBaseUrl')) {
        service.resetEngines();
        tree.refresh();
      }
    }),
    ...registerCommands({ client, service, tree, treeView, history, editors }),
  );
  setContext('sessiond.current', 'none');
  // Start the daemon now, so the first view opened finds it answering.
  void client.ensure().catch(() => undefined);
  return client;
}
