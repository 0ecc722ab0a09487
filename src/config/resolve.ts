import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import { installProgram, mergeInstallEnv, type InstallProgram, type RawInstall } from './install';
import type { SettingProblem } from './validate';
import { COMPONENT_IDS, type ComponentConfig, type ComponentId, type ReadinessCheck, type SupervisorConfig } from './types';

/**
 * Fields PM2 keeps for each app besides the options of its ecosystem schema.
 * PM2 7.0.4 copies an app's env over these fields when it starts the app
 * (Utility.extend in God.executeApp), so a variable with such a name would
 * change the app itself, for example `name` renames it.
 */
const PM2_INTERNAL_FIELDS = [
  'automation', 'autostart', 'axm_actions', 'axm_dynamic', 'axm_monitor', 'axm_options', 'created_at', 'env',
  'exec_interpreter', 'exit_code', 'instance_var', 'km_link', 'pm_cwd', 'pm_err_log_path', 'pm_exec_path', 'pm_id',
  'pm_out_log_path', 'pm_pid_path', 'pm_uptime', 'prev_restart_delay', 'restart_time', 'status', 'unique_id',
  'unstable_restarts', 'username', 'version', 'vizion_running',
  // Kept by the ImageServing restart policy in the daemon (restart-policy.ts).
  'imageserving_restarts',
];

let reservedNames: Set<string> | undefined;

/** Returns the variable names PM2 would read as settings of the app rather than pass on. */
function reservedEnvNames(): Set<string> {
  if (reservedNames === undefined) {
    const schema = require('pm2/lib/API/schema.json') as Record<string, unknown>;
    reservedNames = new Set([...Object.keys(schema).filter((key) => /^\w+$/.test(key)), ...PM2_INTERNAL_FIELDS]);
  }

  return reservedNames;
}

/** Unix socket paths are limited to 108 bytes with the terminating NUL (sun_path on Linux). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Defaults of the vendor's Server Supervisor (SupervisorRegistry.xml), used where the YAML is silent. */
const VENDOR_DEFAULTS: Record<ComponentId, { name: string; startPriority: number; protocol: ReadinessCheck['protocol'] }> = {
  ps: { name: 'Platform Server', startPriority: 2, protocol: 'http' },
  is: { name: 'Image Server', startPriority: 1, protocol: 'tcp' },
  svg: { name: 'SVG server', startPriority: 1, protocol: 'tcp' },
};

const DEFAULT_START_DELAY = 5;
/** Seconds; a Tomcat with many web apps can take minutes, so this is generous. */
const DEFAULT_START_TIMEOUT = 120;
const DEFAULT_STOP_TIMEOUT = 60;
const DEFAULT_CALL_TIMEOUT = 10;
/** Long enough for a restart in which every component needs its default 60 s stop timeout. */
const DEFAULT_LOCK_TIMEOUT = 300;

const EXECUTABLE_EXPECTED =
  'the program to run: an absolute path, a path relative to the config folder, or a command name found in PATH';

interface RawComponent {
  name?: string;
  executable?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  port?: number;
  readiness?: { protocol?: ReadinessCheck['protocol']; host?: string; path?: string };
  startPriority?: number;
  startDelay?: number;
  startTimeout?: number;
  stopTimeout?: number;
  restart?: { autorestart?: boolean; maxRestarts?: number; minUptime?: number; backoff?: number };
  memoryLimit?: string;
  logs?: { out?: string; err?: string };
}

/** Settings as the schema has checked them; optional keys may still be missing. */
export interface RawSettings {
  supervisor: { home: string; namespace?: string; stopSignal?: string; callTimeout?: number; lockTimeout?: number };
  install?: RawInstall;
  components: Record<ComponentId, RawComponent>;
}

/** Expands a leading ~ to the account's home folder and makes a path absolute against a base folder. */
export function resolvePath(path: string, baseDir: string): string {
  if (path === '~') {
    return homedir();
  }

  if (path.startsWith('~/')) {
    return join(homedir(), path.slice(2));
  }

  return resolve(baseDir, path);
}

/** Keeps a bare command name (looked up in PATH when started); resolves anything with a slash. */
function resolveExecutable(executable: string, baseDir: string): string {
  return executable.includes('/') || executable.startsWith('~') ? resolvePath(executable, baseDir) : executable;
}

export function resolveSupervisor(raw: RawSettings['supervisor'], configDir: string): SupervisorConfig {
  return {
    home: resolvePath(raw.home, configDir),
    namespace: raw.namespace ?? 'imageserving',
    stopSignal: raw.stopSignal ?? 'SIGTERM',
    callTimeout: raw.callTimeout ?? DEFAULT_CALL_TIMEOUT,
    lockTimeout: raw.lockTimeout ?? DEFAULT_LOCK_TIMEOUT,
  };
}

/**
 * Picks what the component runs: its own executable, args, cwd and env when the
 * YAML names an executable, otherwise the install section's program, with the
 * YAML's args, cwd and env laid over it.
 */
