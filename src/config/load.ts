import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ConfigError } from '../errors';
import { packageRoot } from '../package-root';
import { mergeSettings } from './merge';
import { checkSettings, resolveComponent, resolveSupervisor, type RawSettings } from './resolve';
import { COMPONENT_IDS, type Config } from './types';
import { validateSettings, type SettingProblem } from './validate';
import {
  describeSyntaxError,
  displayPath,
  findKeyOffset,
  formatKeyPath,
  keyPathAtOffset,
  positionAt,
  readYamlSource,
  type YamlSource,
} from './yaml-source';

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

export interface ConfigLocation {
  environment: string;
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
  const environment = options.environment ?? nonEmpty(env.IMAGESERVING_ENV) ?? DEFAULT_ENVIRONMENT;
  const variable = nonEmpty(env.IMAGESERVING_CONFIG_DIR);

  if (options.configDir !== undefined) {
    return { environment, configDir: resolve(options.configDir), configDirSource: 'option' };
  }
  if (variable !== undefined) {
    return { environment, configDir: resolve(variable), configDirSource: 'variable' };
  }
  if (isFolder(systemConfigDir)) {
    return { environment, configDir: resolve(systemConfigDir), configDirSource: 'system' };
  }
  return { environment, configDir: packagedConfigDir(), configDirSource: 'package' };
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
export function invocationOf(location: ConfigLocation): string {
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

interface LocatedProblem {
  fileIndex: number;
  line: number;
  column: number;
  text: string;
}

function locatedLine(sources: YamlSource[], problem: SettingProblem): LocatedProblem {
  // Look for the key itself first, then for its nearest ancestor. The environment
  // file comes before default.yaml because its values are the ones in force.
  for (let depth = problem.path.length; depth >= 0; depth--) {
    for (let index = sources.length - 1; index >= 0; index--) {
      const target = depth === problem.path.length ? problem.target : 'key';
      const offset = findKeyOffset(sources[index], problem.path.slice(0, depth), target);
      if (offset !== undefined) {
        const { line, column } = positionAt(sources[index], offset);
        return { fileIndex: index, line, column, text: formatProblem(sources[index], line, column, problem) };
      }
    }
  }

  const last = sources[sources.length - 1];
  return { fileIndex: sources.length - 1, line: 1, column: 1, text: formatProblem(last, 1, 1, problem) };
}

function formatProblem(source: YamlSource, line: number, column: number, problem: SettingProblem): string {
  return `${source.displayName}:${line}:${column} ${formatKeyPath(problem.path)}: ${problem.message}`;
}

function sortedLines(problems: LocatedProblem[]): string[] {
  return problems
    .sort((a, b) => a.fileIndex - b.fileIndex || a.line - b.line || a.column - b.column)
    .map((problem) => problem.text);
}

function readSources(files: string[]): YamlSource[] {
  const sources: YamlSource[] = [];
  const problems: string[] = [];

  for (const file of files) {
    try {
      sources.push(readYamlSource(file));
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      const advice = code === 'EISDIR' ? 'replace the folder with a YAML file' : 'check its owner and mode';
      problems.push(
        `${displayPath(file)}:1:1 (top level): cannot read the file ` +
          `(got ${code ?? message}, expected a YAML file this account can read); ${advice}`,
      );
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  return sources;
}

/**
 * Reports the first YAML syntax error of each file. Later errors in the same
 * file are mostly consequences of the first, and their key paths are guesses.
 */
function syntaxProblems(sources: YamlSource[]): string[] {
  const problems: LocatedProblem[] = [];

  sources.forEach((source, fileIndex) => {
    const [error] = source.document.errors;
    if (error !== undefined) {
      const path = keyPathAtOffset(source, error.pos[0]);
      // An unclosed quote is detected at the end of the file; point at the value that opens it.
      const offset = (error.code === 'MISSING_CHAR' ? findKeyOffset(source, path) : undefined) ?? error.pos[0];
      const { line, column } = positionAt(source, offset);
      const more = source.document.errors.length > 1 ? '; fix it first, as later YAML errors in this file may follow from it' : '';
      const problem = { path, message: `${describeSyntaxError(error)}${more}` };
      problems.push({ fileIndex, line, column, text: formatProblem(source, line, column, problem) });
      return;
    }

    const contents = source.document.contents;
    if (contents !== null && typeof source.document.toJS() !== 'object') {
      problems.push({
        fileIndex,
        line: 1,
        column: 1,
        text: formatProblem(source, 1, 1, {
          path: [],
          message: 'wrong type (got a single value, expected a map with supervisor and components)',
        }),
      });
    }
  });

  return sortedLines(problems);
}

function checkConfigDir(location: ConfigLocation): void {
  const { configDir, environment } = location;

  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    const problem = existsSync(configDir) ? 'is not a folder' : 'config folder not found';
    throw new ConfigError([
      `${configDir}: ${problem}; pass --config-dir DIR or set IMAGESERVING_CONFIG_DIR to a folder with default.yaml and NAME.yaml files`,
    ]);
  }

  if (!/^[A-Za-z0-9_.-]+$/.test(environment) || environment === 'default' || environment.startsWith('.')) {
    throw new ConfigError([
      `invalid environment name "${environment}" (expected the name of a YAML file in ${displayPath(configDir)}, such as development)`,
    ]);
  }

  const file = join(configDir, `${environment}.yaml`);
  if (!existsSync(file)) {
    const found = listEnvironments(configDir);
    const list = found.length === 0 ? 'none' : found.join(', ');
    throw new ConfigError([
      `${displayPath(file)}: environment "${environment}" not found (environments in ${displayPath(configDir)}: ${list}); ` +
        'pass --env NAME or set IMAGESERVING_ENV',
    ]);
  }
}

/**
 * Loads default.yaml and the environment's file, merges them and validates the
 * result. Throws a ConfigError listing every problem, each with its file and line.
 */
export function loadConfig(options: ConfigOptions = {}): Config {
  const location = locateConfig(options);
  checkConfigDir(location);

  const defaultFile = join(location.configDir, 'default.yaml');
  const files = [defaultFile, join(location.configDir, `${location.environment}.yaml`)].filter(
    (file, index) => index === 1 || existsSync(file),
  );
  const sources = readSources(files);

  const syntax = syntaxProblems(sources);
  if (syntax.length > 0) {
    throw new ConfigError(syntax);
  }

  const merged = sources.map((source) => source.document.toJS() ?? {}).reduce((acc, next) => mergeSettings(acc, next), {});
  const problems = [...validateSettings(merged), ...checkSettings(merged, location.configDir)];
  if (problems.length > 0) {
    throw new ConfigError(sortedLines(problems.map((problem) => locatedLine(sources, problem))));
  }

  const raw = merged as RawSettings;
  const supervisor = resolveSupervisor(raw.supervisor, location.configDir);
  const components = COMPONENT_IDS.map((id) =>
    resolveComponent(id, raw.components[id], location.configDir, supervisor.home, raw.install),
  );

  return { ...location, files, invocation: invocationOf(location), supervisor, components };
}
