// The Sessions tree: newest first, a page at a time, with a "Load more" row.
import * as vscode from 'vscode';
import { DaemonUnavailable } from './errors';
import { readSettings } from './config';
import { firstPrompt, sessionDescription, sessionLabel, sessionTooltip } from './labels';
import type { Session } from './protocol';
import type { SessionService } from './sessions';

export const PAGE_SIZE = 50;
/** The first prompt is almost always among a session's first few events. */
const PROMPT_SCAN = 10;

export type Node = { type: 'session'; session: Session; label: string } | { type: 'more' };

export class SessionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private pages = 1;
  /** First prompt by session id, with the event count it was looked up at. */
  private readonly prompts = new Map<number, { text: string | undefined; count: number }>();

  constructor(private readonly service: SessionService) {}

  refresh(): void {
    this.changed.fire();
  }

  loadMore(): void {
    this.pages += 1;
    this.changed.fire();
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'more') {
      const item = new vscode.TreeItem('Load more…');
      item.command = { command: 'sessiond.loadMore', title: 'Load more' };
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      return item;
    }
    const s = node.session;
    const engine = readSettings().engineBaseUrl;
    const item = new vscode.TreeItem(node.label);
    item.id = s.ulid;
    item.description = sessionDescription(s, engine);
    item.tooltip = sessionTooltip(s, engine);
    item.iconPath = new vscode.ThemeIcon(s.endedAt === null ? 'comment-discussion' : 'archive');
    item.contextValue = s.endedAt === null ? 'session.live' : 'session.ended';
    item.command = { command: 'sessiond.openSession', title: 'Open Session', arguments: [s] };
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node !== undefined) return [];
    const limit = this.pages * PAGE_SIZE;
    let sessions: Session[];
    try {
      // One more than shown tells whether a next page exists.
      sessions = await this.service.list(limit + 1);
    } catch (e) {
      if (!(e instanceof DaemonUnavailable)) void vscode.window.showErrorMessage(`sessiond: ${String(e)}`);
      return [];
    }
    const shown = sessions.slice(0, limit);
    const nodes: Node[] = await Promise.all(
      shown.map(async (session) => ({ type: 'session' as const, session, label: sessionLabel(session, await this.prompt(session)) })),
    );
    if (sessions.length > limit) nodes.push({ type: 'more' });
    return nodes;
  }

  private async prompt(s: Session): Promise<string | undefined> {
    const known = this.prompts.get(s.id);
    if (known !== undefined && (known.text !== undefined || known.count === s.eventCount)) return known.text;
    const events = await this.service.events(s.id, PROMPT_SCAN, PROMPT_SCAN + 1).catch(() => []);
    const text = firstPrompt(events);
    this.prompts.set(s.id, { text, count: s.eventCount });
    return text;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
