import { InvalidArgumentError } from 'commander';

import type { ConfigOptions } from '../config/load';

/** Options every command takes, as commander parses them. */
export interface GlobalOptions {
  env?: string;
  configDir?: string;
}

export function configOptions(options: GlobalOptions): ConfigOptions {
  return { environment: options.env, configDir: options.configDir };
}

/** commander argument parser for a count such as --lines: a whole number of at least 1. */
export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('Expected a whole number of at least 1, such as 50.');
  }

  return Number(value);
}

/** commander argument parser for an interval such as --watch: seconds, at least 1, decimals allowed. */
export function parseIntervalSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 1) {
    throw new InvalidArgumentError('Expected a number of seconds of at least 1, such as 2 or 1.5.');
  }

  return seconds;
}
