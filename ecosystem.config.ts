/**
 * PM2 ecosystem definition of Image Serving: turns a resolved configuration
 * into the ps, is and svg apps. The CLI builds its apps with the same
 * functions, and the compiled dist/ecosystem.config.js works on its own with
 * `pm2 start dist/ecosystem.config.js` for the environment in IMAGESERVING_ENV.
 *
 * NOTE: PM2 7.0.4 loads an ecosystem file with require() and neither unwraps
 * `export default` nor loads TypeScript on Node.js 20, so this module uses
 * `export =`, which compiles to `module.exports =`.
 */
import { loadConfig } from './src/config/load';
import type { ComponentConfig, Config, Pm2AppDefinition } from './src/config/types';
import { ConfigError } from './src/errors';

/** Variables of the caller's environment that every component gets, when set. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

function inheritedEnvironment(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};

  for (const name of INHERITED_VARIABLES) {
    const value = source[name];
    if (value !== undefined) {
      env[name] = value;
    }
  }

  return env;
}

function toPm2App(component: ComponentConfig, config: Config, source: NodeJS.ProcessEnv = process.env): Pm2AppDefinition {
  const { restart } = component;
  const app: Pm2AppDefinition = {
    name: component.id,
    namespace: config.supervisor.namespace,
    script: component.executable,
    args: component.args,
    cwd: component.cwd,
    interpreter: 'none',
    exec_mode: 'fork',
    env: {
      ...inheritedEnvironment(source),
      PM2_HOME: config.supervisor.home,
      ...component.env,
      // Marks the component's processes, so they can be found if the daemon dies.
      IMAGESERVING_HOME: config.supervisor.home,
      IMAGESERVING_COMPONENT: component.id,
    },
    filter_env: [''],
    kill_timeout: Math.round(component.stopTimeout * 1000),
    treekill: true,
    autorestart: restart.autorestart,
    max_restarts: restart.maxRestarts,
    min_uptime: Math.round(restart.minUptime * 1000),
    out_file: component.logs.out,
    error_file: component.logs.err,
    log_date_format: 'YYYY-MM-DD HH:mm:ss.SSS Z',
  };

  if (restart.backoff > 0) {
    app.exp_backoff_restart_delay = Math.round(restart.backoff * 1000);
  }

  if (component.memoryLimit !== undefined) {
    app.max_memory_restart = component.memoryLimit;
  }

  return app;
}

interface EcosystemDefinition {
  apps: Pm2AppDefinition[];
  /**
   * Signal PM2 sends to stop an app. PM2 7 reads it from PM2_KILL_SIGNAL once,
   * when the daemon spawns, and applies it to every app of that daemon.
   */
  stopSignal: string;
}

function buildEcosystem(config: Config, source: NodeJS.ProcessEnv = process.env): EcosystemDefinition {
  const apps = [...config.components]
    .sort((left, right) => left.startPriority - right.startPriority)
    .map((component) => toPm2App(component, config, source));

  return { apps, stopSignal: config.supervisor.stopSignal };
}

let loaded: EcosystemDefinition | undefined;

/** Loads the configuration of IMAGESERVING_ENV for the pm2 command, once. */
function loadForPm2(): EcosystemDefinition {
  if (loaded !== undefined) {
    return loaded;
  }

  try {
    loaded = buildEcosystem(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new Error(`invalid ImageServing configuration:\n${error.problems.join('\n')}`);
    }
    throw error;
  }

  return loaded;
}

const ecosystem = {
  /** Apps that `pm2 start dist/ecosystem.config.js` reads, loaded on first access rather than when the CLI imports this module. */
  get apps(): Pm2AppDefinition[] {
    return loadForPm2().apps;
  },
  buildEcosystem,
  toPm2App,
};

export = ecosystem;
