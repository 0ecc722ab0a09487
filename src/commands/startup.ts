import { existsSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, resolve } from 'node:path';

import { loadConfig } from '../config/load';
import { locateConfig } from '../config/locate';
import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress, result, warn } from '../output';
import { renderSystemdUnit, type UnitSettings } from '../startup/systemd-unit';
import { packageCommand } from '../package-root';
import { describeAccount, findAccount, readAccounts, sudoUserOf } from '../supervisor/accounts';
import { isPermissionDenied } from '../supervisor/permission';
import { configOptions, type GlobalOptions } from './options';

export interface StartupOptions extends GlobalOptions {
  write?: string;
  user?: string;
}

/** PATH for the unit when the caller's has nothing left after filtering. */
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Rejects a --user that is no login name or names no account, because systemd would fail the unit at boot. */
function checkRequestedUser(requested: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(requested)) {
    throw new CliError(`invalid account name "${requested}" for --user (expected a login name such as imageserving)`, ExitCode.usage);
  }

  if (findAccount(requested) === undefined) {
    throw new CliError(
      `account "${requested}" given with --user not found (expected an account listed by /etc/passwd or getent passwd); ` +
        `create it, for example with "useradd --system ${requested}", or pass the account that owns the supervisor home`,
      ExitCode.usage,
    );
  }
}

/**
 * Chooses the account the unit runs as: --user, else the owner of the
 * supervisor's home when it exists, else the account running this command.
 * The owner comes first, so "sudo ImageServing startup" still names the
 * installation's account.
 */
function unitUser(config: Config, requested: string | undefined): string {
  if (requested !== undefined) {
    checkRequestedUser(requested);
    return requested;
  }

  try {
    const { uid } = statSync(config.supervisor.home);
    return readAccounts().find((account) => account.uid === uid)?.name ?? String(uid);
  } catch {
    return userInfo().username;
  }
}

/**
 * Drops the PATH entries that npm and npx put in front for the command they
 * run: node_modules/.bin folders, npm's node-gyp-bin and npx's cache
 * (~/.npm/_npx/HASH/...). The unit runs without npm, and npx may clear that
 * cache at any time.
 */
export function unitPath(path: string | undefined): string {
  const kept = (path ?? '')
    .split(':')
    .filter((entry) => entry !== '' && !entry.includes('/_npx/') && !entry.includes('/node-gyp-bin'))
    .filter((entry) => !/(^|\/)node_modules\/\.bin\/?$/.test(entry));

  return kept.length > 0 ? kept.join(':') : FALLBACK_PATH;
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
    path: unitPath(env.PATH),
  };
}

/** Warns when the unit's account does not own the supervisor home, because its start would then be rejected. */
function warnOnHomeOwner(config: Config, user: string): void {
  const { home } = config.supervisor;
  let owner: number;
  try {
    owner = statSync(home).uid;
  } catch {
    // Missing: the unit's first start creates it as the unit's account.
    return;
  }

  // systemd's User= also takes a uid, which unitUser gives for an owner /etc/passwd does not list.
  if (user === String(owner) || findAccount(user)?.uid === owner) {
    return;
  }
  warn(
    `the supervisor home ${home} belongs to ${describeAccount(owner)}, not to ${user}, so the unit would fail to start; ` +
      `hand it over with "chown -R ${user} ${home}", or pass --user ${sudoUserOf(owner)}`,
  );
}

/** Rejects a --write path that systemd would not load as a service unit. */
function checkUnitPath(path: string): void {
  if (!path.endsWith('.service') || basename(path) === '.service') {
    throw new CliError(
      `invalid --write path "${path}" (expected a file name ending in .service, such as /etc/systemd/system/imageserving.service); ` +
        'systemd loads a service unit only from a file named NAME.service',
      ExitCode.usage,
    );
  }
}

/** Writes the unit file, saying when it replaced one. */
function writeUnit(path: string, unit: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) {
    throw new CliError(
      `could not write the unit to ${path}: the folder ${folder} does not exist; create it first, or choose a path in an existing folder`,
      ExitCode.failed,
    );
  }

  const replaced = existsSync(path);
  try {
    writeFileSync(path, unit, { mode: 0o644 });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const advice = isPermissionDenied(error)
      ? 'run as an account that may write there, or print the unit and install it with "sudo tee"'
      : 'choose a path for a regular file';
    throw new CliError(`could not write the unit to ${path} (${code ?? message}); ${advice}`, ExitCode.failed);
  }

  if (replaced) {
    progress(`replaced existing ${path}`);
  }
}

/** Prints, or writes to --write PATH, a systemd unit that runs start at boot and stop at shutdown. */
export function runStartup(options: StartupOptions): Promise<ExitCodeValue> {
  if (options.write !== undefined) {
    checkUnitPath(options.write);
  }

  const config = loadConfig(configOptions(options));
  const settings = unitSettings(options, config);
  const unit = renderSystemdUnit(config, settings);

  if (settings.user === 'root') {
    warn('the unit runs the components as root; pass --user ACCOUNT to run them as the installation\'s account');
  }
  warnOnHomeOwner(config, settings.user);

  if (options.write === undefined) {
    result(unit);
    return Promise.resolve(ExitCode.ok);
  }

  writeUnit(options.write, unit);
  progress(`wrote ${options.write}; activate it with: systemctl daemon-reload && systemctl enable --now ${basename(options.write)}`);
  return Promise.resolve(ExitCode.ok);
}
