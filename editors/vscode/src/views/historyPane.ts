// One history page in a webview, for the side bar (following the current
// session) and for editor tabs (pinned to one session): what it shows, how it
// follows changes and streamed replies, and what the page asks of it.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { DaemonUnavailable } from '../daemon/unavailable';
import { type Focus, historyPage, makeNonce, type Parent, renderEvent, renderHistory, renderMissing, type ResumeButton } from './historyHtml';
import { renderMarkdown } from './markdownHtml';
import { readSettings } from '../settings';
import { sessionName } from '../text/labels';
import { ResponseError } from 'vscode-languageserver-protocol';
import { ErrorCodes, type Event, type Session } from '../daemon/protocol';
import type { Change, SessionService } from '../sessionService';

const PAGE = 200;
/** Sessions read to find a parent's continuations (they start after it, so are among the newest). */
const CHILD_SCAN = 500;
const CACHE_MAX = 4000;

type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'earlier' }
  | { type: 'open'; ulid: string }
  | { type: 'copy'; text: string; id: number }
  | { type: 'stop' }
  | { type: 'openSetting' }
  | { type: 'resume' };

/** What the pane asks of the Resumer (commands/resume.ts): whether the shown session's program can reopen it. */
export interface ResumeOffers {
  offer(session: Session): Promise<ResumeButton | undefined>;
}

/**
 * Events never change once stored, so their HTML is kept (markdown and
 * highlighting cost time). Keyed by the session's ULID, not its id: ids
 * repeat across databases (sessiond.dbPath changes), ULIDs do not.
 */
const eventHtml = new Map<string, string>();
function cachedEventHtml(ulid: string, e: Event): string {
  const key = `${ulid}:${e.seq}:${e.createdAt}`;
  let html = eventHtml.get(key);
  if (html === undefined) {
    html = renderEvent(e);
    if (eventHtml.size >= CACHE_MAX) eventHtml.delete(eventHtml.keys().next().value as string);
    eventHtml.set(key, html);
  }
  return html;
}

export function webviewOptions(mediaRoot: vscode.Uri, distRoot: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot, distRoot] };
}

export class HistoryPane implements vscode.Disposable {
  private limit = PAGE;
  private shownId: number | undefined;
  private focus: Focus | undefined;
  /** The render under way, and whether another was asked for meanwhile: paints never overlap. */
  private rendering: Promise<void> | undefined;
  private again = false;
  private pinned: Session | undefined;
  /** A tab re-reads its session by ULID after the store may have changed (ids repeat across databases). */
  private recheck = false;
  /** The tab's session is not in the database the daemon serves now (sessiond.dbPath changed). */
  private missing = false;
  private related: { id: number; parent?: Parent; children: Session[] } | undefined;
  private stream: { sessionId: number; promptSeq: number; text: string } | undefined;
  private sending: vscode.CancellationTokenSource | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** By ULID: the Resume button of sessions asked about (null: none), asked once each. */
  private readonly offers = new Map<string, ResumeButton | null>();
  private readonly titled = new vscode.EventEmitter<Session | undefined>();
  /** Fires with the session shown after each render (editor tabs take their title from it). */
  readonly onDidShow = this.titled.event;

