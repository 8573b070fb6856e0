// Starts a code-server of the test's own: private user data, extensions and
// config, workspace trust off, the built .vsix installed.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CODE_SERVER, run, toolEnv, VSIX } from './tools';

export interface CodeServer {
  url: string;
  log: string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startCodeServer(dir: string, settings: Record<string, unknown>): Promise<CodeServer> {
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  const workspace = join(dir, 'workspace');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const settingsFile = join(userData, 'User', 'settings.json');
  const base = {
    // Without this an untrusted workspace may keep the extension disabled.
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    // Keep the Chat side bar out of the way of the screenshot.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    // View title actions (End Session, …) stay visible instead of showing on hover.
    'workbench.view.alwaysShowHeaderActions': true,
  };
  writeFileSync(settingsFile, JSON.stringify({ ...base, ...settings }, null, 2));
  const env = toolEnv({
    // Keep code-server's own config and data out of the real home folder.
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    // No marketplace: point it at a closed loopback port rather than the network.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
  });
  const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const installed = run(CODE_SERVER, [...dirs, '--install-extension', VSIX], env);
  if (!/successfully installed/i.test(installed)) throw new Error(`installing the .vsix said:\n${installed}`);

  const port = await freePort();
  const log = join(dir, 'code-server.log');
  const out = createWriteStream(log);
  const proc: ChildProcess = spawn(
    CODE_SERVER,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...dirs, '--disable-telemetry', '--disable-update-check', '--config', join(dir, 'config.yaml'), workspace],
    // Its own process group, so stop() ends code-server and every process it started.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      out.write(d);
      seen += d.toString();
      if (seen.includes('HTTP server listening')) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`code-server exited (${code}) before listening:\n${seen}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
    log,
    stop: async () => {
      if (proc.exitCode === null && proc.pid !== undefined) process.kill(-proc.pid, 'SIGTERM');
      await exited;
      out.end();
    },
  };
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
