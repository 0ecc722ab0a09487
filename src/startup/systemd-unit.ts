import { DAEMON_EXIT_SECONDS } from '../commands/stop';
import type { Config } from '../config/types';
import { groupByPriority } from '../supervisor/start-components';
import { EXIT_GRACE_SECONDS } from '../supervisor/stop-components';

/** Seconds systemd allows beyond the worst case of start or stop, for loading Node.js and the configuration. */
const MARGIN_SECONDS = 30;

export interface UnitSettings {
  /** Account that runs the commands and owns the supervisor's home. */
  user: string;
  /** Absolute path of the node executable. */
  node: string;
  /** Absolute path of the ImageServing command, package.json's bin. */
  cli: string;
  environment: string;
  /** Set only when the configuration folder is not one the defaults find (--config-dir or IMAGESERVING_CONFIG_DIR). */
  configDir?: string;
  /** PATH for the components, as the account's shell has it. */
  path: string;
}

/**
 * Worst case of `ImageServing start`: spawning the daemon, then per priority
 * the PM2 start call and the longer of the start timeout and the start delay.
 */
export function startTimeoutSeconds(config: Config): number {
  const { callTimeout } = config.supervisor;
  const groups = groupByPriority(config.components).map(
    (group) => callTimeout + Math.max(1, ...group.map((component) => Math.max(component.startTimeout, component.startDelay))),
  );

  return Math.ceil(callTimeout + groups.reduce((sum, seconds) => sum + seconds, 0) + MARGIN_SECONDS);
}

/**
 * Worst case of `ImageServing stop`. Each priority takes its longest
 * stopTimeout twice (the component, then processes it left behind), plus the
 * PM2 calls and the exit check. Then the daemon gets time to exit.
 */
export function stopTimeoutSeconds(config: Config): number {
  const { callTimeout } = config.supervisor;
  const groups = groupByPriority(config.components).map(
    (group) => 2 * Math.max(...group.map((component) => component.stopTimeout)) + 2 * callTimeout + EXIT_GRACE_SECONDS,
  );

  return Math.ceil(groups.reduce((sum, seconds) => sum + seconds, 0) + DAEMON_EXIT_SECONDS + MARGIN_SECONDS);
}

/** Escapes a word of ExecStart: % starts a specifier, $ a variable, and quotes keep spaces. */
function execWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');

  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/** Writes one Environment= line; the whole assignment is quoted when the value has spaces or quotes. */
function environmentLine(name: string, value: string): string {
  const assignment = `${name}=${value}`.replace(/%/g, '%%');

  return /[\s"'\\]/.test(assignment) ? `Environment="${assignment.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `Environment=${assignment}`;
}

/** Renders the unit file that starts the stack at boot and stops it at shutdown. */
export function renderSystemdUnit(config: Config, settings: UnitSettings): string {
  const command = (name: string): string => [settings.node, settings.cli, name].map(execWord).join(' ');
  const environment = [environmentLine('IMAGESERVING_ENV', settings.environment)];
  if (settings.configDir !== undefined) {
    environment.push(environmentLine('IMAGESERVING_CONFIG_DIR', settings.configDir));
  }
  environment.push(environmentLine('PATH', settings.path));

  return `# Starts the Image Serving components (${config.environment}) at boot and stops them at shutdown.
# Written by "ImageServing startup". Install it as
# /etc/systemd/system/imageserving.service, then run:
#   systemctl daemon-reload && systemctl enable --now imageserving
[Unit]
Description=Image Serving components ps, is and svg under PM2 (${config.environment})
Wants=network-online.target
After=network-online.target

[Service]
# "ImageServing start" spawns the PM2 daemon detached, starts the components
# and exits; "stop" finds the daemon again through PM2_HOME. So the unit is
# a oneshot that stays active after start, and systemd tracks no main process.
# Type=forking with PIDFile=${config.supervisor.home}/pm2.pid would break
# whenever start finds a daemon already running (one started by hand, or
# replaced by a manual "ImageServing restart"): that pid lies outside this
# unit's cgroup, and systemd refuses a PID file not owned by root whose pid
# is not in the unit's cgroup, so the start would fail.
Type=oneshot
RemainAfterExit=yes
User=${settings.user}
${environment.join('\n')}
ExecStart=${command('start')}
ExecStop=${command('stop')}
# Covers the daemon spawn plus every priority's PM2 call and start window.
TimeoutStartSec=${startTimeoutSeconds(config)}
# Covers every priority's stopTimeout twice (the component, then processes it
# left behind), the PM2 calls and the daemon's exit, so systemd never kills
# a component that is still within its stop timeout.
TimeoutStopSec=${stopTimeoutSeconds(config)}

[Install]
WantedBy=multi-user.target
`;
}
