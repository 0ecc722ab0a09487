import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ConfigError } from '../errors';
import { packageRoot } from '../package-root';
import { displayPath } from './yaml-source';

export const DEFAULT_ENVIRONMENT = 'development';

/** Configuration folder of a global install, used when it exists and nothing else names one. */
export const SYSTEM_CONFIG_DIR = '/etc/imageserving';

export interface ConfigOptions {
  /** --env; falls back to IMAGESERVING_ENV, then development. */
  environment?: string;
  /** --config-dir; falls back to IMAGESERVING_CONFIG_DIR, then /etc/imageserving when it exists, then the package's config/. */
  configDir?: string;
}

/** Source that chose the configuration folder, listed in order of precedence. */
export type ConfigDirSource = 'option' | 'variable' | 'system' | 'package';

/** Source that chose the environment: --env, IMAGESERVING_ENV or the default. */
export type EnvironmentSource = 'option' | 'variable' | 'default';

export interface ConfigLocation {
  environment: string;
  environmentSource: EnvironmentSource;
  configDir: string;
  configDirSource: ConfigDirSource;
}

/**
 * Chooses the environment and the configuration folder. systemConfigDir is
 * a parameter so tests can stand in a folder of their own for /etc/imageserving.
 */
export function locateConfig(
  options: ConfigOptions,
  env: NodeJS.ProcessEnv = process.env,
  systemConfigDir: string = SYSTEM_CONFIG_DIR,
): ConfigLocation {
  const selected = selectEnvironment(options, env);
  const variable = nonEmpty(env.IMAGESERVING_CONFIG_DIR);

  if (options.configDir !== undefined) {
    return { ...selected, configDir: resolve(options.configDir), configDirSource: 'option' };
  }
  if (variable !== undefined) {
    return { ...selected, configDir: resolve(variable), configDirSource: 'variable' };
  }
  if (isFolder(systemConfigDir)) {
    return { ...selected, configDir: resolve(systemConfigDir), configDirSource: 'system' };
  }
  return { ...selected, configDir: packagedConfigDir(), configDirSource: 'package' };
}

function selectEnvironment(
  options: ConfigOptions,
  env: NodeJS.ProcessEnv,
): Pick<ConfigLocation, 'environment' | 'environmentSource'> {
  const variable = nonEmpty(env.IMAGESERVING_ENV);

  if (options.environment !== undefined) {
    return { environment: options.environment, environmentSource: 'option' };
  }
  if (variable !== undefined) {
    return { environment: variable, environmentSource: 'variable' };
  }
  return { environment: DEFAULT_ENVIRONMENT, environmentSource: 'default' };
}

export function packagedConfigDir(): string {
  return join(packageRoot(), 'config');
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Builds the command prefix that selects a configuration, leaving out what the defaults find anyway. */
export function invocationOf(location: Omit<ConfigLocation, 'environmentSource'>): string {
  const parts = ['ImageServing'];

  if (location.environment !== DEFAULT_ENVIRONMENT) {
    parts.push('--env', location.environment);
  }
  if (location.configDirSource === 'option' || location.configDirSource === 'variable') {
    parts.push('--config-dir', /^[\w./~-]+$/.test(location.configDir) ? location.configDir : `'${location.configDir}'`);
  }

  return parts.join(' ');
}

/** Lists the environments a config folder defines: every NAME.yaml except default.yaml. */
export function listEnvironments(configDir: string): string[] {
  return readdirSync(configDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml') && entry.name !== 'default.yaml')
    .map((entry) => entry.name)
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/** Describes where the configuration folder came from, and how to name another, for messages. */
function configDirOrigin(source: ConfigDirSource): { origin: string; fix: string } {
  switch (source) {
    case 'option':
      return { origin: ' (given with --config-dir)', fix: 'pass --config-dir DIR' };
    case 'variable':
      return { origin: ' (from IMAGESERVING_CONFIG_DIR)', fix: 'set IMAGESERVING_CONFIG_DIR or pass --config-dir DIR' };
    default:
      return { origin: '', fix: 'pass --config-dir DIR or set IMAGESERVING_CONFIG_DIR' };
  }
}

/** Describes where the environment came from, and how to choose another, for messages. */
function environmentOrigin(source: EnvironmentSource): { origin: string; fix: string } {
  switch (source) {
    case 'option':
      return { origin: ' given with --env', fix: 'pass --env NAME' };
    case 'variable':
      return { origin: ' from IMAGESERVING_ENV', fix: 'set IMAGESERVING_ENV to another NAME, or pass --env NAME' };
    default:
      return { origin: ' (the default)', fix: 'pass --env NAME or set IMAGESERVING_ENV' };
  }
}

/** Rejects a configuration folder or environment that does not exist, naming where each came from. */
export function checkConfigDir(location: ConfigLocation): void {
  const { configDir, environment } = location;

  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    const problem = existsSync(configDir) ? 'is not a folder' : 'config folder not found';
    const { origin, fix } = configDirOrigin(location.configDirSource);
    throw new ConfigError([`${configDir}: ${problem}${origin}; ${fix}, naming a folder with default.yaml and NAME.yaml files`]);
  }

  const { origin, fix } = environmentOrigin(location.environmentSource);
  if (!/^[A-Za-z0-9_.-]+$/.test(environment) || environment === 'default' || environment.startsWith('.')) {
    throw new ConfigError([
      `invalid environment name "${environment}"${origin} (expected the name of a YAML file in ${displayPath(configDir)}, such as development); ` +
        fix,
    ]);
  }

  const file = join(configDir, `${environment}.yaml`);
  if (!existsSync(file)) {
    const found = listEnvironments(configDir);
    const list = found.length === 0 ? 'none' : found.join(', ');
    throw new ConfigError([
      `${displayPath(file)}: environment "${environment}"${origin} not found (environments in ${displayPath(configDir)}: ${list}); ${fix}`,
    ]);
  }
}
