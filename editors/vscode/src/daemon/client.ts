// Owns the sessiond process: spawns it through vscode-languageclient over
// stdio, sends typed requests, and says clearly what to do when it can't start.
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import { LanguageClient, RevealOutputChannelOn, TransportKind } from 'vscode-languageclient/node';
import type {
  CancellationToken,
  NotificationType,
  RequestParam,
  RequestType,
  RequestType0,
} from 'vscode-languageserver-protocol';
import { daemonLaunch, describeDb, findExecutable, missingProgramMessage } from './launch';
import { readSettings } from '../settings';
import { DaemonUnavailable } from './unavailable';
import type { SessiondCapabilities } from './protocol';

/** What the session logic needs of the daemon (the unit tests give it a fake). */
export interface Wire {
  request<P extends object, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R>;
  request0<R>(type: RequestType0<R, void>): Promise<R>;
  /** What the running daemon announced; undefined when it is not running. */
  capabilities(): Promise<SessiondCapabilities | undefined>;
  /** Routes one notification to `handler`, on this daemon and on every restarted one. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable;
  /** Fires after each (re)start, once the daemon has answered `initialize`. */
  readonly onDidStart: vscode.Event<SessiondCapabilities>;
}

type Route = { type: NotificationType<unknown>; handler: (params: unknown) => void };

export class DaemonClient implements Wire, vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('sessiond', { log: true });
  private running: Promise<LanguageClient> | undefined;
  private readonly routes = new Set<Route>();
  private readonly started = new vscode.EventEmitter<SessiondCapabilities>();
  readonly onDidStart = this.started.event;

  request<P extends object, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
    // Our params are never null, so they are exactly the client's RequestParam<P>.
    return this.ensure().then((c) => c.sendRequest(type, params as RequestParam<P>, token));
  }

  request0<R>(type: RequestType0<R, void>): Promise<R> {
    return this.ensure().then((c) => c.sendRequest(type));
  }

  async capabilities(): Promise<SessiondCapabilities | undefined> {
    const client = await this.ensure().catch(() => undefined);
    return client === undefined ? undefined : capabilitiesOf(client);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    const route = { type, handler } as Route;
    this.routes.add(route);
    void this.running?.then((c) => c.onNotification(route.type, (params: unknown) => this.deliver(route, params))).catch(() => undefined);
    return new vscode.Disposable(() => this.routes.delete(route));
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
    this.started.dispose();
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
      const [problem, fix] = missingProgramMessage(program);
      throw this.fail(problem, fix);
    }
    const launch = daemonLaunch(settings);
    const client = new LanguageClient(
      'sessiond',
      'sessiond',
      // An executable's `env` replaces the whole environment (the client merges only a
      // forked module's): VS Code's own, then the settings' (SESSIOND_DB).
      { command: launch.program, args: launch.args, options: { env: { ...process.env, ...launch.env } }, transport: TransportKind.stdio },
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
    const db = settings.dbPath ? `, database ${describeDb(settings.dbPath)} (from sessiond.dbPath, passed as SESSIOND_DB)` : '';
    this.log.info(`starting ${[launch.program, ...launch.args, '--stdio'].join(' ')}${db}`);
    // Routed before start so that nothing sent right after initialize is missed.
    for (const route of this.routes) client.onNotification(route.type, (params: unknown) => this.deliver(route, params));
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
    const caps = capabilitiesOf(client);
    this.log.info(`connected to ${info?.name ?? 'sessiond'} ${info?.version ?? ''}, protocol version ${caps.protocolVersion}`.trim());
    // After `running` holds this client, so that listeners' requests reach it.
    setImmediate(() => this.started.fire(caps));
    return client;
  }

  /** A handler that throws must not break the connection, nor the other handlers. */
  private deliver(route: Route, params: unknown): void {
    if (!this.routes.has(route)) return;
    try {
      route.handler(params);
    } catch (e) {
      this.log.error(`handling ${route.type.method}: ${String(e)}`);
    }
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

function capabilitiesOf(client: LanguageClient): SessiondCapabilities {
  const experimental = client.initializeResult?.capabilities.experimental as { sessiond?: Partial<SessiondCapabilities> } | undefined;
  const caps = experimental?.sessiond ?? {};
  return {
    protocolVersion: typeof caps.protocolVersion === 'number' ? caps.protocolVersion : 1,
    maxTextBytes: typeof caps.maxTextBytes === 'number' ? caps.maxTextBytes : 1048576,
    chat: caps.chat === true,
    // Unknown (undefined) from a server that does not say: then a first chat/send tells.
    ...(typeof caps.engine === 'boolean' ? { engine: caps.engine } : {}),
  };
}
