import type { Config } from '../config/types';
import type { ExitCodeValue } from '../errors';
import { progress } from '../output';
import { checkAccount } from '../supervisor/access';
import { prepareHome } from '../supervisor/home';
import { withSupervisorLock } from '../supervisor/lock';
import { disconnectApi } from '../supervisor/pm2-api';
import { checkInstall } from '../supervisor/preflight';
import { openOrSpawnSupervisor } from '../supervisor/session';
import { startComponents } from '../supervisor/start-components';
import { runWithChangeReport, type ActionOptions } from './change-tracking';

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

/**
 * Starts the supervisor when needed, then every component in priority order.
 * With --json, prints what each component was before and after.
 */
export function runStart(options: ActionOptions): Promise<ExitCodeValue> {
  return runWithChangeReport(options, 'start', undefined, async (config, tracker) => {
    checkInstall(config.components, config.files);
    checkAccount(config);
    prepareHome(config.supervisor.home);

    await withSupervisorLock(config, 'start', () => tracker.track(() => startStack(config)));

    progress(`Image Serving (${config.environment}) is running`);
  });
}
