import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress, warn } from '../output';
import { checkAccount } from './access';
import { removeStaleFiles, spawnDaemon } from './daemon';
import { checkHomeOwner, prepareHome, probeSupervisor, readDaemonPid, supervisorFiles } from './home';
import { describeOrphans, findComponentProcesses } from './orphans';
import { ownerAdvice } from './permission';
import { POLICY_MARKER } from './restart-policy';
import { SupervisorConnection, type Pm2Process } from './rpc';

/** An open connection to this installation's PM2 daemon. */
export interface Session {
  config: Config;
  connection: SupervisorConnection;
}

function noAccessError(home: string, exitCode: ExitCodeValue = ExitCode.failed): CliError {
  checkHomeOwner(home, exitCode);
  const { rpcSocket } = supervisorFiles(home);
  return new CliError(`permission denied on the supervisor's socket ${rpcSocket}; ${ownerAdvice(rpcSocket)}`, exitCode);
}

/**
 * Connects to the daemon of this installation, spawning it when it is not
 * running. A socket left by a killed daemon is removed first.
 */
export async function openOrSpawnSupervisor(config: Config): Promise<Session> {
  const { supervisor } = config;
  checkAccount(config);
  prepareHome(supervisor.home);

  const state = await probeSupervisor(supervisor.home);
  if (state === 'no-access') {
    throw noAccessError(supervisor.home);
  }

  if (state === 'stale') {
    removeStaleFiles(supervisor.home);
  }

  if (state !== 'running') {
    const orphans = findComponentProcesses(supervisor.home);
    if (orphans.length > 0) {
      throw new CliError(
        `component processes of this installation still run without a supervisor: ${describeOrphans(orphans)}; ` +
          `end them with "${config.invocation} stop", then start again`,
        ExitCode.failed,
      );
    }

    const pid = await spawnDaemon(supervisor);
    progress(`supervisor started (PM2 daemon pid ${pid}, home ${supervisor.home})`);
  }

  const connection = await SupervisorConnection.open(supervisor.home, supervisor.callTimeout);
  if (state === 'running') {
    await warnOnSupervisorSettings(connection, config);
  }

  return { config, connection };
}

/**
 * Warns when the running daemon stops components with another signal than
 * the configuration sets, or lacks the ImageServing restart policy because
 * PM2's own command spawned it.
 */
export async function warnOnSupervisorSettings(connection: SupervisorConnection, config: Config): Promise<void> {
  const report = await connection.report();
  const running = report.env?.PM2_KILL_SIGNAL ?? 'SIGINT';

  if (report.env?.[POLICY_MARKER] === undefined) {
    warn(
      `the running supervisor was not spawned by ImageServing, so PM2's own restart limits apply and a crash loop may never stop; ` +
        `run "${config.invocation} restart" to replace it`,
    );
  }

  if (running !== config.supervisor.stopSignal) {
    warn(
      `the running supervisor stops components with ${running}, the configuration says ${config.supervisor.stopSignal}; ` +
        `run "${config.invocation} restart" to apply it`,
    );
  }
}

/**
 * Probes this installation's daemon without spawning one: true when it runs,
 * false when none runs (a stale socket counts as none). timeoutExitCode is
 * the exit code for a socket that belongs to another account.
 */
export async function isSupervisorRunning(config: Config, timeoutExitCode: ExitCodeValue = ExitCode.failed): Promise<boolean> {
  const { home } = config.supervisor;
  checkAccount(config, timeoutExitCode);
  const state = await probeSupervisor(home);

  if (state === 'no-access') {
    throw noAccessError(home, timeoutExitCode);
  }

  return state === 'running';
}

/** Connects to a daemon that isSupervisorRunning found; timeoutExitCode is the exit code for one that times out. */
export async function connectSupervisor(config: Config, timeoutExitCode: ExitCodeValue = ExitCode.failed): Promise<Session> {
  const { home, callTimeout } = config.supervisor;
  const connection = await SupervisorConnection.open(home, callTimeout, timeoutExitCode);

  return { config, connection };
}

/**
 * Connects to a daemon that must already run. Returns undefined when none
 * runs (a stale socket counts as none); never spawns one. timeoutExitCode is
 * the exit code for a daemon that times out or belongs to another account.
 */
export async function openRunningSupervisor(
  config: Config,
  timeoutExitCode: ExitCodeValue = ExitCode.failed,
): Promise<Session | undefined> {
  if (!(await isSupervisorRunning(config, timeoutExitCode))) {
    return undefined;
  }

  return connectSupervisor(config, timeoutExitCode);
}

/** This installation's apps in the daemon's list, by component id. */
export function componentProcesses(list: Pm2Process[], config: Config): Map<string, Pm2Process> {
  const byName = new Map<string, Pm2Process>();

  for (const process of list) {
    if (process.pm2_env.namespace === config.supervisor.namespace) {
      byName.set(process.name, process);
    }
  }

  return byName;
}

export function daemonPid(config: Config): number | undefined {
  return readDaemonPid(config.supervisor.home);
}
