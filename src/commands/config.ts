import { loadConfig } from '../config/load';
import { locateConfig } from '../config/locate';
import { configDocument, renderConfigDocument } from '../config/show';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { result, warn } from '../output';
import { checkInstall } from '../supervisor/preflight';
import { configOptions, type GlobalOptions } from './options';

export interface ConfigShowOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * Loads and validates the configuration as start does, without touching
 * PM2. An invalid one throws the same ConfigError (exit 6). Missing programs
 * or folders, which would make start exit 5, are only warnings here, so a
 * production configuration can be checked on a machine without the install.
 */
export function runConfigValidate(options: GlobalOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));

  try {
    checkInstall(config.components, config.files);
  } catch (error) {
    if (!(error instanceof CliError)) {
      throw error;
    }
    for (const line of error.message.split('\n')) {
      warn(line);
    }
    warn(`"start" would exit 5 on this machine until these paths exist`);
  }

  result(`configuration valid: environment ${config.environment}, files ${config.files.join(', ')}`);
  return Promise.resolve(ExitCode.ok);
}

/** Prints the resolved settings and the PM2 app definitions they become, with secret values masked. */
export function runConfigShow(options: ConfigShowOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  const document = configDocument(config, locateConfig(configOptions(options)).configDirSource);

  result(options.json === true ? JSON.stringify(document, null, 2) : renderConfigDocument(document));
  return Promise.resolve(ExitCode.ok);
}
