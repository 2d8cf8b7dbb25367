import { readFileSync } from 'node:fs';

/** A process's line in `/proc/<pid>/stat` (Linux): its name, and its fields by their number in proc(5). */
export interface ProcStat {
  readonly comm: string;
  /** Field `n`, counted from the PID as 1 (utime is 14, starttime 22). */
  field(n: number): string | undefined;
}

/** The process's `/proc/<pid>/stat`; `undefined` where there is none, or the process is gone. */
export function readProcStat(pid: number | string): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name in parentheses may hold spaces: fields are counted after its closing one, from field 3.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), field: (n) => fields[n - 3] };
}
