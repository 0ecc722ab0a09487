import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { CliError, ExitCode } from '../errors';
import { warn } from '../output';
import { packageRoot } from '../package-root';
import type { SupervisorConfig } from '../config/types';
import { readDaemonPid, supervisorFiles } from './home';
import { isProcessAlive, waitForExit } from './processes';
import type { SupervisorConnection } from './rpc';

/** Variables the daemon keeps from the caller; everything else stays out of PM2's environment. */
const DAEMON_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Builds the daemon's environment: PM2's own settings plus a few basics of the caller's. */
export function daemonEnvironment(supervisor: SupervisorConfig, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};

  for (const name of DAEMON_VARIABLES) {
    const value = source[name];
    if (value !== undefined) {
      env[name] = value;
    }
  }

  return {
    ...env,
    PM2_HOME: supervisor.home,
    // PM2 7.0.4 reads the stop signal of every app from this variable, once, at daemon start.
    PM2_KILL_SIGNAL: supervisor.stopSignal,
    SILENT: 'true',
  };
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns the PM2 daemon detached, the way PM2's own client does, but with a
 * minimal environment, this installation's stop signal and the restart
 * policy of pm2-daemon.ts. Resolves with the daemon's pid once it reports
 * that it is online.
 */
export function spawnDaemon(supervisor: SupervisorConfig): Promise<number> {
  const files = supervisorFiles(supervisor.home);
  // tsc's output, not the bundle: the daemon runs this file as a program of its own.
  const daemonScript = join(packageRoot(), 'dist', 'src', 'supervisor', 'pm2-daemon.js');
  const log = openSync(files.log, 'a', 0o600);

  const child = spawn(process.execPath, [daemonScript], {
    detached: true,
    cwd: supervisor.home,
    env: daemonEnvironment(supervisor),
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);

  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      reject(
        new CliError(
          `the supervisor (PM2 daemon) did not start: ${reason}; last lines of ${files.log}:\n${tailOf(files.log, 10)}`,
          ExitCode.failed,
        ),
      );
    };

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`no reply within ${supervisor.callTimeout} s`);
    }, supervisor.callTimeout * 1000);

    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.once('message', (message: { online?: boolean; pid?: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.disconnect();
      child.unref();
      resolve(message.pid ?? child.pid ?? 0);
    });
  });
}

/**
 * Checks whether a pid belongs to a PM2 daemon, which titles itself
 * "PM2 v7.0.4: God Daemon (PM2_HOME)". A pid file that survived a reboot can
 * name a pid that another program now has.
 */
function isPm2Daemon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('God Daemon');
  } catch {
    return false;
  }
}

/**
 * Removes the socket and pid files of a daemon that was killed, so a new one
 * can start, and warns that it did. Throws when the recorded daemon process
 * is still alive.
 */
export function removeStaleFiles(home: string): void {
  const pid = readDaemonPid(home);
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid) && isPm2Daemon(pid)) {
    throw new CliError(
      `the supervisor's socket in ${home} does not accept connections, but its process ${pid} is still alive; ` +
        `stop it with "kill ${pid}" and run the command again`,
      ExitCode.failed,
    );
  }

  removeSupervisorFiles(home);
  warn(`removed the socket and pid files of a supervisor that is no longer running in ${home}`);
}

/**
 * Asks the daemon to exit and waits until its process is gone. Returns the
 * pid that survived, if any.
 */
export async function killDaemon(connection: SupervisorConnection, home: string, timeoutMs: number): Promise<number | undefined> {
  const pid = readDaemonPid(home);

  // PM2 7.0.4 closes its sockets before it replies to killMe, so no reply
  // comes and the daemon's exit is what counts. The call carries no pid,
  // because PM2 would send SIGQUIT to that pid once it has closed.
  connection.call('killMe', {}, timeoutMs / 1000).catch(() => undefined);

  const [survivor] = pid === undefined ? [] : await waitForExit([pid], timeoutMs);
  connection.close();

  if (survivor === undefined) {
    removeSupervisorFiles(home);
  }
  return survivor;
}

function removeSupervisorFiles(home: string): void {
  const files = supervisorFiles(home);

  for (const file of [files.rpcSocket, files.pubSocket, files.pidFile]) {
    rmSync(file, { force: true });
  }
}
