import { loadConfig } from '../config/load';
import type { ComponentId } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress } from '../output';
import { disconnectApi } from '../supervisor/pm2-api';
import { checkInstall } from '../supervisor/preflight';
import { componentProcesses, openOrSpawnSupervisor, openRunningSupervisor, warnOnSignalChange } from '../supervisor/session';
import { startComponents } from '../supervisor/start-components';
import { stopProcess } from '../supervisor/stop-components';
import { configOptions, type GlobalOptions } from './options';
import { stopAll } from './stop';

/**
 * Stops everything, supervisor included, and starts it again with the YAML
 * as it is now. The new configuration is checked before anything stops.
 */
async function restartAll(options: GlobalOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  checkInstall(config.components, config.files);

  await stopAll(config);

  const session = await openOrSpawnSupervisor(config);
  try {
    await startComponents(session, config.components);
  } finally {
    session.connection.close();
    disconnectApi();
  }

  progress(`Image Serving (${config.environment}) is running`);
  return ExitCode.ok;
}

/**
 * Replaces one component's process with one built from the current YAML.
 * PM2's own restart would keep the old arguments and environment, so the app
 * is stopped, removed and started again from its new definition.
 */
async function restartComponent(options: GlobalOptions, id: ComponentId): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  const component = config.components.find((candidate) => candidate.id === id);
  if (component === undefined) {
    throw new CliError(`component ${id} is not configured`, ExitCode.usage);
  }
  checkInstall([component], config.files);

  const session = await openRunningSupervisor(config);
  if (session === undefined) {
    throw new CliError(
      `the supervisor is not running (home ${config.supervisor.home}); start the whole stack with "${config.invocation} start"`,
      ExitCode.supervisorNotRunning,
    );
  }

  try {
    await warnOnSignalChange(session.connection, config);
    const existing = componentProcesses(await session.connection.listProcesses(), config).get(id);
    if (existing !== undefined) {
      const survivors = await stopProcess(session, existing);
      if (survivors.length > 0) {
        const pids = survivors.map((survivor) => survivor.pid).join(', ');
        throw new CliError(`${id}: process(es) ${pids} survived the stop; ${id} was not started again`, ExitCode.failed);
      }
    }

    await startComponents(session, [component]);
  } finally {
    session.connection.close();
    disconnectApi();
  }

  return ExitCode.ok;
}

export function runRestart(options: GlobalOptions, component: ComponentId | undefined): Promise<ExitCodeValue> {
  return component === undefined ? restartAll(options) : restartComponent(options, component);
}
