import type { ComponentConfig, ComponentId, Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress } from '../output';
import { checkAccount } from '../supervisor/access';
import { prepareHome } from '../supervisor/home';
import { withSupervisorLock } from '../supervisor/lock';
import { disconnectApi } from '../supervisor/pm2-api';
import { waitForPortRelease } from '../supervisor/port-release';
import { checkInstall } from '../supervisor/preflight';
import { componentProcesses, openRunningSupervisor, warnOnSupervisorSettings } from '../supervisor/session';
import { startComponents } from '../supervisor/start-components';
import { stopProcess } from '../supervisor/stop-components';
import { runWithChangeReport, type ActionOptions } from './change-tracking';
import { startStack } from './start';
import { stopAll } from './stop';

/**
 * Stops everything, supervisor included, and starts it again with the YAML
 * as it is now. The new configuration is checked before anything stops.
 */
function restartAll(options: ActionOptions): Promise<ExitCodeValue> {
  return runWithChangeReport(options, 'restart', undefined, async (config, tracker) => {
    checkInstall(config.components, config.files);
    checkAccount(config);
    prepareHome(config.supervisor.home);

    await withSupervisorLock(config, 'restart', () =>
      tracker.track(async () => {
        await stopAll(config);
        await Promise.all(config.components.map((component) => waitForPortRelease(config, component)));
        await startStack(config);
      }),
    );

    progress(`Image Serving (${config.environment}) is running`);
  });
}

/**
 * Replaces one component's process with one built from the current YAML.
 * PM2's own restart would keep the old arguments and environment, so the app
 * is stopped, removed and started again from its new definition.
 */
function restartComponent(options: ActionOptions, id: ComponentId): Promise<ExitCodeValue> {
  return runWithChangeReport(options, `restart ${id}`, id, async (config, tracker) => {
    const component = config.components.find((candidate) => candidate.id === id);
    if (component === undefined) {
      throw new CliError(`component ${id} is not configured`, ExitCode.usage);
    }
    checkInstall([component], config.files);

    await withSupervisorLock(config, `restart ${id}`, () => tracker.track(() => replaceComponent(config, component)));
  });
}

async function replaceComponent(config: Config, component: ComponentConfig): Promise<void> {
  const { id } = component;
  const session = await openRunningSupervisor(config);
  if (session === undefined) {
    throw new CliError(
      `the supervisor is not running (home ${config.supervisor.home}); start the whole stack with "${config.invocation} start"`,
      ExitCode.supervisorNotRunning,
    );
  }

  try {
    await warnOnSupervisorSettings(session.connection, config);
    const existing = componentProcesses(await session.connection.listProcesses(), config).get(id);
    if (existing !== undefined) {
      const survivors = await stopProcess(session, existing);
      if (survivors.length > 0) {
        const pids = survivors.map((survivor) => survivor.pid).join(', ');
        throw new CliError(`${id}: process(es) ${pids} survived the stop; ${id} was not started again`, ExitCode.failed);
      }
    }

    await waitForPortRelease(config, component);
    await startComponents(session, [component]);
  } finally {
    session.connection.close();
    disconnectApi();
  }
}

/** Restarts everything or one component. With --json, prints what each component was before and after. */
export function runRestart(options: ActionOptions, component: ComponentId | undefined): Promise<ExitCodeValue> {
  return component === undefined ? restartAll(options) : restartComponent(options, component);
}
