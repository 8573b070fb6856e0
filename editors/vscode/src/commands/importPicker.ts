// "Import History…": runs `sessiond import SOURCE [PATH]` (the CLI, on the
// configured database) under VS Code's progress UI, cancellable, and tells
// the summary it prints. The tree follows by itself with a subscribed daemon.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import { type ImportSource, importCommand } from '../daemon/launch';
import { plainText } from '../text/plainText';
import { readSettings } from '../settings';

interface SourceItem extends vscode.QuickPickItem {
  source: ImportSource;
}

const SOURCES: SourceItem[] = [
  { source: 'claude-code', label: 'Claude Code', detail: 'Transcripts under ~/.claude/projects/' },
  { source: 'codex', label: 'Codex CLI', detail: 'Rollouts under ~/.codex/sessions/ ($CODEX_HOME)' },
  { source: 'llm', label: 'llm', detail: "llm's logs.db" },
  { source: 'aider', label: 'aider', detail: '.aider.chat.history.md files' },
  { source: 'sessiond', label: 'Another sessiond database', detail: 'Merge the history of another machine (pick its file)' },
];

/** Asks what to import, runs it, and reports; resolves when it has ended, true when it ran. */
export async function importHistory(log: vscode.LogOutputChannel): Promise<boolean> {
  const picked = await vscode.window.showQuickPick(SOURCES, { title: 'Import History', placeHolder: 'Whose history to bring in?' });
  if (!picked) return false;
  const paths = await choosePaths(picked);
  if (paths === undefined) return false;
  const [program, args] = importCommand(readSettings(), picked.source, paths);
  log.info(`running ${[program, ...args].join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Importing ${picked.label} history`, cancellable: true },
    (progress, token) => run(program, args, log, (line) => progress.report({ message: line }), token),
  );
  const summary = plainText(result.out.slice(-6).join('\n')) || 'no summary printed';
  if (result.cancelled) {
    void vscode.window.showWarningMessage(`sessiond: the import of ${picked.label} history was stopped; what it had read is kept.`);
  } else if (result.code === 0) {
    void vscode.window.showInformationMessage(`sessiond: imported ${picked.label} history. ${summary}`);
  } else {
    const why = plainText(result.err.slice(-4).join(' ')) || summary;
    const unsupported = /invalid choice: 'import'|unrecognized arguments|No such command/i.test(why);
    const message = unsupported
      ? 'this sessiond has no import command yet; update it (pip install -U sessiond).'
      : `the import of ${picked.label} history failed (exit ${result.code ?? 'signal'}): ${why}`;
    void vscode.window.showErrorMessage(`sessiond: ${message}`, 'Show Log').then((c) => c && log.show());
  }
  return true;
}

/** [] for the tool's default location; undefined when the person cancelled. */
async function choosePaths(item: SourceItem): Promise<string[] | undefined> {
  if (item.source !== 'sessiond') {
    const where = await vscode.window.showQuickPick(
      [
        { label: 'Default location', detail: item.detail, paths: [] as string[] },
        { label: 'Choose files or folders…', paths: undefined },
      ],
      { title: `Import ${item.label} history from` },
    );
    if (!where) return undefined;
    if (where.paths) return where.paths;
  }
  const uris = await vscode.window.showOpenDialog({
    title: `Import ${item.label} history from`,
    canSelectFiles: true,
    canSelectFolders: item.source !== 'sessiond',
    canSelectMany: item.source !== 'sessiond',
    openLabel: 'Import',
  });
  return uris && uris.length > 0 ? uris.map((u) => u.fsPath) : undefined;
}

interface RunResult {
  code: number | null;
  cancelled: boolean;
  out: string[];
  err: string[];
}

function run(program: string, args: string[], log: vscode.LogOutputChannel, report: (line: string) => void, token: vscode.CancellationToken): Promise<RunResult> {
  return new Promise((resolve) => {
    const out: string[] = [];
    const err: string[] = [];
    const proc = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let cancelled = false;
    const stop = token.onCancellationRequested(() => {
      cancelled = true;
      proc.kill('SIGTERM');
    });
    const lines = (stream: NodeJS.ReadableStream, into: string[]) =>
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
        // A terminal progress bar redraws with \r: keep its last state.
        const line = plainText(raw.split('\r').pop() ?? '');
        if (line === '') return;
        into.push(line);
        if (into.length > 200) into.shift();
        log.info(`[import] ${line}`);
        report(line);
      });
    lines(proc.stdout, out);
    lines(proc.stderr, err);
    proc.on('error', (e) => {
      err.push(e.message);
      stop.dispose();
      resolve({ code: null, cancelled, out, err });
    });
    proc.on('close', (code) => {
      stop.dispose();
      resolve({ code, cancelled, out, err });
    });
  });
}
