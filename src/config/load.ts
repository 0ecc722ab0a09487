import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError } from '../errors';
import { checkConfigDir, invocationOf, locateConfig, type ConfigOptions } from './locate';
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


/**
 * Loads default.yaml and the environment's file, merges them and validates the
 * result. Throws a ConfigError listing every problem, each with its file and line.
 */
export function loadConfig(options: ConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const location = locateConfig(options, env);
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
