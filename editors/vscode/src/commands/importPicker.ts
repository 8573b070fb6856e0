// "Import History…": asks the CLI what it can import (`sessiond import --list
// --json`: its own table, so a new importer needs no change here), lets the
// person pick (the sources found on this machine first), then runs `sessiond
// import SOURCE [PATH]` on the configured database under VS Code's progress
// UI, cancellable, and tells the summary it prints. The tree follows by itself
// with a subscribed daemon.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { type ImportSource, listImportSources, pickerOrder, runProcess, shortPath } from '../daemon/importCli';
import { importLaunch, importListLaunch } from '../daemon/launch';
import { readSettings } from '../settings';
import { escapeIcons, plainText } from '../text/plainText';

interface SourceItem extends vscode.QuickPickItem {
  source?: ImportSource;
}

/** Where the CLI runs: the workspace folder (aider keeps its history there), else VS Code's own. */
function workingFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder?.scheme === 'file' ? folder.fsPath : undefined;
}

export function sourceItems(sources: readonly ImportSource[], home = homedir()): SourceItem[] {
  const items: SourceItem[] = [];
  let part: boolean | undefined;
  for (const source of pickerOrder(sources)) {
    if (source.found !== part) {
      part = source.found;
      items.push({ label: part ? 'Found on this machine' : 'Not found in their usual place', kind: vscode.QuickPickItemKind.Separator });
    }
    const where = source.paths.map((p) => shortPath(p, home)).join(', ');
    items.push({
      label: escapeIcons(source.label),
      description: escapeIcons(source.found ? where : where ? `not in ${where}` : 'choose its file'),
      detail: escapeIcons(source.description),
      source,
    });
  }
  return items;
}

/** Lists the sources into a picker (busy while the CLI answers); undefined when dismissed. */
async function pickSource(log: vscode.LogOutputChannel): Promise<ImportSource | undefined> {
  const qp = vscode.window.createQuickPick<SourceItem>();
  qp.title = 'Import History';
  qp.placeholder = 'Reading what this sessiond can import…';
  qp.busy = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const launch = importListLaunch(readSettings());
  log.info(`running ${[launch.program, ...launch.args].join(' ')}`);
  const listing = listImportSources(launch, { cwd: workingFolder() });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (s: ImportSource | undefined) => {
      if (settled) return;
      settled = true;
      resolve(s);
      qp.hide();
    };
    qp.onDidAccept(() => settle(qp.selectedItems[0]?.source));
    qp.onDidHide(() => {
      settle(undefined);
      qp.dispose();
    });
    qp.show();
    listing.then(
      (sources) => {
        qp.items = sourceItems(sources);
        qp.placeholder = 'Whose history to bring in?';
        qp.busy = false;
      },
      (e: unknown) => {
        const why = plainText(e instanceof Error ? e.message : String(e));
        log.error(`import --list: ${why}`);
        settle(undefined);
        void vscode.window.showErrorMessage(`sessiond: Import History cannot list the sources: ${why}`, 'Show Log').then((c) => c && log.show());
      },
    );
  });
}

/** Asks what to import, runs it, and reports; resolves when it has ended, true when it ran. */
export async function importHistory(log: vscode.LogOutputChannel): Promise<boolean> {
  const picked = await pickSource(log);
  if (!picked) return false;
  const paths = await choosePaths(picked);
  if (paths === undefined) return false;
  const launch = importLaunch(readSettings(), picked.name, paths);
  log.info(`running ${[launch.program, ...launch.args].join(' ')}`);
  let cancelled = false;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Importing ${picked.label} history`, cancellable: true },
    (progress, token) =>
      runProcess(launch, {
        cwd: workingFolder(),
        onLine: (line) => {
          log.info(`[import] ${line}`);
          progress.report({ message: line });
        },
        onCancel: (stop) =>
          token.onCancellationRequested(() => {
            cancelled = true;
            stop();
          }),
      }),
  );
  const summary = plainText(result.out.slice(-6).join('\n')) || 'no summary printed';
  if (cancelled) {
    void vscode.window.showWarningMessage(`sessiond: the import of ${picked.label} history was stopped; what it had read is kept.`);
  } else if (result.code === 0) {
    void vscode.window.showInformationMessage(`sessiond: imported ${picked.label} history. ${summary}`);
  } else {
    const why = plainText(result.err.slice(-4).join(' ')) || summary;
    void vscode.window
      .showErrorMessage(`sessiond: the import of ${picked.label} history failed (exit ${result.code ?? 'signal'}): ${why}`, 'Show Log')
      .then((c) => c && log.show());
  }
  return true;
}

/** [] for the tool's default location; undefined when the person cancelled. */
async function choosePaths(source: ImportSource): Promise<string[] | undefined> {
  if (source.found) {
    const where = await vscode.window.showQuickPick(
      [
        { label: 'Default location', detail: escapeIcons(source.paths.map((p) => shortPath(p, homedir())).join(', ')), paths: [] as string[] },
        { label: 'Choose files or folders…', paths: undefined },
      ],
      { title: `Import ${escapeIcons(source.label)} history from` },
    );
    if (!where) return undefined;
    if (where.paths) return where.paths;
  }
  // A database is one file; other tools keep folders of transcripts.
  const oneFile = source.name === 'sessiond';
  const uris = await vscode.window.showOpenDialog({
    title: `Import ${source.label} history from`,
    canSelectFiles: true,
    canSelectFolders: !oneFile,
    canSelectMany: !oneFile,
    openLabel: 'Import',
  });
  return uris && uris.length > 0 ? uris.map((u) => u.fsPath) : undefined;
}
