import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { describeAccount, sudoUserOf } from './accounts';
import { isPermissionDenied, ownerAdvice, permissionDeniedError } from './permission';
import { isProcessAlive } from './processes';

/** Files PM2 keeps in its PM2_HOME. */
export function supervisorFiles(home: string): { rpcSocket: string; pubSocket: string; pidFile: string; log: string } {
  return {
    rpcSocket: join(home, 'rpc.sock'),
    pubSocket: join(home, 'pub.sock'),
    pidFile: join(home, 'pm2.pid'),
    log: join(home, 'pm2.log'),
  };
}

/**
 * State of the PM2 daemon as its RPC socket shows it, probed with a plain
 * connect that never spawns a daemon:
 * - running: the socket accepted a connection;
 * - not-running: no socket (never started, or stopped cleanly);
 * - stale: a socket with no listener, left by a daemon that was killed;
 * - no-access: the socket belongs to another account.
 */
export type SupervisorState = 'running' | 'not-running' | 'stale' | 'no-access';

export function probeSupervisor(home: string, timeoutMs = 2000): Promise<SupervisorState> {
  const { rpcSocket } = supervisorFiles(home);

  return new Promise((resolve) => {
    const socket = connect(rpcSocket);
    const timer = setTimeout(() => {
      // A daemon that accepts no connection in time is alive but hung.
      socket.destroy();
      resolve('running');
    }, timeoutMs);

    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('running');
    });

    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      if (error.code === 'ECONNREFUSED') {
        resolve('stale');
      } else if (error.code === 'EACCES' || error.code === 'EPERM') {
        resolve('no-access');
      } else {
        resolve('not-running');
      }
    });
  });
}

/** Reads the daemon's pid from PM2_HOME/pm2.pid; undefined when missing or unreadable. */
export function readDaemonPid(home: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(supervisorFiles(home).pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds a PM2 daemon by the title it gives itself, "PM2 v7.0.4: God Daemon
 * (PM2_HOME)". /proc shows the titles of every account's processes, also
 * when the home hides pm2.pid from this account. Linux cuts a title to the
 * length of the daemon's original command line, so a cut title matches the
 * start of the home's path.
 * NOTE: /proc mounted with hidepid hides other accounts' processes, and then
 * no daemon is found.
 */
function findDaemonByTitle(home: string): number | undefined {
  const marker = 'God Daemon (';

  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }

    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trimEnd();
    } catch {
      // Ended while being read.
      continue;
    }

    const start = title.indexOf(marker);
    const named = start === -1 ? '' : title.slice(start + marker.length);
    if (named !== '' && `${home})`.startsWith(named)) {
      return Number(entry);
    }
  }

  return undefined;
}

/** Says whether a supervisor runs in a home: "its supervisor runs as PM2 daemon pid 4242" or "no supervisor runs there". */
export function describeSupervisorIn(home: string): string {
  const pid = readDaemonPid(home) ?? findDaemonByTitle(home);
  if (pid === undefined || !isProcessAlive(pid)) {
    return 'no supervisor runs there now';
  }

  return `its supervisor runs as PM2 daemon pid ${pid}`;
}

/**
 * Rejects a PM2_HOME that belongs to another account, or that lies in a
 * folder this account may not enter, naming the owner and the way to run as it.
 */
export function checkHomeOwner(home: string, exitCode: ExitCodeValue = ExitCode.failed): void {
  let uid: number;
  try {
    uid = statSync(home).uid;
  } catch (error) {
    if (isPermissionDenied(error)) {
      throw new CliError(
        `permission denied on the supervisor home ${home} (${error.code}), and ${describeSupervisorIn(home)}; ${ownerAdvice(home)}`,
        exitCode,
      );
    }
    // Missing: start creates it.
    return;
  }

  const self = userInfo().uid;
  if (uid === self) {
    return;
  }

  throw new CliError(
    `the supervisor home ${home} belongs to ${describeAccount(uid)}, not to this account (uid ${self}), and ${describeSupervisorIn(home)}; ` +
      `run the command as that account, for example: sudo -u ${sudoUserOf(uid)} ImageServing ...`,
    exitCode,
  );
}

/** Creates PM2_HOME with mode 0700, or tightens an existing one to it. */
export function prepareHome(home: string): void {
  checkHomeOwner(home);

  try {
    if (!existsSync(home)) {
      mkdirSync(home, { recursive: true, mode: 0o700 });
    }

    if ((statSync(home).mode & 0o777) !== 0o700) {
      chmodSync(home, 0o700);
    }
  } catch (error) {
    throw isPermissionDenied(error) ? permissionDeniedError(error) : error;
  }
}
