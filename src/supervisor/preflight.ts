import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import type { ComponentConfig } from '../config/types';
import { CliError, ExitCode } from '../errors';

function isExecutableFile(path: string): boolean {
  return describeExecutable(path) === undefined;
}

/** Says what is wrong with an executable path, or returns undefined when it can be run. */
function describeExecutable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) {
      return 'is not a file';
    }
  } catch {
    return 'not found';
  }

  try {
    accessSync(path, constants.X_OK);
  } catch {
    return 'is not executable (chmod +x it)';
  }

  return undefined;
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Finds a bare command name in PATH, as the component's environment sets it. */
export function findInPath(command: string, pathVariable: string | undefined): string | undefined {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder !== '' && isExecutableFile(join(folder, command))) {
      return join(folder, command);
    }
  }

  return undefined;
}

/** Names the setting a path came from: the component's own key, or the install section that built it. */
function sourceOf(component: ComponentConfig, key: 'executable' | 'cwd'): string {
  const own = `components.${component.id}.${key}`;
  if (component.programFromInstall !== true) {
    return own;
  }

  // An own cwd may still replace the install's, so both are named for it.
  return key === 'executable' ? 'built from the install section' : `${own}, or the install section`;
}

function checkComponent(component: ComponentConfig): string[] {
  const problems: string[] = [];
  const { id, executable, cwd } = component;

  if (executable.includes('/')) {
    const problem = describeExecutable(executable);
    if (problem !== undefined) {
      problems.push(`${id}: executable ${executable} ${problem} (${sourceOf(component, 'executable')})`);
    }
  } else if (findInPath(executable, component.env.PATH ?? process.env.PATH) === undefined) {
    problems.push(`${id}: command "${executable}" not found in PATH (${sourceOf(component, 'executable')})`);
  }

  let isFolder = false;
  try {
    isFolder = statSync(cwd).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) {
    problems.push(`${id}: working folder ${cwd} not found (${sourceOf(component, 'cwd')})`);
  }

  for (const file of component.requiredFiles) {
    if (!isReadableFile(file)) {
      problems.push(`${id}: ${file} not found or not readable (set by the install section)`);
    }
  }

  return problems;
}

/**
 * Checks that every component's executable and working folder exist before
 * PM2 is asked to start anything: PM2 7.0.4 can report an app online that it
 * never managed to spawn. Throws exit code 5 naming each missing path.
 */
export function checkInstall(components: ComponentConfig[], configFiles: string[]): void {
  const problems = components.flatMap(checkComponent);

  if (problems.length > 0) {
    const files = configFiles.join(' and ');
    throw new CliError(
      `${problems.join('\n')}\ninstall the missing programs, or correct the paths in ${files}`,
      ExitCode.notInstalled,
    );
  }
}
