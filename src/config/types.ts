/** Ids of the three Image Serving components, in the order reports list them. */
export const COMPONENT_IDS = ['ps', 'is', 'svg'] as const;

export type ComponentId = (typeof COMPONENT_IDS)[number];

export function isComponentId(value: string): value is ComponentId {
  return (COMPONENT_IDS as readonly string[]).includes(value);
}

export interface RestartPolicy {
  autorestart: boolean;
  /** Restarts in a row, each ended within minUptime, after which the supervisor leaves the component errored. */
  maxRestarts: number;
  /** Seconds a process must stay up for its start to count as stable. */
  minUptime: number;
  /** Seconds of the first delay of the exponential restart backoff; 0 turns backoff off. */
  backoff: number;
}

/**
 * The probe that checks whether a component serves: a TCP connect, or an HTTP
 * request where any HTTP response counts, since it proves the connector is up.
 */
export interface ReadinessCheck {
  protocol: 'tcp' | 'http';
  /** Address the probe connects to. */
  host: string;
  /** Request path of the HTTP probe. */
  path: string;
}

/** One component with every default applied and every path absolute. */
export interface ComponentConfig {
  id: ComponentId;
  name: string;
  /** Absolute path, or a bare command name that is looked up in PATH. */
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Set when executable, args and cwd were built from the install section rather than given by the component. */
  programFromInstall?: true;
  /** Files the component reads besides its executable, such as the SVG server's jar; checked before start. */
  requiredFiles: string[];
  /** TCP port the component serves on; undefined when none is configured, so readiness is only "online". */
  port?: number;
  /** The check start and status use to see that the component responds on its port. */
  readiness: ReadinessCheck;
  startPriority: number;
  /** Seconds: the minimum pause after a priority group starts, before the next group starts. */
  startDelay: number;
  /** Seconds a component may take to respond on its port before start fails. */
  startTimeout: number;
  /** Seconds. */
  stopTimeout: number;
  restart: RestartPolicy;
  /** PM2's max_memory_restart form, such as 512M; undefined means no limit. */
  memoryLimit?: string;
  logs: { out: string; err: string };
}

export interface SupervisorConfig {
  /** Absolute PM2_HOME of this installation. */
  home: string;
  namespace: string;
  stopSignal: string;
  /** Seconds each call to the PM2 daemon may take before the command gives up. */
  callTimeout: number;
  /** Seconds start, stop or restart waits for the lock another of them holds. */
  lockTimeout: number;
}

/** A validated configuration, as start, stop, restart and status use it. */
export interface Config {
  environment: string;
  configDir: string;
  /** The YAML files that were merged, default first. */
  files: string[];
  /** The command with the options that select this configuration, for hints in messages: ImageServing --env production. */
  invocation: string;
  supervisor: SupervisorConfig;
  components: ComponentConfig[];
}

/**
 * A PM2 app definition, as an ecosystem file or `pm2.start()` takes it
 * (field names are PM2's own).
 */
export interface Pm2AppDefinition {
  name: ComponentId;
  namespace: string;
  script: string;
  args: string[];
  cwd: string;
  /** "none" runs the executable itself; otherwise PM2 would run it with node. */
  interpreter: 'none';
  exec_mode: 'fork';
  env: Record<string, string>;
  /**
   * Keeps the caller's environment out of the app, so only env above reaches it.
   * NOTE: PM2 7.0.4 ignores `filter_env: true` (it checks `filter_env.length`);
   * a list with one empty prefix matches every variable and drops them all.
   */
  filter_env: [''];
  /** Milliseconds between the stop signal and SIGKILL. */
  kill_timeout: number;
  /** Signal the whole process tree, so a wrapper script's children stop too. */
  treekill: true;
  autorestart: boolean;
  max_restarts: number;
  /** Milliseconds. */
  min_uptime: number;
  /** Milliseconds; present only when the restart policy sets a backoff. */
  exp_backoff_restart_delay?: number;
  max_memory_restart?: string;
  out_file: string;
  error_file: string;
  log_date_format: string;
}
