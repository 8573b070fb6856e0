// "Resume in <tool>": reopens a session in the program it came from (Claude
// Code, Codex, sessiond chat, …) by running `sessiond resume ULID` in a VS
// Code terminal, the database in the terminal's environment (SESSIOND_DB),
// never on its command line. Whether a session can be reopened, and how, is
// the CLI's to say (`sessiond resume ULID --print`): asked once per session
// shown in the history, and once per kind of session (its source, with or
// without an id in it) for the tree's context menu.
import * as vscode from 'vscode';
import { listImportSources } from '../daemon/importCli';
import { findExecutable, importListLaunch } from '../daemon/launch';
import { checkResume, type ResumeCheck, resumeLaunch, resumePrintLaunch } from '../daemon/resumeCli';
import type { Session } from '../daemon/protocol';
import { readSettings } from '../settings';
import { cut, oneLine, sessionName } from '../text/labels';
import type { ResumeHints } from '../views/sessionsTree';

/** sessiond's own clients, which `sessiond import --list` does not name. */
const OWN_LABELS: Record<string, string> = { 'sessiond-chat': 'sessiond chat', nvim: 'Neovim', vscode: 'VS Code' };

/** What a history header shows for a session its program can reopen. */
export interface ResumeOffer {
  /** `Claude Code`: the button says "Resume in Claude Code". */
  label: string;
  /** The command the CLI would run, as it printed it. */
  command: string;
  /** What the CLI added (e.g. the program is not installed). */
  note: string;
}

/**
 * The kind of a session as far as resuming goes: its source (or, for a
 * session written before sources were recorded, its client) and whether it
 * has an id in that program. Sessions of one kind resume alike.
 */
export function resumeKind(s: Session): string {
  const source = s.source ?? `client:${s.cliVersion.split(' ')[0] ?? ''}`;
  return `${source}\u0000${s.sourceId ? 'id' : 'no id'}`;
}

/**
 * The words of a command as a POSIX shell reads them (the CLI prints it with
 * Python's shlex.join): quotes removed; an unquoted `&&` is a word of its own.
 */
export function shellWords(command: string): { text: string; quoted: boolean }[] {
  const words: { text: string; quoted: boolean }[] = [];
  let word: { text: string; quoted: boolean } | undefined;
  const chars = Array.from(command);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (/\s/.test(c)) {
      if (word) words.push(word);
      word = undefined;
      continue;
    }
    word ??= { text: '', quoted: false };
    if (c === "'") {
      const end = chars.indexOf("'", i + 1);
      const stop = end < 0 ? chars.length : end;
      word.text += chars.slice(i + 1, stop).join('');
      word.quoted = true;
      i = stop;
    } else if (c === '"') {
      word.quoted = true;
      for (i++; i < chars.length && chars[i] !== '"'; i++) word.text += chars[i] === '\\' && i + 1 < chars.length ? chars[++i] : chars[i];
    } else if (c === '\\' && i + 1 < chars.length) {
      word.text += chars[++i];
    } else {
      word.text += c;
    }
  }
  if (word) words.push(word);
  return words;
}

/** The program's name in a printed command: `claude` in `cd /x && claude --resume 5d0f`. */
export function programOf(command: string): string {
  const words = shellWords(command);
  const and = words.map((w) => !w.quoted && w.text === '&&').lastIndexOf(true);
  const program = words[and + 1]?.text ?? '';
  return program.split('/').pop() ?? program;
}

