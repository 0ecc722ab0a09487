import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { progress, warn } from '../output';
import { checkAccount } from './access';
import { isProcessAlive, sleep } from './processes';

/** The command that holds the lock, as its lock file records it. */
export interface LockHolder {
  pid: number;
  /** Start time of the process in clock ticks after boot (/proc/PID/stat field 22), so a reused pid is not taken for the holder. */
  startTime: string | null;
  command: string;
  /** Timestamp in ms of when the lock was taken. */
  since: number;
}

export interface LockOptions {
  /** Seconds to wait for another holder before giving up. */
  timeoutSeconds: number;
  pollMs?: number;
}

const LOCK_FILE = 'imageserving.lock';
/** Folder whose creation lets one process at a time remove a dead holder's lock. */
const TAKEOVER_FOLDER = 'imageserving.lock.takeover';
/** A takeover folder older than this belongs to a process that died while it removed a dead holder's lock. */
const TAKEOVER_STALE_MS = 10_000;

export function lockFile(home: string): string {
  return join(home, LOCK_FILE);
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in brackets and may contain spaces; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Reads the lock's holder, or undefined when there is no lock, such as when its holder has just released it. */
export function readHolder(home: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile(home), 'utf8');
  } catch {
    return undefined;
  }

  let holder: Partial<LockHolder> | undefined;
  try {
    holder = JSON.parse(text) as Partial<LockHolder>;
  } catch {
    holder = undefined;
  }
  if (typeof holder?.pid !== 'number' || typeof holder.since !== 'number') {
    throw new CliError(
      `${lockFile(home)} is not a lock that ImageServing wrote (got ${JSON.stringify(text.slice(0, 60))}); ` +
        'remove it if no start, stop or restart is running',
      ExitCode.failed,
    );
  }

  return { pid: holder.pid, startTime: holder.startTime ?? null, command: holder.command ?? '?', since: holder.since };
}

/** Checks whether the process that took the lock still runs. A pid that another program got since does not count. */
export function isHolderAlive(holder: LockHolder): boolean {
  if (!isProcessAlive(holder.pid)) {
    return false;
  }

  return holder.startTime === null || processStartTime(holder.pid) === holder.startTime;
}

function sameHolder(left: LockHolder | undefined, right: LockHolder): boolean {
  return left !== undefined && left.pid === right.pid && left.since === right.since && left.startTime === right.startTime;
}

/**
 * Creates the lock file with this process as holder. The record is written
 * to a file of its own first and then linked into place, so the link fails
 * when another holder exists and no reader sees a half-written lock.
 */
function tryCreate(home: string, holder: LockHolder): boolean {
  const draft = join(home, `${LOCK_FILE}.${process.pid}`);
  writeFileSync(draft, `${JSON.stringify(holder)}\n`, { mode: 0o600 });

  try {
    linkSync(draft, lockFile(home));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Removes the lock of a holder that no longer runs. Waiters that all found
 * the same dead holder take turns through the takeover folder, so one of
 * them cannot remove a lock another has just taken.
 */
function removeDeadHolder(home: string, dead: LockHolder): void {
  const folder = join(home, TAKEOVER_FOLDER);

  try {
    mkdirSync(folder);
  } catch {
    // Another waiter is removing the lock. A folder that stays is from one that died doing so.
    const age = Date.now() - (modifiedAt(folder) ?? Date.now());
    if (age > TAKEOVER_STALE_MS) {
      rmSync(folder, { recursive: true, force: true });
    }
    return;
  }

  try {
    if (sameHolder(readHolder(home), dead)) {
      rmSync(lockFile(home), { force: true });
      warn(`took over the lock in ${home} from pid ${dead.pid} (${dead.command}), which is no longer running`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} (${holder.command}), which took it at ${new Date(holder.since).toLocaleTimeString('en-GB')}`;
}

/** A lock this process holds. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the lock in PM2_HOME that start, stop and restart share. While
 * another live process has it, waits (saying once which process that is)
 * up to the timeout, then fails with exit 1. The lock of a dead holder is
 * taken over.
 */
export async function acquireLock(home: string, command: string, options: LockOptions): Promise<HeldLock> {
  const holder: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid), command, since: Date.now() };
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let announced: LockHolder | undefined;

  while (!tryCreate(home, holder)) {
    const current = readHolder(home);
    if (current === undefined) {
      // Released between the two steps; try again at once.
      continue;
    }

    if (!isHolderAlive(current)) {
      removeDeadHolder(home, current);
      continue;
    }

    if (Date.now() >= deadline) {
      throw new CliError(
        `gave up after waiting ${options.timeoutSeconds} s for the lock in ${home}, held by ${describeHolder(current)}; ` +
          `run the command again once it has finished, or raise supervisor.lockTimeout`,
        ExitCode.failed,
      );
    }

    if (!sameHolder(announced, current)) {
      progress(`waiting for the lock in ${home}, held by ${describeHolder(current)}; waiting up to ${options.timeoutSeconds} s`);
      announced = current;
    }
    await sleep(options.pollMs ?? 200);
  }

  return {
    release: () => {
      if (sameHolder(readHolder(home), holder)) {
        rmSync(lockFile(home), { force: true });
      }
    },
  };
}

/**
 * Runs a start, stop or restart while holding the lock in PM2_HOME. When the
 * home does not exist, no supervisor can run there and the action runs
 * without a lock, so start and restart create the home first.
 */
export async function withSupervisorLock<T>(config: Config, command: string, action: () => Promise<T>): Promise<T> {
  const { home, lockTimeout } = config.supervisor;
  checkAccount(config);
  if (!existsSync(home)) {
    return action();
  }

  const lock = await acquireLock(home, `${config.invocation} ${command}`, { timeoutSeconds: lockTimeout });
  try {
    return await action();
  } finally {
    lock.release();
  }
}
