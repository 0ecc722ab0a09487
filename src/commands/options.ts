import { InvalidArgumentError, type Command } from 'commander';

import type { ConfigOptions } from '../config/locate';

/** Options every command takes, as commander parses them. */
export interface GlobalOptions {
  env?: string;
  configDir?: string;
}

/**
 * Returns --env and --config-dir as typed on the command line. commander also
 * fills them from IMAGESERVING_ENV and IMAGESERVING_CONFIG_DIR. Those values
 * are left out, so that locateConfig reads the variables itself and messages
 * can name the variable a bad value came from.
 */
export function commandLineOptions(program: Command): GlobalOptions {
  const given: GlobalOptions = {};

  for (const key of ['env', 'configDir'] as const) {
    const value = program.getOptionValue(key) as string | undefined;
    if (value !== undefined && program.getOptionValueSource(key) !== 'env') {
      given[key] = value;
    }
  }

  return given;
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

/**
 * Longest --watch interval, one day. Node.js timers take at most 2^31 - 1 ms
 * (about 24.8 days) and fire after 1 ms for anything longer.
 */
export const MAX_WATCH_SECONDS = 86_400;

/** commander argument parser for an interval such as --watch: seconds from 1 to MAX_WATCH_SECONDS, decimals allowed. */
export function parseIntervalSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 1 || seconds > MAX_WATCH_SECONDS) {
    throw new InvalidArgumentError(`Expected a number of seconds from 1 to ${MAX_WATCH_SECONDS} (one day), such as 2 or 1.5.`);
  }

  return seconds;
}
