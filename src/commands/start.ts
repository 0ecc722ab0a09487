import { loadConfig } from '../config/load';
import { ExitCode, type ExitCodeValue } from '../errors';
import { progress } from '../output';
import { disconnectApi } from '../supervisor/pm2-api';
import { checkInstall } from '../supervisor/preflight';
import { openOrSpawnSupervisor } from '../supervisor/session';
import { startComponents } from '../supervisor/start-components';
import { configOptions, type GlobalOptions } from './options';

/** Starts the supervisor when needed, then every component in priority order. */
export async function runStart(options: GlobalOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  checkInstall(config.components, config.files);

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
