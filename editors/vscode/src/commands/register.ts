// VS Code's registered commands (sessiond.*: the palette, menus, keys), not
// the daemon's command line (daemon/launch.ts). Each acts on the session it is given (a tree row,
// a Session, a ULID, or `{from: 'tree'}`: the selected row, as the tree's
// keybindings send), else the one the History view shows, else the session
// of the active history tab, else the selected row.
import * as vscode from 'vscode';
import { plainText } from '../text/plainText';
import type { DaemonClient } from '../daemon/client';
import type { HistoryEditors } from '../views/historyTabs';
import type { HistoryView } from '../views/historySideView';
import { importHistory } from './importPicker';
import type { Resumer } from './resume';
import { sessionName } from '../text/labels';
import { sessionToMarkdown } from '../text/markdownExport';
import { isEventKind, type Session } from '../daemon/protocol';
import { pickHit } from './searchPicker';
import type { Appended, SessionService } from '../sessionService';
import type { Node, SessionsTree } from '../views/sessionsTree';

export interface Parts {
  client: DaemonClient;
  service: SessionService;
  tree: SessionsTree;
  treeView: vscode.TreeView<Node>;
  history: HistoryView;
  editors: HistoryEditors;
  resumer: Resumer;
}

/** Every command this file registers; package.json's contributes.commands must list exactly these. */
export const COMMANDS = [
  'sessiond.openSession',
  'sessiond.newSession',
  'sessiond.endSession',
  'sessiond.continueSession',
  'sessiond.refresh',
  'sessiond.loadMore',
  'sessiond.copyMarkdown',
  'sessiond.append',
  'sessiond.showLog',
  'sessiond.restart',
  'sessiond.search',
  'sessiond.renameSession',
  'sessiond.trashSession',
  'sessiond.restoreSession',
  'sessiond.openInEditor',
  'sessiond.importHistory',
  'sessiond.resumeSession',
  'sessiond.showAllSessions',
  'sessiond.showWorkspaceSessions',
] as const;

type Arg = Node | Session | string | { from: 'tree' } | undefined;

function errorText(e: unknown): string {
  return plainText(e instanceof Error ? e.message : String(e));
}

