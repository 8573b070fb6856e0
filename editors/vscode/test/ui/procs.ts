// Reading other processes' command lines and environments from /proc (Linux),
// as `ps` and a process's owner can: what the privacy check of the UI test needs.
import { readdirSync, readFileSync } from 'node:fs';

function read(pid: string, what: 'cmdline' | 'environ'): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'latin1').split('\0').filter((s) => s !== '');
  } catch {
    return undefined; // gone, or another user's
  }
}

export interface Proc {
  pid: number;
  cmdline: string[];
  environ: string[];
}

/** Every process this user can read. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const cmdline = read(pid, 'cmdline');
    const environ = read(pid, 'environ');
    if (cmdline && environ) out.push({ pid: Number(pid), cmdline, environ });
  }
  return out;
}
