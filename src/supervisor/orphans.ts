import { readdirSync, readFileSync } from 'node:fs';

import { isProcessAlive, waitForExit } from './processes';

/** A process of a component that runs without a supervisor, for example after the PM2 daemon was killed. */
export interface OrphanProcess {
  pid: number;
  component: string;
  command: string;
}

function readEnvironment(pid: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    // Ended while being read, or another account's process.
    return undefined;
  }
}

/**
 * Finds the processes of this installation's components by the
 * IMAGESERVING_HOME variable every component (and its children) carries.
 * Only meaningful while no daemon runs: with a daemon, these are its apps.
 */
export function findComponentProcesses(home: string): OrphanProcess[] {
  const marker = `IMAGESERVING_HOME=${home}`;
  const found: OrphanProcess[] = [];

  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }

    const environment = readEnvironment(entry);
    if (environment === undefined || !environment.includes(marker) || !isProcessAlive(Number(entry))) {
      continue;
    }

    const component = environment.find((variable) => variable.startsWith('IMAGESERVING_COMPONENT='))?.split('=')[1] ?? '?';
    let command = '';
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      command = '';
    }
    found.push({ pid: Number(entry), component, command });
  }

  return found;
}

export function describeOrphans(orphans: OrphanProcess[]): string {
  return orphans.map(({ pid, component, command }) => `${component} pid ${pid} (${command})`).join(', ');
}

/**
 * Ends orphaned component processes: the stop signal first, SIGKILL to those
 * still alive after the timeout. Returns the pids that survived both.
 */
export async function endOrphans(orphans: OrphanProcess[], signal: string, timeoutMs: number): Promise<number[]> {
  const pids = orphans.map((orphan) => orphan.pid);

  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }

  const survivors = await waitForExit(pids, timeoutMs);
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  return waitForExit(survivors, 2000);
}
