// Builds the extension's parts and wires them together.
import * as vscode from 'vscode';
import { DaemonClient } from './daemon/client';
import { Resumer } from './commands/resume';
import { registerCommands } from './commands/register';
import { HistoryEditors } from './views/historyTabs';
import { HistoryView } from './views/historySideView';
import { sessionState } from './text/labels';
import { SessionService, workspaceFolderPaths } from './sessionService';
import { SessionsTree } from './views/sessionsTree';

export function startApp(context: vscode.ExtensionContext): DaemonClient {
  const version = String(context.extension.packageJSON.version);
  const roots = { media: vscode.Uri.joinPath(context.extensionUri, 'media'), dist: vscode.Uri.joinPath(context.extensionUri, 'dist') };
  const client = new DaemonClient();
  const service = new SessionService(client, `sessiond-vscode ${version}`);
  const resumer = new Resumer(client.log, () => workspaceFolderPaths()[0]);
  const tree = new SessionsTree(service, () => new Date(), workspaceFolderPaths, context.workspaceState, resumer);
  const treeView = vscode.window.createTreeView('sessiond.sessions', { treeDataProvider: tree });
  tree.attach(treeView);
  const history = new HistoryView(service, roots, resumer);
  const editors = new HistoryEditors(service, roots, client.log, resumer);
  const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', key, value);
  let shownUlid: string | undefined;

  context.subscriptions.push(
    client,
    service,
    resumer,
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
    // The title bar's toggle: "all folders" while the workspace's are listed, and back.
    tree.onDidChangeScope((scope) => setContext('sessiond.scope', scope)),
    // The context menu offers Resume on the rows of sessions whose program reopens them.
    resumer.onDidLearn(() => tree.refresh()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('sessiond.command') || e.affectsConfiguration('sessiond.dbPath')) {
        // Another daemon or database: what was shown may not exist there.
        resumer.reset();
        await client.restart();
        await service.show(undefined).catch(() => undefined);
      } else if (e.affectsConfiguration('sessiond.engineBaseUrl')) {
        service.resetEngines();
        tree.refresh();
      }
    }),
    ...registerCommands({ client, service, tree, treeView, history, editors, resumer }),
  );
  setContext('sessiond.current', 'none');
  setContext('sessiond.scope', tree.scope);
  // Start the daemon now, so the first view opened finds it answering.
  void client.ensure().catch(() => undefined);
  return client;
}
