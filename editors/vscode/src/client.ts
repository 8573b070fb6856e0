// Owns the sessiond process: spawns it through vscode-languageclient over
// stdio, sends typed requests, and says clearly what to do when it can't start.
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import { LanguageClient, RevealOutputChannelOn, TransportKind } from 'vscode-languageclient/node';
import type { RequestParam, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import { daemonArgs, findExecutable } from './command';
import { readSettings } from './config';
import { DaemonUnavailable } from './errors';

export class DaemonClient implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('sessiond', { log: true });
  private running: Promise<LanguageClient> | undefined;

  request<P extends object, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    // Our params are never null, so they are exactly the client's RequestParam<P>.
    return this.ensure().then((c) => c.sendRequest(type, params as RequestParam<P>));
  }

  request0<R>(type: RequestType0<R, void>): Promise<R> {
    return this.ensure().then((c) => c.sendRequest(type));
  }

  /** Starts the daemon once; a failed start stays failed until restart(), so views don't nag. */
  ensure(): Promise<LanguageClient> {
    this.running ??= this.start();
    return this.running;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.ensure().catch(() => undefined);
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    const client = await running?.catch(() => undefined);
    if (client?.isRunning()) await client.stop().catch((e: unknown) => this.log.warn(`stopping sessiond: ${String(e)}`));
  }

  dispose(): void {
    void this.stop();
    this.log.dispose();
  }

  private async start(): Promise<LanguageClient> {
    const settings = readSettings();
    const [program] = settings.command;
    await vscode.commands.executeCommand('setContext', 'sessiond.unavailable', false);
    if (program === undefined || program === '') {
      throw this.fail('The setting "sessiond.command" is empty.', 'Set it to the sessiond command, e.g. ["sessiond"].');
    }
    if (findExecutable(program) === undefined) {
      throw this.fail(
        `sessiond could not be started: "${program}" was not found on PATH.`,
        'Install it with "pip install sessiond" (or "pip install -e ." in its repository), ' +
          'or set "sessiond.command" to its full path, e.g. ["/path/to/venv/bin/sessiond"].',
      );
    }
    const client = new LanguageClient(
      'sessiond',
      'sessiond',
      { command: program, args: daemonArgs(settings), transport: TransportKind.stdio },
      {
        // No documentSelector: sessiond is about chat sessions, not files.
        outputChannel: this.log,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationFailedHandler: () => false,
        stdioOptions: {
          stdout: (input) => input.resume(),
          // The daemon logs to stderr; it is not an error stream, so log it as info.
          stderr: (input, channel) =>
            readline.createInterface({ input, crlfDelay: Infinity }).on('line', (line) => channel.info(`[daemon] ${line}`)),
        },
      },
    );
    this.log.info(`starting ${[program, ...daemonArgs(settings), '--stdio'].join(' ')}`);
    try {
      await client.start();
    } catch (e) {
      await client.dispose().catch(() => undefined);
      throw this.fail(
        `sessiond could not be started: ${e instanceof Error ? e.message : String(e)}`,
        'Check "sessiond.command" and "sessiond.dbPath", then run "sessiond: Restart". The log has details.',
      );
    }
    const info = client.initializeResult?.serverInfo;
    this.log.info(`connected to ${info?.name ?? 'sessiond'} ${info?.version ?? ''}`.trim());
    return client;
  }

  private fail(problem: string, fix: string): DaemonUnavailable {
    this.log.error(`${problem} ${fix}`);
    void vscode.commands.executeCommand('setContext', 'sessiond.unavailable', true);
    void vscode.window.showErrorMessage(`${problem} ${fix}`, 'Open Settings', 'Show Log').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'sessiond.command');
      if (choice === 'Show Log') this.log.show();
    });
    return new DaemonUnavailable(problem);
  }
}