export class Resumer implements ResumeHints, vscode.Disposable {
  /** By database and ULID: what the CLI said of that session. */
  private readonly checks = new Map<string, Promise<ResumeCheck>>();
  /** By database and kind: whether sessions of that kind resume (false: they do not). */
  private readonly kinds = new Map<string, boolean>();
  private readonly queued = new Map<string, Session>();
  private probing = false;
  private labels: Promise<Map<string, string>> | undefined;
  private readonly learned = new vscode.EventEmitter<void>();
  /** Fires when the tree should ask again (a kind of session was found to resume or not). */
  readonly onDidLearn = this.learned.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** Where the CLI runs (sessiond resume reads SESSIOND_DB from it, the folder it chooses itself). */
    private readonly cwd: () => string | undefined = () => undefined,
  ) {}

  /** True when sessions like `s` resume, false when not, undefined until the CLI has said (asked now). */
  resumable(s: Session): boolean | undefined {
    const key = `${this.db()}\u0000${resumeKind(s)}`;
    const known = this.kinds.get(key);
    if (known !== undefined) return known;
    if (!this.queued.has(key)) {
      this.queued.set(key, s);
      void this.probe();
    }
    return undefined;
  }

  /** What the CLI says of `s` (cached per session and database). */
  check(s: Session): Promise<ResumeCheck> {
    const key = `${this.db()}\u0000${s.ulid}`;
    let found = this.checks.get(key);
    if (found === undefined) {
      const launch = resumePrintLaunch(readSettings(), s.ulid);
      found = checkResume(launch, { cwd: this.cwd() });
      this.checks.set(key, found);
      void found.then((r) => {
        const kind = `${this.db()}\u0000${resumeKind(s)}`;
        if (!r.ok) this.log.info(`sessiond resume ${s.ulid} --print: ${r.why}`);
        if (!this.kinds.has(kind)) {
          this.kinds.set(kind, r.ok);
          this.learned.fire();
        }
      });
    }
    return found;
  }

  /** The button's offer for `s`, or undefined when it cannot be reopened. */
  async offer(s: Session): Promise<ResumeOffer | undefined> {
    if (this.resumable(s) === false) return undefined;
    const r = await this.check(s);
    if (!r.ok) return undefined;
    return { label: await this.label(s, r.command), command: r.command, note: r.note };
  }

  /** Runs `sessiond resume ULID` in a new terminal, or says why the session cannot be reopened. */
  async run(s: Session): Promise<void> {
    const r = await this.check(s);
    if (!r.ok) return void vscode.window.showInformationMessage(`sessiond: ${oneLine(r.why)}`);
    const settings = readSettings();
    const launch = resumeLaunch(settings, s.ulid);
    const label = await this.label(s, r.command);
    this.log.info(`running ${[launch.program, ...launch.args].join(' ')} in a terminal (${r.command})`);
    const terminal = vscode.window.createTerminal({
      name: `${label}: ${cut(oneLine(sessionName(s)), 40)}`,
      shellPath: findExecutable(launch.program) ?? launch.program,
      shellArgs: launch.args,
      // Added to VS Code's own environment: the database never goes on the command line.
      env: launch.env,
      ...(this.cwd() ? { cwd: this.cwd() } : {}),
      iconPath: new vscode.ThemeIcon('debug-continue'),
    });
    terminal.show();
  }

  /** Another database or command: what was learned no longer holds. */
  reset(): void {
    this.checks.clear();
    this.kinds.clear();
    this.queued.clear();
    this.labels = undefined;
    this.learned.fire();
  }

  dispose(): void {
    this.learned.dispose();
  }

  /** The program's name for a person: the CLI's label for the source, else sessiond's own, else the program. */
  private async label(s: Session, command: string): Promise<string> {
    const source = s.source ?? '';
    if (OWN_LABELS[source]) return OWN_LABELS[source];
    this.labels ??= listImportSources(importListLaunch(readSettings()), { cwd: this.cwd() }).then(
      (sources) => new Map(sources.map((x) => [x.name, x.label])),
      () => new Map(),
    );
    const label = (await this.labels).get(source) ?? (programOf(command) || source);
    return oneLine(label) || 'its program';
  }

  /** Asks the CLI about one session of each kind not known yet, one at a time. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      for (;;) {
        const next = this.queued.entries().next();
        if (next.done) return;
        const [key, s] = next.value;
        if (!this.kinds.has(key)) await this.check(s);
        this.queued.delete(key);
      }
    } finally {
      this.probing = false;
    }
  }

  private db(): string {
    const s = readSettings();
    return `${s.command.join(' ')}\u0000${s.dbPath}`;
  }
}
