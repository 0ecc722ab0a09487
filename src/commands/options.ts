import type { ConfigOptions } from '../config/load';

/** Options every command takes, as commander parses them. */
export interface GlobalOptions {
  env?: string;
  configDir?: string;
}

export function configOptions(options: GlobalOptions): ConfigOptions {
  return { environment: options.env, configDir: options.configDir };
}
