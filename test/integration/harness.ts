import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { StatusReport } from '../../src/status/report';

export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
export const CLI = join(PACKAGE_ROOT, 'dist', 'bundle', 'cli.js');
export const PM2_BIN = join(PACKAGE_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const STANDINS = join(PACKAGE_ROOT, 'standins');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Finds a TCP port on loopback that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** PM2_HOME folders of the sandboxes this test file created, for the leak check. */
export const createdHomes = new Set<string>();

export interface SandboxPorts {
  ps: number;
  is: number;
  svg: number;
}

/** Keys to set in a test environment's YAML, each given as its YAML value text; undefined leaves a key out. */
export type EnvironmentOverrides = Partial<Record<'ps' | 'is' | 'svg' | 'supervisor' | 'install', Record<string, string | undefined>>>;

function yamlLines(settings: Record<string, string | undefined>, indent: string): string[] {
  return Object.entries(settings).flatMap(([key, value]) => (value === undefined ? [] : [`${indent}${key}: ${value}`]));
}

/**
 * A temporary installation: its own config folder, PM2_HOME and ports, and the
 * stand-ins as components. Every daemon and child it started is killed by cleanup().
 */
export class Sandbox {
  readonly root: string;
  readonly configDir: string;
  readonly home: string;

  private constructor(readonly ports: SandboxPorts) {
    // A short folder keeps PM2_HOME/rpc.sock well under the 107-byte socket path limit.
    this.root = mkdtempSync(join(tmpdir(), 'ims-'));
    this.configDir = join(this.root, 'config');
    this.home = join(this.root, 'pm2');
    createdHomes.add(this.home);
    mkdirSync(this.configDir);
  }

  static async create(): Promise<Sandbox> {
    const sandbox = new Sandbox({ ps: await freePort(), is: await freePort(), svg: await freePort() });
    sandbox.writeDefault();
    sandbox.writeEnvironment('test');
    return sandbox;
  }

  writeDefault(): void {
    writeFileSync(join(this.configDir, 'default.yaml'), readFileSync(join(PACKAGE_ROOT, 'config', 'default.yaml')));
  }

  /**
   * Writes config/NAME.yaml with the stand-ins on this sandbox's ports, a 1 s
   * start delay and a 5 s stop timeout. Overrides replace or add supervisor,
   * install and component keys, each given as its YAML value text; an
   * undefined value leaves the key out.
   */
  writeEnvironment(name: string, overrides: EnvironmentOverrides = {}): void {
    const scripts = { ps: 'platform-server.js', is: 'image-server.js', svg: 'svg-server.js' };
    const supervisor = { home: this.home, callTimeout: '10', ...overrides.supervisor };
    const lines = ['supervisor:', ...yamlLines(supervisor, '  ')];
    if (overrides.install !== undefined) {
      lines.push('install:', ...yamlLines(overrides.install, '  '));
    }
    lines.push('components:');

    for (const id of ['ps', 'is', 'svg'] as const) {
      const settings: Record<string, string | undefined> = {
        executable: join(STANDINS, scripts[id]),
        args: `["--port", "${this.ports[id]}"]`,
        port: String(this.ports[id]),
        startDelay: '1',
        stopTimeout: '5',
        ...overrides[id],
      };
      lines.push(`  ${id}:`, ...yamlLines(settings, '    '));
    }

    writeFileSync(join(this.configDir, `${name}.yaml`), `${lines.join('\n')}\n`);
  }

  environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, IMAGESERVING_CONFIG_DIR: this.configDir, IMAGESERVING_ENV: 'test', ...extra };
    delete env.NO_COLOR;
    delete env.PM2_HOME;
    return env;
  }

  /** Runs the built CLI against this sandbox. */
  run(args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<RunResult> {
    return runNode([CLI, ...args], this.environment(extra), timeoutMs);
  }

  /** Starts the built CLI against this sandbox without waiting for it; pid is the CLI's process. */
  launch(args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): { pid: number; done: Promise<RunResult> } {
    let pid = 0;
    const done = new Promise<RunResult>((resolveRun) => {
      const child = execFile(process.execPath, [CLI, ...args], { env: this.environment(extra), timeout: timeoutMs, cwd: PACKAGE_ROOT }, (error, stdout, stderr) => {
        resolveRun({ code: exitCodeOf(error), stdout, stderr });
      });
      pid = child.pid ?? 0;
    });

    return { pid, done };
  }

  /** Runs PM2's own command on this sandbox's PM2_HOME. */
  runPm2(args: string[]): Promise<RunResult> {
    return runNode([PM2_BIN, ...args], { ...this.environment(), PM2_HOME: this.home }, 60_000);
  }

  /** Pids of every live process whose environment names this sandbox's PM2_HOME: the daemon and the components. */
  processes(): number[] {
    return findProcesses((environ) => environ.includes(`PM2_HOME=${this.home}`));
  }

  supervisorFilesPresent(): string[] {
    return ['rpc.sock', 'pub.sock', 'pm2.pid'].filter((name) => existsSync(join(this.home, name)));
  }

  /** Stops the stack through the CLI, then kills whatever survived, and removes the folder. */
  async cleanup(): Promise<void> {
    if (existsSync(join(this.home, 'rpc.sock'))) {
      await this.run(['stop'], {}, 60_000).catch(() => undefined);
    }

    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }

    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Returns the exit code of a finished execFile run: 0 without an error, null when a signal or the timeout ended it. */
function exitCodeOf(error: ExecFileException | null): number | null {
  if (error === null) {
    return 0;
  }

  return typeof error.code === 'number' ? error.code : null;
}

export function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, args, { env, timeout: timeoutMs, cwd: PACKAGE_ROOT }, (error, stdout, stderr) => {
      resolveRun({ code: exitCodeOf(error), stdout, stderr });
    });
  });
}

/** Runs a program other than the CLI, such as npm or ansible-playbook. code is 1 when the program was not found or the timeout killed it. */
export function runProgram(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { timeoutMs = 240_000, ...spawnOptions } = options;

  return new Promise((resolveRun) => {
    execFile(command, args, { ...spawnOptions, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) {
        code = typeof error.code === 'number' ? error.code : 1;
      }
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** Lists live, non-zombie processes whose environment entries (NAME=value) match a test. */
export function findProcesses(matches: (environ: string[]) => boolean): number[] {
  const pids: number[] = [];

  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }

    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) {
        continue;
      }
      if (matches(readFileSync(`/proc/${name}/environ`, 'utf8').split('\0'))) {
        pids.push(Number(name));
      }
    } catch {
      // The process ended while it was read, or belongs to another account.
    }
  }

  return pids;
}

/** Reads the argument list of a live process from /proc. */
export function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
}

/**
 * Returns a pid from a status report, failing the test when there is none.
 * process.kill(0) would signal the test runner's own process group.
 */
export function requirePid(pid: number | null | undefined): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`expected a process id, got ${String(pid)}`);
  }

  return pid;
}

export function isAlive(pid: number): boolean {
  requirePid(pid);

  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** The document `status --json` prints. */
export type JsonStatus = StatusReport;

export async function jsonStatus(sandbox: Sandbox): Promise<JsonStatus> {
  const result = await sandbox.run(['status', '--json']);
  return JSON.parse(result.stdout) as JsonStatus;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
