// The History webview: the current session's events, and a box to type a turn.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DaemonUnavailable } from './errors';
import { historyPage, makeNonce, renderHistory } from './html';
import type { SessionService } from './sessions';

const PAGE = 200;

type FromWebview = { type: 'ready' } | { type: 'send'; text: string } | { type: 'earlier' };

export class HistoryView implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private limit = PAGE;
  private shownId: number | undefined;
  /** Renders can overlap; only the newest one may paint. */
  private generation = 0;

  constructor(
    private readonly service: SessionService,
    private readonly mediaRoot: vscode.Uri,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    webview.options = { enableScripts: true, localResourceRoots: [this.mediaRoot] };
    webview.html = historyPage({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'history.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'history.css')).toString(),
    });
    webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m));
    view.onDidChangeVisibility(() => view.visible && void this.render());
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Brings the view forward without taking the focus from where it is. */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand('sessiond.history.focus');
  }

  async render(): Promise<void> {
    const view = this.view;
    if (!view) return;
    const generation = ++this.generation;
    const session = this.service.current;
    if (session?.id !== this.shownId) {
      this.shownId = session?.id;
      this.limit = PAGE;
    }
    view.description = session === undefined ? undefined : session.ulid;
    try {
      const events = session === undefined ? [] : await this.service.events(session.id, this.limit);
      if (generation === this.generation) await view.webview.postMessage(renderHistory(session, events));
    } catch (e) {
      if (!(e instanceof DaemonUnavailable)) void vscode.window.showErrorMessage(`sessiond: ${String(e)}`);
    }
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (m.type === 'ready') return this.render();
    if (m.type === 'earlier') {
      this.limit += PAGE;
      return this.render();
    }
    if (m.type === 'send' && typeof m.text === 'string' && m.text.trim() !== '') {
      try {
        await this.service.append('prompt', m.text);
      } catch (e) {
        // Give the text back so nothing typed is lost.
        await this.view?.webview.postMessage({ type: 'failed', text: m.text });
        void vscode.window.showErrorMessage(`sessiond: your turn was not saved: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