function resolveProgram(raw: RawComponent, install: InstallProgram | undefined, configDir: string): InstallProgram {
  if (raw.executable !== undefined || install === undefined) {
    // checkSettings has reported a component with neither an executable nor an install section.
    const executable = resolveExecutable(raw.executable ?? '', configDir);
    const defaultCwd = isAbsolute(executable) ? dirname(executable) : configDir;

    return {
      executable,
      args: raw.args ?? [],
      cwd: raw.cwd === undefined ? defaultCwd : resolvePath(raw.cwd, configDir),
      env: raw.env ?? {},
      requiredFiles: [],
    };
  }

  return {
    executable: install.executable,
    args: raw.args ?? install.args,
    cwd: raw.cwd === undefined ? install.cwd : resolvePath(raw.cwd, configDir),
    env: mergeInstallEnv(install.env, raw.env ?? {}),
    requiredFiles: install.requiredFiles,
  };
}

export function resolveComponent(
  id: ComponentId,
  raw: RawComponent,
  configDir: string,
  home: string,
  install?: RawInstall,
): ComponentConfig {
  const fromInstall = install === undefined ? undefined : installProgram(id, install, (path) => resolvePath(path, configDir));
  const program = resolveProgram(raw, fromInstall, configDir);

  return {
    id,
    name: raw.name ?? VENDOR_DEFAULTS[id].name,
    ...program,
    ...(raw.executable === undefined && fromInstall !== undefined ? { programFromInstall: true as const } : {}),
    port: raw.port,
    readiness: {
      protocol: raw.readiness?.protocol ?? VENDOR_DEFAULTS[id].protocol,
      host: raw.readiness?.host ?? '127.0.0.1',
      path: raw.readiness?.path ?? '/',
    },
    startPriority: raw.startPriority ?? VENDOR_DEFAULTS[id].startPriority,
    startDelay: raw.startDelay ?? DEFAULT_START_DELAY,
    startTimeout: raw.startTimeout ?? DEFAULT_START_TIMEOUT,
    stopTimeout: raw.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
    restart: {
      autorestart: raw.restart?.autorestart ?? true,
      maxRestarts: raw.restart?.maxRestarts ?? 15,
      minUptime: raw.restart?.minUptime ?? 5,
      backoff: raw.restart?.backoff ?? 1,
    },
    memoryLimit: raw.memoryLimit,
    logs: {
      out: resolvePath(raw.logs?.out ?? join(home, 'logs', `${id}-out.log`), configDir),
      err: resolvePath(raw.logs?.err ?? join(home, 'logs', `${id}-error.log`), configDir),
    },
  };
}

/**
 * Finds the problems no schema can express: two components on one port, and a
 * PM2_HOME whose socket path is too long. Works on unvalidated settings, so
 * these are reported together with the schema's problems.
 */
export function checkSettings(settings: unknown, configDir: string): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const root = (settings ?? {}) as {
    supervisor?: { home?: unknown };
    install?: unknown;
    components?: Record<string, { port?: unknown; env?: unknown; executable?: unknown } | null>;
  };

  const home = root.supervisor?.home;
  if (typeof home === 'string' && home !== '') {
    const socketPath = join(resolvePath(home, configDir), 'rpc.sock');
    const socketBytes = Buffer.byteLength(socketPath);
    if (socketBytes > MAX_SOCKET_PATH_BYTES) {
      problems.push({
        path: ['supervisor', 'home'],
        message:
          `path too long for PM2's socket (got ${socketPath}, ${socketBytes} bytes, ` +
          `expected at most ${MAX_SOCKET_PATH_BYTES} bytes for a Unix socket path); choose a shorter folder`,
      });
    }
  }

  for (const id of COMPONENT_IDS) {
    const component = root.components?.[id];
    const isMap = typeof component === 'object' && component !== null && !Array.isArray(component);
    if (root.install === undefined && isMap && component.executable === undefined) {
      problems.push({
        path: ['components', id, 'executable'],
        message: `missing required key (expected ${EXECUTABLE_EXPECTED}, or an install section that provides it)`,
      });
    }
  }

  for (const id of COMPONENT_IDS) {
    const env = root.components?.[id]?.env;
    if (typeof env !== 'object' || env === null) {
      continue;
    }
    for (const name of Object.keys(env).filter((key) => reservedEnvNames().has(key))) {
      problems.push({
        path: ['components', id, 'env', name],
        target: 'key',
        message: `reserved name (got "${name}", which PM2 would read as a setting of the app itself, expected another variable name)`,
      });
    }
  }

  const owners = new Map<number, ComponentId>();
  for (const id of COMPONENT_IDS) {
    const port = root.components?.[id]?.port;
    if (typeof port !== 'number' || !Number.isInteger(port)) {
      continue;
    }

    const owner = owners.get(port);
    if (owner !== undefined) {
      problems.push({
        path: ['components', id, 'port'],
        message: `port already used by ${owner} (got ${port}, expected a port no other component uses)`,
      });
    } else {
      owners.set(port, id);
    }
  }

  return problems;
}
