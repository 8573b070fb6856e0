// Histories in editor tabs ("Open in Editor"): one WebviewPanel per session,
// each pinned to its session and restored after a reload by the serializer.
import * as vscode from 'vscode';
import { HistoryPane, type ResumeOffers, tabTitle, webviewOptions } from './historyPane';
import type { Focus } from './historyHtml';
import type { Session } from '../daemon/protocol';
import type { SessionService } from '../sessionService';

/** What a tab keeps across reloads (VS Code stores it with the window). */
interface TabState {
  ulid?: unknown;
}

export class HistoryEditors implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = 'sessiond.historyEditor';
  private readonly open = new Map<vscode.WebviewPanel, HistoryPane>();

  constructor(
    private readonly service: SessionService,
    private readonly roots: { media: vscode.Uri; dist: vscode.Uri },
    private readonly log: vscode.LogOutputChannel,
    private readonly resumer?: ResumeOffers,
  ) {}

  /** Opens `session` in a tab, or brings its tab forward. */
  async openTab(session: Session, focus?: Focus): Promise<void> {
    for (const [panel, pane] of this.open) {
      if (pane.session?.id === session.id) {
        panel.reveal();
        if (focus) await pane.show(pane.session, focus);
        return;
      }
    }
    const panel = vscode.window.createWebviewPanel(HistoryEditors.viewType, tabTitle(session), vscode.ViewColumn.Active, {
      ...webviewOptions(this.roots.media, this.roots.dist),
      retainContextWhenHidden: false,
    });
    await this.adopt(panel, session, focus);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TabState | undefined): Promise<void> {
    const ulid = typeof state?.ulid === 'string' ? state.ulid : undefined;
    this.log.info(`reopening a history tab after a reload: ${ulid ?? 'no session recorded'}`);
    const session = ulid === undefined ? undefined : ((await this.service.get(ulid).catch(() => null)) ?? undefined);
    await this.adopt(panel, session);
  }

  /** The session of the active history tab, if a history tab is active. */
  get activeSession(): Session | undefined {
    for (const [panel, pane] of this.open) if (panel.active) return pane.session;
    return undefined;
  }

  dispose(): void {
    for (const panel of this.open.keys()) panel.dispose();
  }

  private async adopt(panel: vscode.WebviewPanel, session: Session | undefined, focus?: Focus): Promise<void> {
    panel.iconPath = vscode.Uri.joinPath(this.roots.media, 'icon.svg');
    const pane = new HistoryPane(panel.webview, this.service, this.roots, false, this.resumer);
    this.open.set(panel, pane);
    pane.onDidShow((s) => {
      panel.title = tabTitle(s);
      // The page script saves this as its state, which the serializer gets back.
      void panel.webview.postMessage({ type: 'state', state: { ulid: s?.ulid } satisfies TabState });
    });
    panel.onDidChangeViewState(() => void vscode.commands.executeCommand('setContext', 'sessiond.historyEditorActive', this.activeSession !== undefined));
    panel.onDidDispose(() => {
      pane.dispose();
      this.open.delete(panel);
    });
    // Not awaited: a revived tab's page exists only once deserializeWebviewPanel has
    // returned, and a message posted to it before then would wait for ever.
    void pane.show(session, focus);
  }
}
