// The sessiond.* commands. Each acts on the session it is given (a tree row),
// else the session the history view shows, else the selected row.
import * as vscode from 'vscode';
import type { DaemonClient } from './client';
import type { HistoryView } from './historyView';
import { sessionToMarkdown } from './markdown';
import { isEventKind, type Session } from './protocol';
import type { Appended, SessionService } from './sessions';
import type { Node, SessionsTree } from './sessionsTree';

export interface Parts {
  client: DaemonClient;
  service: SessionService;
  tree: SessionsTree;
  treeView: vscode.TreeView<Node>;
  history: HistoryView;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function registerCommands(p: Parts): vscode.Disposable[] {
  const target = (arg?: Node | Session): Session | undefined => {
    if (arg && 'ulid' in arg) return arg;
    if (arg?.type === 'session') return arg.session;
    const selected = p.treeView.selection[0];
    return p.service.current ?? (selected?.type === 'session' ? selected.session : undefined);
  };

  // Shows failures as a message instead of an unhandled rejection.
  const guarded =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R | undefined> => {
      try {
        return await fn(...args);
      } catch (e) {
        void vscode.window.showErrorMessage(`sessiond: ${what} failed: ${errorText(e)}`);
        return undefined;
      }
    };

  const open = async (session: Session): Promise<void> => {
    await p.service.show(session);
    await p.history.reveal();
  };

  const register = vscode.commands.registerCommand;
  return [
    register('sessiond.openSession', guarded('opening the session', open)),
    register(
      'sessiond.newSession',
      guarded('starting a session', async () => {
        await p.service.start();
        await p.history.reveal();
      }),
    ),
    register(
      'sessiond.endSession',
      guarded('ending the session', async (arg?: Node) => {
        const s = target(arg);
        if (s === undefined) return void vscode.window.showInformationMessage('sessiond: no session to end.');
        await p.service.end(s);
      }),
    ),
    register(
      'sessiond.continueSession',
      guarded('continuing the session', async (arg?: Node) => {
        const s = target(arg);
        if (s === undefined) return void vscode.window.showInformationMessage('sessiond: select a session to continue.');
        await p.service.start(s);
        await p.history.reveal();
      }),
    ),
    register('sessiond.refresh', guarded('refreshing', () => p.service.refresh())),
    register('sessiond.loadMore', () => p.tree.loadMore()),
    register(
      'sessiond.copyMarkdown',
      guarded('copying the session', async (arg?: Node) => {
        const s = target(arg);
        if (s === undefined) return void vscode.window.showInformationMessage('sessiond: select a session to copy.');
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
    register('sessiond.restart', guarded('restarting', async () => {
      await p.client.restart();
      await p.service.refresh();
    })),
  ];
}
