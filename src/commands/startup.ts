import { statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';

import { loadConfig, locateConfig } from '../config/load';
import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress, result, warn } from '../output';
import { renderSystemdUnit, type UnitSettings } from '../startup/systemd-unit';
import { packageCommand } from '../package-root';
import { readAccounts } from '../supervisor/accounts';
import { configOptions, type GlobalOptions } from './options';

export interface StartupOptions extends GlobalOptions {
  write?: string;
  user?: string;
}

/**
 * Chooses the account the unit runs as: --user, else the owner of the
 * supervisor's home when it exists, else the account running this command.
 * The owner comes first, so "sudo ImageServing startup" still names the
 * installation's account.
 */
function unitUser(config: Config, requested: string | undefined): string {
  if (requested !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(requested)) {
      throw new CliError(`invalid account name "${requested}" for --user (expected a login name such as imageserving)`, ExitCode.usage);
    }
    return requested;
  }

  try {
    const { uid } = statSync(config.supervisor.home);
    return readAccounts().find((account) => account.uid === uid)?.name ?? String(uid);
  } catch {
    return userInfo().username;
  }
}

export function unitSettings(options: StartupOptions, config: Config, env: NodeJS.ProcessEnv = process.env): UnitSettings {
  const location = locateConfig(configOptions(options), env);
  const chosenExplicitly = location.configDirSource === 'option' || location.configDirSource === 'variable';

  return {
    user: unitUser(config, options.user),
    node: process.execPath,
    cli: packageCommand(),
    environment: config.environment,
    configDir: chosenExplicitly ? config.configDir : undefined,
    path: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
}

/** Prints, or writes to --write PATH, a systemd unit that runs start at boot and stop at shutdown. */
export function runStartup(options: StartupOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  const settings = unitSettings(options, config);
  const unit = renderSystemdUnit(config, settings);

  if (settings.user === 'root') {
    warn('the unit runs the components as root; pass --user ACCOUNT to run them as the installation\'s account');
  }

  if (options.write === undefined) {
    result(unit);
    return Promise.resolve(ExitCode.ok);
  }

  try {
    writeFileSync(options.write, unit, { mode: 0o644 });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new CliError(
      `could not write the unit to ${options.write} (${code ?? message}); run as an account that may write there, ` +
        'or print the unit and install it with "sudo tee"',
      ExitCode.failed,
    );
  }

  progress(`wrote ${options.write}; activate it with: systemctl daemon-reload && systemctl enable --now ${unitName(options.write)}`);
  return Promise.resolve(ExitCode.ok);
}

function unitName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
