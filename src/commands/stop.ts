import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress } from '../output';
import { killDaemon, removeStaleFiles } from '../supervisor/daemon';
import { probeSupervisor } from '../supervisor/home';
import { withSupervisorLock } from '../supervisor/lock';
import { findComponentProcesses } from '../supervisor/orphans';
import { openRunningSupervisor } from '../supervisor/session';
import { endLeftovers, stopProcesses } from '../supervisor/stop-components';
import { runWithChangeReport, type ActionOptions } from './change-tracking';

/** Seconds the daemon gets to exit after it was asked to. */
export const DAEMON_EXIT_SECONDS = 10;

/**
 * Stops every component in descending priority, removes them from PM2 and
 * stops the supervisor. Succeeds only once the processes are gone.
 */
export async function stopAll(config: Config): Promise<void> {
  const { home } = config.supervisor;
  const session = await openRunningSupervisor(config);

  if (session === undefined) {
    if ((await probeSupervisor(home)) === 'stale') {
      removeStaleFiles(home);
    }
    await stopOrphans(config);
    return;
  }

  const processes = await session.connection.listProcesses();
  const survivors = await stopProcesses(session, processes);
  const daemonSurvivor = await killDaemon(session.connection, home, DAEMON_EXIT_SECONDS * 1000);

  const problems = survivors.map(({ id, pid }) => `${id}: process ${pid} survived the stop`);
  if (daemonSurvivor !== undefined) {
    problems.push(`supervisor: PM2 daemon ${daemonSurvivor} did not exit within ${DAEMON_EXIT_SECONDS} s`);
  }
  if (problems.length > 0) {
    throw new CliError(`${problems.join('\n')}\nend them with "kill -9 PID" after checking what they are`, ExitCode.failed);
  }

  progress(`supervisor stopped; Image Serving (${config.environment}) is down`);
}

/** Ends component processes left running by a supervisor that died, or reports that nothing runs. */
async function stopOrphans(config: Config): Promise<void> {
  const { home } = config.supervisor;
  const orphans = findComponentProcesses(home);

  if (orphans.length === 0) {
    progress(`the supervisor is not running (home ${home}); nothing to stop`);
    return;
  }

  progress(`the supervisor is not running, but ${orphans.length} component process(es) are; ending them`);
  const known = new Set<string>(config.components.map((component) => component.id));
  const unknown = orphans.filter((orphan) => !known.has(orphan.component));
  const longestTimeout = Math.max(...config.components.map((component) => component.stopTimeout));
  const survivors = await Promise.all([
    ...config.components.map((component) =>
      endLeftovers(
        config,
        component,
        orphans.filter((orphan) => orphan.component === component.id),
        component.stopTimeout,
      ),
    ),
    endLeftovers(config, { id: '?', name: '(unknown)' }, unknown, longestTimeout),
  ]);

  const left = survivors.flat();
  if (left.length > 0) {
    const pids = left.map((survivor) => survivor.pid).join(', ');
    throw new CliError(`process(es) ${pids} survived SIGKILL; check them with "ps -p ${pids.replace(/ /g, '')}"`, ExitCode.failed);
  }

  progress(`ended ${orphans.length} component process(es); Image Serving (${config.environment}) is down`);
}

/** Stops everything. With --json, prints what each component was before and after. */
export function runStop(options: ActionOptions): Promise<ExitCodeValue> {
  return runWithChangeReport(options, 'stop', undefined, (config, tracker) =>
    withSupervisorLock(config, 'stop', () => tracker.track(() => stopAll(config))),
  );
}
