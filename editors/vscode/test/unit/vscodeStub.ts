// The little of the `vscode` API that the session logic, the tree and the
// command table touch, so they run in plain node (esbuild aliases `vscode` to
// this file).
export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    readonly label: string,
    readonly collapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export const settings: Record<string, unknown> = { command: ['sessiond'], dbPath: '', engineBaseUrl: '' };

/** The window's folders, as VS Code gives them (tests set it). */
export const folders: { uri: { scheme: string; fsPath: string } }[] = [];

export const workspace = {
  getConfiguration: () => ({ get: (key: string) => settings[key] }),
  get workspaceFolders() {
    return folders.length > 0 ? folders : undefined;
  },
};

/** Every terminal created, with the options it was given. */
export const terminals: { options: Record<string, unknown>; shown: boolean }[] = [];

export const errors: string[] = [];
export const infos: string[] = [];

export const window = {
  showErrorMessage: (message: string) => {
    errors.push(message);
    return Promise.resolve(undefined);
  },
  showInformationMessage: (message: string) => {
    infos.push(message);
    return Promise.resolve(undefined);
  },
  showWarningMessage: (message: string) => {
    errors.push(message);
    return Promise.resolve(undefined);
  },
  createTerminal: (options: Record<string, unknown>) => {
    const t = { options, shown: false };
    terminals.push(t);
    return { show: () => (t.shown = true), dispose: () => undefined };
  },
};

/** Every executeCommand call, as [command, ...args]. */
export const executed: unknown[][] = [];

export const commands = {
  registerCommand: (_id: string, _fn: unknown) => new Disposable(() => undefined),
  executeCommand: (...args: unknown[]) => {
    executed.push(args);
    return Promise.resolve(undefined);
  },
};

export const env = {
  clipboard: {
    writeText: (text: string) => {
      clipboardText.push(text);
      return Promise.resolve();
    },
  },
};

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export class Uri {
  constructor(readonly path: string) {}
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri([base.path, ...parts].join('/'));
  }
  toString(): string {
    return `stub:${this.path}`;
  }
}

export class CancellationTokenSource {
  private readonly cancelled = new EventEmitter<void>();
  token = { isCancellationRequested: false, onCancellationRequested: this.cancelled.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.cancelled.fire();
  }
  dispose(): void {
    this.cancelled.dispose();
  }
}

export const clipboardText: string[] = [];

export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}
