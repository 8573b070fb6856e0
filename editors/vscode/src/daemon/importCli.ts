// The CLI's import command, as processes (no vscode): `sessiond import --list
// --json` says which sources this sessiond reads (its IMPORTERS table, in its
// order: a new importer shows up here with no change to the extension), and
// `sessiond import SOURCE [PATH…]` brings one in, its output read line by line.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { plainText } from '../text/plainText';
import type { Launch } from './launch';

/** One line of `sessiond import --list --json`. */
export interface ImportSource {
  /** What `sessiond import` takes, e.g. `claude-code`. */
  name: string;
  /** For a person, e.g. `Claude Code`. */
  label: string;
  description: string;
  /** Where it reads without a PATH (may be empty: then a file must be chosen). */
  paths: string[];
  /** Whether any of `paths` exists on this machine. */
  found: boolean;
}

/** A source name is passed as an argument: it must not be mistaken for an option. */
const SOURCE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function isSource(v: unknown): v is ImportSource {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.name === 'string' &&
    SOURCE_NAME.test(o.name) &&
    typeof o.label === 'string' &&
    typeof o.description === 'string' &&
    Array.isArray(o.paths) &&
    o.paths.every((p) => typeof p === 'string') &&
    typeof o.found === 'boolean'
  );
}

/**
 * The sources in the output of `sessiond import --list --json`, in its order.
 * Blank lines are skipped; a line that is not a source is an error naming it.
 */
export function parseImportList(stdout: string): ImportSource[] {
  const sources: ImportSource[] = [];
  for (const [i, raw] of stdout.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (!isSource(parsed)) throw new Error(`line ${i + 1} of "sessiond import --list --json" is not a source: ${plainText(line).slice(0, 120)}`);
    const { name, label, description, paths, found } = parsed;
    sources.push({ name, label: plainText(label) || name, description: plainText(description), paths, found });
  }
  if (sources.length === 0) throw new Error('"sessiond import --list --json" listed no source.');
  return sources;
}

/** VS Code's own chat: the history a VS Code user most likely wants, offered first when found. */
export const OWN_SOURCE = 'copilot-chat';

/**
 * The picker's order: the sources found on this machine first (VS Code's own chat, Copilot Chat,
 * before the others), each part otherwise in the CLI's order.
 */
export function pickerOrder(sources: readonly ImportSource[]): ImportSource[] {
  const found = sources.filter((s) => s.found);
  const own = found.filter((s) => s.name === OWN_SOURCE);
  return [...own, ...found.filter((s) => s.name !== OWN_SOURCE), ...sources.filter((s) => !s.found)];
}

/** `~/x` for a path under `home`. */
export function shortPath(path: string, home: string): string {
  if (home && (path === home || path.startsWith(`${home}/`))) return `~${path.slice(home.length)}`;
  return path;
}

export interface RunResult {
  code: number | null;
  /** stdout's lines as printed (for parsing). */
  raw: string[];
  /** stdout's and stderr's lines made plain text (for a person), the newest 2,000 of each. */
  out: string[];
  err: string[];
}

/** What a run needs of VS Code's log and cancellation token (so that the tests need no VS Code). */
export interface RunHooks {
  /** Each line as it comes (stdout and stderr), already made plain text. */
  onLine?: (line: string) => void;
  /** Registers a function that stops the process. */
  onCancel?: (stop: () => void) => { dispose(): unknown };
  cwd?: string;
  /** The environment the launch's own is added to (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
}

const KEPT = 2000;

/** Runs a launch to its end; never rejects (a spawn error is code null, its message in `err`). */
export function runProcess(launch: Launch, hooks: RunHooks = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const raw: string[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const proc = spawn(launch.program, launch.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(hooks.baseEnv ?? process.env), ...launch.env },
      ...(hooks.cwd ? { cwd: hooks.cwd } : {}),
    });
    const stop = hooks.onCancel?.(() => proc.kill('SIGTERM'));
    const lines = (stream: NodeJS.ReadableStream, into: string[], keepRaw: boolean) =>
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
        if (keepRaw) raw.push(text);
        // A terminal progress bar redraws with \r: keep its last state.
        const line = plainText(text.split('\r').pop() ?? '');
        if (line === '') return;
        into.push(line);
        if (into.length > KEPT) into.shift();
        hooks.onLine?.(line);
      });
    const reading = [
      new Promise((r) => lines(proc.stdout, out, true).once('close', r)),
      new Promise((r) => lines(proc.stderr, err, false).once('close', r)),
    ];
    let done = false;
    const finish = async (code: number | null) => {
      if (done) return;
      done = true;
      if (code !== null) await Promise.all(reading);
      stop?.dispose();
      resolve({ code, raw, out, err });
    };
    proc.on('error', (e) => {
      err.push(e.message);
      void finish(null);
    });
    proc.on('close', (code) => void finish(code));
  });
}

/** An older sessiond's answer to an option or command it does not know. */
function unknownOption(text: string): boolean {
  return /unrecognized arguments|invalid choice|the following arguments are required|No such (command|option)/i.test(text);
}

/**
 * The sources this sessiond imports from, in its order; rejects with a
 * sentence for a person when the list cannot be had.
 */
export async function listImportSources(launch: Launch, hooks: Pick<RunHooks, 'cwd' | 'baseEnv'> = {}): Promise<ImportSource[]> {
  const r = await runProcess(launch, hooks);
  const why = r.err.slice(-3).join(' ');
  if (r.code === null) throw new Error(`"${launch.program}" could not be run to list the import sources: ${why}`);
  if (r.code !== 0) {
    if (unknownOption(why)) throw new Error('this sessiond cannot list what it imports ("sessiond import --list"); update it (pip install -U sessiond).');
    throw new Error(`"sessiond import --list --json" failed (exit ${r.code})${why ? `: ${why}` : '.'}`);
  }
  return parseImportList(r.raw.join('\n'));
}
