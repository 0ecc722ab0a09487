import { readdirSync, readFileSync } from 'node:fs';

import { listeningPorts } from './port-holders';
import { isProcessAlive, waitForExit } from './processes';

/** A process of a component that runs without a supervisor, for example after the PM2 daemon was killed. */
export interface OrphanProcess {
  pid: number;
  component: string;
  command: string;
  /** TCP ports it listens on, such as the component's own port that a new process could not get. */
  ports: number[];
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
    found.push({ pid: Number(entry), component, command, ports: listeningPorts(Number(entry)) });
  }

  return found;
}

/** Describes an orphan's ports for messages: " on port 27345", or nothing when it listens on none. */
export function describeOrphanPorts(orphan: OrphanProcess): string {
  if (orphan.ports.length === 0) {
    return '';
  }
  return `${orphan.ports.length === 1 ? ' on port ' : ' on ports '}${orphan.ports.join(', ')}`;
}

export function describeOrphans(orphans: OrphanProcess[]): string {
  return orphans.map((orphan) => `${orphan.component} pid ${orphan.pid}${describeOrphanPorts(orphan)} (${orphan.command})`).join(', ');
}

/** Outcome of ending a set of processes: ended by the stop signal, by SIGKILL, or not at all. */
export interface EndOutcome {
  exited: number[];
  killed: number[];
  survivors: number[];
}

function signalAll(pids: number[], signal: string): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ends processes that no supervisor manages: the stop signal first, then
 * SIGKILL to those still alive after the timeout.
 */
export async function endProcesses(pids: number[], signal: string, timeoutMs: number): Promise<EndOutcome> {
  signalAll(pids, signal);
  const stubborn = await waitForExit(pids, timeoutMs);

  signalAll(stubborn, 'SIGKILL');
  const survivors = await waitForExit(stubborn, 2000);

  return {
    exited: pids.filter((pid) => !stubborn.includes(pid)),
    killed: stubborn.filter((pid) => !survivors.includes(pid)),
    survivors,
  };
}
