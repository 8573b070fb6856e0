// The little of the `vscode` API that sessions.ts and sessionsTree.ts touch,
// so their logic runs in plain node (esbuild aliases `vscode` to this file).
export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class ThemeIcon {
  constructor(readonly id: string) {}
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(readonly label: string) {}
}

export const settings: Record<string, unknown> = { command: ['sessiond'], dbPath: '', engineBaseUrl: '' };

export const workspace = {
  getConfiguration: () => ({ get: (key: string) => settings[key] }),
};

export const errors: string[] = [];

export const window = {
  showErrorMessage: (message: string) => {
    errors.push(message);
    return Promise.resolve(undefined);
  },
};
