// The Sessions tree: the most recently active first (version 3; newest
// started before), a page at a time, grouped Today / Yesterday / Last 7 days
// / Older, then the trash (version 2). With a version-3 daemon and a folder
// open, the workspace's own sessions (those of its folders and the folders
// under them); a title-bar toggle shows every folder's.
import * as vscode from 'vscode';
import { readSettings } from '../settings';
import { DaemonUnavailable } from '../daemon/unavailable';
import {
  dayGroup,
  type DayGroup,
  firstPrompt,
  folderName,
  GROUP_TITLES,
  sessionAccessibleLabel,
  sessionDescription,
  sessionLabel,
  sessionTime,
  sessionTooltip,
} from '../text/labels';
import { type Session, SessionDelete } from '../daemon/protocol';
import { type SessionService, workspaceFolderPaths } from '../sessionService';

export const PAGE_SIZE = 50;
/** The first prompt is almost always among a session's first few events (version 1 only). */
const PROMPT_SCAN = 10;
const TRASH_SHOWN = 200;
/** Bursts of changes (an import, a fast writer) repaint the tree at most this often. */
const REPAINT_MS = 250;

export type Node =
  | { type: 'group'; group: DayGroup; sessions: Session[] }
  | { type: 'session'; session: Session; prompt?: string }
  | { type: 'more' }
  | { type: 'trash' }
  /** The workspace has no session yet (only in the workspace's scope). */
  | { type: 'none' }
  /** Switches to every folder's sessions (ends the workspace's list). */
  | { type: 'all' };

export type SessionNode = Extract<Node, { type: 'session' }>;

/**
 * Which sessions the tree lists: the workspace folders' (`workspace`), every
 * folder's (`all`); `fixed` when there is no choice (no folder open, or a
 * daemon before version 3, which cannot filter by folder): all of them.
 */
export type Scope = 'workspace' | 'all' | 'fixed';

/** What the tree needs to know of a session's resume command (the Resumer). */
export interface ResumeHints {
  /** True when the session's program can reopen it; undefined until known. */
  resumable(session: Session): boolean | undefined;
}

/** Where the tree keeps the person's choice of scope (VS Code's workspaceState). */
export interface ScopeMemory {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const SCOPE_KEY = 'sessiond.scope';

export class SessionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pages = 1;
  /** Version 1: first prompt by session id, with the event count it was looked up at. */
  private readonly prompts = new Map<number, { text: string | undefined; count: number }>();
  /** The nodes last handed to VS Code, by ULID: reveal() must get these very objects. */
  private readonly listed = new Map<string, { node: SessionNode; parent: Node }>();
  private pendingReveal: string | undefined;
  private repaint: ReturnType<typeof setTimeout> | undefined;
  private lastPaint = 0;
  private view: vscode.TreeView<Node> | undefined;
  private wanted: 'workspace' | 'all';
  private scopeNow: Scope = 'fixed';
  private readonly scoped = new vscode.EventEmitter<Scope>();
  /** Fires when the scope shown changes (the title bar's toggle follows it). */
  readonly onDidChangeScope = this.scoped.event;

  constructor(
    private readonly service: SessionService,
    private readonly now: () => Date = () => new Date(),
    private readonly folders: () => string[] = workspaceFolderPaths,
    private readonly memory?: ScopeMemory,
    private readonly resume?: ResumeHints,
  ) {
    this.wanted = memory?.get<string>(SCOPE_KEY) === 'all' ? 'all' : 'workspace';
  }

  /** The sessions listed now: the workspace's, all, or all with no choice. */
  get scope(): Scope {
    return this.scopeNow;
  }

  /** Lists the workspace's sessions, or every folder's; remembered for this workspace. */
  setScope(scope: 'workspace' | 'all'): void {
    this.wanted = scope;
    void this.memory?.update(SCOPE_KEY, scope);
    this.pages = 1;
    this.paint();
  }