export function registerCommands(p: Parts): vscode.Disposable[] {
  const target = async (arg: Arg): Promise<Session | undefined> => {
    const selected = p.treeView.selection[0];
    const inTree = selected?.type === 'session' ? selected.session : undefined;
    if (typeof arg === 'string') return (await p.service.get(arg)) ?? undefined;
    if (arg && 'ulid' in arg) return arg;
    if (arg && 'from' in arg) return inTree;
    if (arg?.type === 'session') return arg.session;
    return p.service.current ?? p.editors.activeSession ?? inTree;
  };

  // Shows failures as a message instead of an unhandled rejection.
  const guarded =
    <R>(what: string, fn: (arg: Arg) => Promise<R>) =>
    async (arg: Arg): Promise<R | undefined> => {
      try {
        return await fn(arg);
      } catch (e) {
        void vscode.window.showErrorMessage(`sessiond: ${what} failed: ${errorText(e)}`);
        return undefined;
      }
    };

  /** Runs `fn` on the target session, or says there is none to act on. */
  const onSession = (what: string, none: string, fn: (s: Session) => Promise<unknown>) =>
    guarded(what, async (arg) => {
      const s = await target(arg);
      if (s === undefined) return void vscode.window.showInformationMessage(`sessiond: ${none}`);
      await fn(s);
    });

  const open = async (session: Session): Promise<void> => {
    await p.service.show(session);
    await p.history.reveal();
  };

  const register = vscode.commands.registerCommand;
  return [
    register(
      'sessiond.openSession',
      guarded('opening the session', async (arg) => {
        const s = await target(arg);
        if (s === undefined) return void vscode.window.showWarningMessage(`sessiond: no session ${typeof arg === 'string' ? arg : ''} in this store.`);
        await open(s);
      }),
    ),
    register(
      'sessiond.newSession',
      guarded('starting a session', async () => {
        await p.service.start();
        await p.history.reveal();
      }),
    ),
    register('sessiond.endSession', onSession('ending the session', 'no session to end.', (s) => p.service.end(s))),
    register(
      'sessiond.continueSession',
      onSession('continuing the session', 'select a session to continue.', async (s) => {
        await p.service.start(s);
        await p.history.reveal();
      }),
    ),
    register('sessiond.refresh', guarded('refreshing', () => p.service.refresh())),
    register('sessiond.loadMore', () => p.tree.loadMore()),
    register(
      'sessiond.copyMarkdown',
      onSession('copying the session', 'select a session to copy.', async (s) => {
        const fresh = (await p.service.get(s.ulid)) ?? s;
        await vscode.env.clipboard.writeText(sessionToMarkdown(fresh, await p.service.allEvents(fresh.id)));
        void vscode.window.showInformationMessage(`sessiond: copied session ${fresh.ulid} as Markdown.`);
      }),
    ),
    // For other extensions: vscode.commands.executeCommand('sessiond.append', {kind: 'system', text}).
    register('sessiond.append', async (args?: { kind?: unknown; text?: unknown }): Promise<Appended> => {
      if (!isEventKind(args?.kind) || typeof args?.text !== 'string') {
        throw new Error('sessiond.append takes {kind, text}: kind one of prompt, system, command, warn, alert, mode_change; text a string');
      }
      return p.service.append(args.kind, args.text);
    }),
    register('sessiond.showLog', () => p.client.log.show()),
    register(
      'sessiond.restart',
      guarded('restarting', async () => {
        await p.client.restart();
        await p.service.refresh();
      }),
    ),
    register(
      'sessiond.search',
      guarded('searching', async () => {
        if (!(await p.service.has('session/search'))) {
          return void vscode.window.showWarningMessage('sessiond: this sessiond cannot search yet (it speaks protocol version 1); update it.');
        }
        const chosen = await pickHit(p.service);
        if (chosen === undefined) return;
        await open(chosen.session);
        // At its best turn, every word found in the session marked (only its title matched: the history as it opens).
        if (chosen.seq !== undefined) await p.history.focusOn({ seq: chosen.seq, terms: chosen.terms });
      }),
    ),
    register(
      'sessiond.renameSession',
      onSession('renaming the session', 'select a session to rename.', async (s) => {
        // Prefilled with the name it has now, all of it selected: typing replaces it, an arrow key edits it.
        const name = sessionName(s);
        const title = await vscode.window.showInputBox({
          title: 'Rename Session',
          prompt: s.title ? 'A new title (empty clears it: the first prompt names it again)' : 'A title (it is named by its first prompt now)',
          value: name,
          valueSelection: [0, name.length],
          validateInput: (v) => (Array.from(v.trim()).length > 256 ? 'At most 256 characters.' : undefined),
        });
        if (title === undefined) return;
        const wanted = title.trim() === '' ? null : title.trim().replace(/\s+/g, ' ');
        // Accepting the name as it was changes nothing.
        if (wanted === (s.title?.trim() || null) || (wanted === name && !s.title?.trim())) return;
        await p.service.rename(s, wanted);
      }),
    ),
    register(
      'sessiond.trashSession',
      onSession('moving the session to the trash', 'select a session to move to the trash.', async (s) => {
        const trashed = await p.service.trash(s);
        const choice = await vscode.window.showInformationMessage(`sessiond: moved “${plainText(sessionName(trashed))}” to the trash.`, 'Undo');
        if (choice === 'Undo') await p.service.restore(trashed);
      }),
    ),
    register(
      'sessiond.restoreSession',
      onSession('restoring the session', 'select a session in the trash to restore.', async (s) => {
        const restored = await p.service.restore(s);
        void vscode.window.showInformationMessage(`sessiond: restored “${plainText(sessionName(restored))}”.`);
      }),
    ),
    register(
      'sessiond.openInEditor',
      onSession('opening the session in an editor', 'select a session to open.', (s) => p.editors.openTab(s)),
    ),
    register(
      'sessiond.resumeSession',
      onSession('resuming the session', 'select a session to resume in its program.', (s) => p.resumer.run(s)),
    ),
    register('sessiond.showAllSessions', () => p.tree.setScope('all')),
    register('sessiond.showWorkspaceSessions', () => p.tree.setScope('workspace')),
    register(
      'sessiond.importHistory',
      guarded('importing', async () => {
        // Another process wrote the store: a daemon that does not notify needs telling.
        if (await importHistory(p.client.log)) await p.service.refresh();
      }),
    ),
  ];
}
