// The History view in the side bar: a HistoryPane that follows the window's
// current session.
import * as vscode from 'vscode';
import { type Focus } from './historyHtml';
import { HistoryPane, type ResumeOffers } from './historyPane';
import type { SessionService } from '../sessionService';

export class HistoryView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'sessiond.history';
  private view: vscode.WebviewView | undefined;
  private pane: HistoryPane | undefined;
  private pendingFocus: Focus | undefined;

  constructor(
    private readonly service: SessionService,
    private readonly roots: { media: vscode.Uri; dist: vscode.Uri },
    private readonly resumer?: ResumeOffers,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const pane = new HistoryPane(view.webview, this.service, this.roots, true, this.resumer);
    this.pane = pane;
    pane.onDidShow((s) => (view.description = s?.ulid));
    if (this.pendingFocus) void pane.focusOn(this.pendingFocus);
    this.pendingFocus = undefined;
    view.onDidChangeVisibility(() => view.visible && void pane.render());
    view.onDidDispose(() => {
      pane.dispose();
      if (this.pane === pane) this.pane = undefined;
      this.view = undefined;
    });
  }

  /** Brings the view forward without taking the focus from where it is. */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand('sessiond.history.focus');
  }

  /** Scrolls to a search hit and marks its words (once the view exists). */
  async focusOn(focus: Focus): Promise<void> {
    if (this.pane) await this.pane.focusOn(focus);
    else this.pendingFocus = focus;
  }

  dispose(): void {
    this.pane?.dispose();
  }
}