  /**
   * @param follow true: shows the window's current session (the side bar);
   *   false: shows only what show() gives it (an editor tab).
   */
  constructor(
    private readonly webview: vscode.Webview,
    private readonly service: SessionService,
    roots: { media: vscode.Uri; dist: vscode.Uri },
    private readonly follow: boolean,
    private readonly resumer?: ResumeOffers,
  ) {
    webview.options = webviewOptions(roots.media, roots.dist);
    webview.html = historyPage({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(roots.dist, 'history.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(roots.media, 'history.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      service.onDidChange((c) => this.onChange(c)),
      service.onDidDelta((d) => this.onDelta(d)),
      this.titled,
    );
  }

  /** The session this page shows. */
  get session(): Session | undefined {
    return this.follow ? this.service.current : this.pinned;
  }

  /** Shows `session` (an editor tab; the side bar follows the service), scrolled to `focus` when given. */
  async show(session: Session | undefined, focus?: Focus): Promise<void> {
    if (!this.follow) {
      this.pinned = session;
      this.missing = false;
    }
    this.focus = focus;
    await this.render();
  }

  /** Scrolls to and marks a search hit in what is shown (the side bar, after service.show). */
  async focusOn(focus: Focus): Promise<void> {
    this.focus = focus;
    await this.render();
  }

  /** Renders now, or once more after the render under way (a burst of appends asks once, not per event). */
  render(): Promise<void> {
    if (this.rendering) {
      this.again = true;
      return this.rendering;
    }
    this.rendering = (async () => {
      try {
        do {
          this.again = false;
          await this.paint();
        } while (this.again);
      } finally {
        this.rendering = undefined;
      }
    })();
    return this.rendering;
  }

  private async paint(): Promise<void> {
    if (!this.follow && this.pinned !== undefined && this.recheck) {
      this.recheck = false;
      const ulid = this.pinned.ulid;
      const fresh = await this.service.get(ulid).catch(() => undefined);
      // The tab may have moved on meanwhile (to a continuation): only its own session counts.
      if (this.pinned?.ulid !== ulid) this.again = true;
      else if (fresh === null) this.missing = true;
      else if (fresh !== undefined) {
        this.missing = false;
        this.pinned = fresh;
      }
    }
    if (this.missing && this.pinned !== undefined) {
      await this.webview.postMessage(renderMissing(this.pinned.ulid));
      this.titled.fire(this.pinned);
      return;
    }
    const session = this.session;
    if (session?.id !== this.shownId) {
      this.shownId = session?.id;
      this.limit = PAGE;
      this.related = undefined;
    }
    const focus = this.focus;
    this.focus = undefined;
    try {
      if (focus !== undefined && session !== undefined) this.limit = Math.max(this.limit, session.eventCount - focus.seq + 20);
      const events = session === undefined ? [] : await this.service.events(session.id, this.limit);
      const related = session === undefined ? undefined : await this.relatives(session);
      await this.webview.postMessage(
        renderHistory(session, events, {
          parent: related?.parent,
          children: related?.children,
          focus,
          eventHtml: (e) => cachedEventHtml(session?.ulid ?? '', e),
          engine: this.service.engineState(session),
          engineSetting: readSettings().engineBaseUrl,
          resume: session === undefined ? undefined : this.resumeButton(session),
          home: homedir(),
        }),
      );
      this.titled.fire(session);
    } catch (e) {
      if (!this.follow && this.pinned !== undefined && e instanceof ResponseError && e.code === ErrorCodes.SessionNotFound) {
        // Gone from under the tab (another database, or deleted for good): say so in the tab.
        this.missing = true;
        await this.webview.postMessage(renderMissing(this.pinned.ulid));
        return;
      }
      if (!(e instanceof DaemonUnavailable)) void vscode.window.showErrorMessage(`sessiond: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    this.sending?.cancel();
    for (const d of this.disposables) d.dispose();
  }

  /**
   * The Resume button for `session` when known; else asks once (a process:
   * the page is not kept waiting) and renders again with the answer.
   */
  private resumeButton(session: Session): ResumeButton | undefined {
    const known = this.offers.get(session.ulid);
    if (known !== undefined || this.resumer === undefined) return known ?? undefined;
    this.offers.set(session.ulid, null);
    void this.resumer.offer(session).then(
      (offer) => {
        if (offer === undefined) return;
        this.offers.set(session.ulid, offer);
        if (this.session?.ulid === session.ulid) void this.render();
      },
      () => undefined,
    );
    return undefined;
  }

  /** The parent a continuation names, and the sessions that continue this one; read once per session shown. */
  private async relatives(session: Session): Promise<{ parent?: Parent; children: Session[] }> {
    if (this.related?.id === session.id) return this.related;
    let parent: Parent | undefined;
    if (session.parentUlid !== null) parent = (await this.service.get(session.parentUlid).catch(() => null)) ?? { ulid: session.parentUlid };
    const newest = await this.service.list(CHILD_SCAN).catch(() => []);
    const children = newest.filter((s) => s.parentUlid === session.ulid).reverse();
    this.related = { id: session.id, parent, children };
    return this.related;
  }

  private onChange(change: Change): void {
    const shown = this.session;
    if (change.type === 'all' || change.type === 'shown') {
      this.related = undefined;
      this.recheck = true;
    } else if (change.type === 'session') {
      // The shown one changed, or a continuation of it started, or its parent was renamed.
      const s = change.session;
      if (s.id !== shown?.id && s.parentUlid !== shown?.ulid && s.ulid !== shown?.parentUlid) return;
      this.related = undefined;
      if (!this.follow && this.pinned?.id === s.id) this.pinned = s;
    } else {
      if (change.event.sessionId !== shown?.id) return;
      if (!this.follow && this.pinned && this.pinned.eventCount < change.event.seq) {
        this.pinned = { ...this.pinned, eventCount: change.event.seq };
      }
      // The streamed reply is now stored: the event replaces the preview.
      if (this.stream?.sessionId === change.event.sessionId && change.event.seq > this.stream.promptSeq) this.stream = undefined;
    }
    void this.render();
  }

  private onDelta(d: { sessionId: number; promptSeq: number; text: string }): void {
    if (d.sessionId !== this.session?.id) return;
    if (this.stream?.sessionId !== d.sessionId || this.stream.promptSeq !== d.promptSeq) {
      this.stream = { sessionId: d.sessionId, promptSeq: d.promptSeq, text: '' };
      // The prompt is stored before the reply starts: show it above the reply.
      void this.render();
    }
    this.stream.text += d.text;
    void this.webview.postMessage({ type: 'stream', html: renderMarkdown(this.stream.text) });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.render();
      case 'earlier':
        this.limit += PAGE;
        return this.render();
      case 'open': {
        if (typeof m.ulid !== 'string') return;
        // A tab follows its links itself; the side bar goes through the command, like a tree click.
        if (this.follow) return void (await vscode.commands.executeCommand('sessiond.openSession', m.ulid));
        const linked = await this.service.get(m.ulid).catch(() => null);
        if (linked) await this.show(linked);
        else void vscode.window.showWarningMessage(`sessiond: no session ${m.ulid} in this store.`);
        return;
      }
      case 'copy':
        if (typeof m.text !== 'string') return;
        await vscode.env.clipboard.writeText(m.text);
        // The button says "Copied" only once it is true.
        await this.webview.postMessage({ type: 'copied', id: m.id });
        return;
      case 'stop':
        this.sending?.cancel();
        return;
      case 'openSetting':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'sessiond.engineBaseUrl');
        return;
      case 'resume':
        if (this.session) await vscode.commands.executeCommand('sessiond.resumeSession', this.session.ulid);
        return;
      case 'send':
        if (typeof m.text === 'string' && m.text.trim() !== '') await this.send(m.text);
        return;
    }
  }

  private async send(text: string): Promise<void> {
    if (this.missing) return;
    const sending = new vscode.CancellationTokenSource();
    this.sending = sending;
    await this.webview.postMessage({ type: 'sending', busy: true });
    try {
      const r = await this.service.append('prompt', text, { at: this.follow ? undefined : this.pinned, chat: true, token: sending.token });
      if (!this.follow && r.session.id !== this.pinned?.id) {
        this.pinned = r.session;
        await this.render();
      }
    } catch (e) {
      // Give the text back only when nothing was stored (an engine error keeps the prompt).
      const stored = e instanceof ResponseError && e.code === ErrorCodes.EngineError;
      if (!stored) await this.webview.postMessage({ type: 'failed', text });
      const what = stored ? 'no reply' : 'your turn was not saved';
      if (!sending.token.isCancellationRequested) {
        void vscode.window.showErrorMessage(`sessiond: ${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } finally {
      sending.dispose();
      if (this.sending === sending) this.sending = undefined;
      this.stream = undefined;
      await this.webview.postMessage({ type: 'sending', busy: false });
      await this.render();
    }
  }
}

/** An editor tab's title: the session's name, cut short. */
export function tabTitle(session: Session | undefined): string {
  if (session === undefined) return 'Session history';
  const name = sessionName(session);
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}
