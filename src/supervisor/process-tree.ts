import { readdirSync, readFileSync } from 'node:fs';

/** Reads the parent pid of every process from /proc/PID/stat; empty where there is no /proc. */
export function readParentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }

  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }

    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in brackets may contain spaces; the fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while the list was read.
    }
  }

  return parents;
}

/** Returns the pid and the pids of all its descendants, the pid first. */
export function processTree(pid: number, parents: Map<number, number> = readParentPids()): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }

  const tree = [pid];
  for (let index = 0; index < tree.length; index++) {
    tree.push(...(children.get(tree[index]) ?? []));
  }

  return tree;
}

/** Reads a process's resident set size in bytes (VmRSS), or undefined when it is gone or a kernel thread. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Sums the resident memory of a process and its descendants, so that a wrapper
 * script does not hide the server it started. Shared pages count once per
 * process, as in `ps`. Returns undefined when the process itself is gone.
 */
export function treeResidentBytes(pid: number, parents?: Map<number, number>): number | undefined {
  const [main, ...descendants] = processTree(pid, parents);
  const own = residentBytes(main);
  if (own === undefined) {
    return undefined;
  }

  return descendants.reduce((sum, child) => sum + (residentBytes(child) ?? 0), own);
}