  /** The view showing this tree, for reveal(). */
  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
  }

  /** Repaints now, or, within a burst, once when the burst allows. */
  refresh(): void {
    const wait = this.lastPaint + REPAINT_MS - Date.now();
    if (wait <= 0) return this.paint();
    this.repaint ??= setTimeout(() => this.paint(), wait);
  }

  loadMore(): void {
    this.pages += 1;
    this.paint();
  }

  /** Selects the session's row once the tree lists it (e.g. a continuation just started). */
  revealSession(ulid: string): void {
    this.pendingReveal = ulid;
    this.revealPending();
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'more': {
        const item = new vscode.TreeItem('Load more…');
        item.command = { command: 'sessiond.loadMore', title: 'Load more' };
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        return item;
      }
      case 'trash': {
        const item = new vscode.TreeItem('Trash', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'trash';
        item.iconPath = new vscode.ThemeIcon('trash');
        item.tooltip = 'Sessions moved to the trash: open one to read it, or restore it.';
        item.contextValue = 'trash';
        return item;
      }
      case 'none': {
        const item = new vscode.TreeItem('No sessions in this workspace yet');
        item.iconPath = new vscode.ThemeIcon('info');
        item.tooltip = `No session was held in ${this.folders().join(', ')} or a folder under it.`;
        return item;
      }
      case 'all': {
        const item = new vscode.TreeItem('Show sessions of all folders');
        item.command = { command: 'sessiond.showAllSessions', title: 'Show Sessions of All Folders' };
        item.iconPath = new vscode.ThemeIcon('globe');
        item.tooltip = 'This list holds the sessions of this workspace\'s folders: show those of every folder.';
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(GROUP_TITLES[node.group], vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.group}`;
        item.description = String(node.sessions.length);
        item.contextValue = 'group';
        return item;
      }
      case 'session':
        return this.sessionItem(node);
    }
  }

  getParent(node: Node): Node | undefined {
    return node.type === 'session' ? this.listed.get(node.session.ulid)?.parent : undefined;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    try {
      if (node === undefined) return await this.roots();
      if (node.type === 'group') return await this.withPrompts(node, node.sessions);
      if (node.type === 'trash') return await this.withPrompts(node, await this.service.listTrash(TRASH_SHOWN, this.scopeFolders()));
      return [];
    } catch (e) {
      if (!(e instanceof DaemonUnavailable)) void vscode.window.showErrorMessage(`sessiond: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  dispose(): void {
    if (this.repaint) clearTimeout(this.repaint);
    this.changed.dispose();
    this.scoped.dispose();
  }

  private paint(): void {
    if (this.repaint) clearTimeout(this.repaint);
    this.repaint = undefined;
    this.lastPaint = Date.now();
    this.changed.fire(undefined);
  }

  /** The folders listed now; undefined for every folder. */
  private scopeFolders(): string[] | undefined {
    return this.scopeNow === 'workspace' ? this.folders() : undefined;
  }

  private async updateScope(): Promise<void> {
    const choice = this.folders().length > 0 && (await this.service.filtersByProject());
    const scope: Scope = choice ? this.wanted : 'fixed';
    if (scope !== this.scopeNow) {
      this.scopeNow = scope;
      this.scoped.fire(scope);
    }
    if (this.view) {
      const names = this.folders().map(folderName).join(', ');
      this.view.description = scope === 'workspace' ? names : scope === 'all' ? 'all folders' : undefined;
    }
  }

  private async roots(): Promise<Node[]> {
    await this.updateScope();
    const limit = this.pages * PAGE_SIZE;
    // One more than shown tells whether a next page exists.
    const sessions = await this.service.listRecent(limit + 1, { folders: this.scopeFolders() });
    const now = this.now();
    const byGroup = new Map<DayGroup, Session[]>();
    for (const s of sessions.slice(0, limit)) {
      const g = dayGroup(sessionTime(s), now);
      byGroup.set(g, [...(byGroup.get(g) ?? []), s]);
    }
    const nodes: Node[] = [];
    this.listed.clear();
    for (const group of ['today', 'yesterday', 'week', 'older'] as const) {
      const members = byGroup.get(group);
      if (members === undefined) continue;
      const node: Node = { type: 'group', group, sessions: members };
      nodes.push(node);
    }
    if (sessions.length > limit) nodes.push({ type: 'more' });
    // An empty store says "No sessions yet" (the view's welcome) rather than offering other folders.
    const workspace = this.scopeNow === 'workspace' && (sessions.length > 0 || (await this.service.listRecent(1)).length > 0);
    if (workspace && sessions.length === 0) nodes.push({ type: 'none' });
    // Shown only when it holds something, so an empty store still says "No sessions yet".
    if ((await this.service.has(SessionDelete.method)) && (await this.service.listTrash(1, this.scopeFolders())).length > 0) nodes.push({ type: 'trash' });
    if (workspace) nodes.push({ type: 'all' });
    return nodes;
  }

  private async withPrompts(parent: Node, sessions: Session[]): Promise<SessionNode[]> {
    const v1 = (await this.service.capabilities()).protocolVersion < 2;
    const nodes = await Promise.all(
      sessions.map(async (session): Promise<SessionNode> => ({ type: 'session', session, prompt: v1 ? await this.prompt(session) : undefined })),
    );
    if (parent.type === 'group') for (const node of nodes) this.listed.set(node.session.ulid, { node, parent });
    if (parent.type === 'group') setImmediate(() => this.revealPending());
    return nodes;
  }

  private sessionItem(node: SessionNode): vscode.TreeItem {
    const s = node.session;
    const engine = readSettings().engineBaseUrl;
    const now = this.now();
    const item = new vscode.TreeItem(sessionLabel(s, node.prompt));
    const state = s.deletedAt ? 'trashed' : s.endedAt === null ? 'live' : 'ended';
    item.id = s.deletedAt ? `trash:${s.ulid}` : s.ulid;
    // The workspace's own folders go without saying in its list.
    item.description = sessionDescription(s, engine, now, this.scopeNow === 'workspace' ? this.folders() : []);
    item.tooltip = sessionTooltip(s, engine, node.prompt);
    item.accessibilityInformation = { label: sessionAccessibleLabel(s, now, node.prompt) };
    // The state shows in the icon, so it stays visible however the row is cut.
    item.iconPath =
      state === 'live'
        ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.green'))
        : new vscode.ThemeIcon(state === 'trashed' ? 'trash' : 'circle-outline');
    // `.resume`: its program can reopen it ("Resume in …" in the context menu).
    item.contextValue = `session.${state}${state !== 'trashed' && this.resume?.resumable(s) ? '.resume' : ''}`;
    item.command = { command: 'sessiond.openSession', title: 'Open Session', arguments: [s] };
    return item;
  }

  private revealPending(): void {
    const ulid = this.pendingReveal;
    const found = ulid === undefined ? undefined : this.listed.get(ulid);
    if (!found || !this.view) return;
    this.pendingReveal = undefined;
    void Promise.resolve(this.view.reveal(found.node, { select: true, focus: false })).catch(() => undefined);
  }

  private async prompt(s: Session): Promise<string | undefined> {
    const known = this.prompts.get(s.id);
    if (known !== undefined && (known.text !== undefined || known.count === s.eventCount)) return known.text;
    const events = await this.service.events(s.id, PROMPT_SCAN, PROMPT_SCAN + 1).catch(() => []);
    const text = firstPrompt(events);
    this.prompts.set(s.id, { text, count: s.eventCount });
    return text;
  }
}
