// Test helper: a real sessiond process over stdio, spoken to with the same
// typed requests the extension uses. SESSIOND_COMMAND (JSON array) overrides
// the default ["sessiond"].
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  type ProtocolConnection,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

export function daemonCommand(): string[] {
  const raw = process.env.SESSIOND_COMMAND;
  return raw ? (JSON.parse(raw) as string[]) : ['sessiond'];
}

/** Why the daemon can't be run here, or undefined when it can. */
export function daemonMissing(): string | undefined {
  const [program, ...args] = daemonCommand();
  const r = spawnSync(program, [...args, '--help'], { stdio: 'ignore' });
  return r.error || r.status !== 0 ? `${program} cannot be run (${r.error?.message ?? `exit ${r.status}`})` : undefined;
}

/**
 * A skip reason for daemon-backed tests when the daemon is absent, unless
 * SESSIOND_TESTS_STRICT=1 (as scripts/test.sh sets), where absence must fail.
 */
export function skipWithoutDaemon(): string | false {
  const missing = daemonMissing();
  if (missing === undefined) return false;
  if (process.env.SESSIOND_TESTS_STRICT === '1') throw new Error(`SESSIOND_TESTS_STRICT=1 but ${missing}`);
  return missing;
}

export interface Daemon {
  conn: ProtocolConnection;
  init: InitializeResult;
  proc: ChildProcess;
  stderr: () => string;
  /** shutdown + exit; resolves with the exit code. */
  close: () => Promise<number | null>;
}

export async function startDaemon(extraArgs: string[]): Promise<Daemon> {
  const [program, ...args] = daemonCommand();
  const proc = spawn(program, [...args, ...extraArgs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    clientInfo: { name: 'sessiond-vscode-tests' },
  });
  await conn.sendNotification(InitializedNotification.type, {});
  return {
    conn,
    init,
    proc,
    stderr: () => err,
    close: async () => {
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
      const code = await exited;
      conn.dispose();
      return code;
    },
  };
}
