import { loadConfig } from '../config/load';
import type { Config } from '../config/types';
import { ExitCode, type ExitCodeValue } from '../errors';
import { progress } from '../output';
import { checkAccount } from '../supervisor/access';
import { prepareHome } from '../supervisor/home';
import { withSupervisorLock } from '../supervisor/lock';
import { disconnectApi } from '../supervisor/pm2-api';
import { checkInstall } from '../supervisor/preflight';
import { openOrSpawnSupervisor } from '../supervisor/session';
import { startComponents } from '../supervisor/start-components';
import { configOptions, type GlobalOptions } from './options';

/** Spawns the supervisor when it is not running, then starts every component in priority order. */
export async function startStack(config: Config): Promise<void> {
  const session = await openOrSpawnSupervisor(config);

  try {
    await startComponents(session, config.components);
  } finally {
    session.connection.close();
    disconnectApi();
  }
}

/** Starts the supervisor when needed, then every component in priority order. */
export async function runStart(options: GlobalOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  checkInstall(config.components, config.files);
  checkAccount(config);
  prepareHome(config.supervisor.home);

  await withSupervisorLock(config, 'start', () => startStack(config));

  progress(`Image Serving (${config.environment}) is running`);
  return ExitCode.ok;
}
