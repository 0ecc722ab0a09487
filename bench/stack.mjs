/**
 * A throw-away installation for the benchmark: its own config folder and
 * PM2_HOME under the system's temporary folder, and the stand-ins on free
 * loopback ports. cleanup() stops it and kills whatever carries its PM2_HOME.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(PACKAGE_ROOT, 'dist', 'bundle', 'cli.js');
export const PM2_BIN = join(PACKAGE_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');

/** Start window of each component, in seconds. start waits it out after each priority group but the last. */
export const START_DELAY_SECONDS = 1;

const STANDINS = { ps: 'platform-server.js', is: 'image-server.js', svg: 'svg-server.js' };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function environmentYaml(home, ports) {
  const lines = ['supervisor:', `  home: ${home}`, 'components:'];

  for (const [id, script] of Object.entries(STANDINS)) {
    lines.push(
      `  ${id}:`,
      `    executable: ${join(PACKAGE_ROOT, 'standins', script)}`,
      `    args: ["--host", "127.0.0.1", "--port", "${ports[id]}"]`,
      `    port: ${ports[id]}`,
      `    startDelay: ${START_DELAY_SECONDS}`,
      '    stopTimeout: 10',
    );
  }

  return `${lines.join('\n')}\n`;
}

/** Lists live, non-zombie processes whose environment contains the entry. */
function processesWith(entry) {
  const pids = [];

  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const running = !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      if (running && readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) {
        pids.push(Number(name));
      }
    } catch {
      // The process ended while it was read, or belongs to another account.
    }
  }

  return pids;
}

export class Stack {
  /**
   * Environment "bench" runs the stand-ins under PM2_HOME root/pm2. Environment
   * "down" points at root/pm2-down, where no supervisor ever runs.
   */
  static async create() {
    // A short folder keeps PM2_HOME/rpc.sock under the 107-byte socket path limit.
    const root = mkdtempSync(join(tmpdir(), 'imsb-'));
    const stack = new Stack(root);
    const ports = { ps: await freePort(), is: await freePort(), svg: await freePort() };
    stack.ports = ports;

    mkdirSync(stack.configDir);
    copyFileSync(join(PACKAGE_ROOT, 'config', 'default.yaml'), join(stack.configDir, 'default.yaml'));
    writeFileSync(join(stack.configDir, 'bench.yaml'), environmentYaml(stack.home, ports));
    writeFileSync(join(stack.configDir, 'down.yaml'), environmentYaml(join(root, 'pm2-down'), ports));
    return stack;
  }

  constructor(root) {
    this.root = root;
    this.configDir = join(root, 'config');
    this.home = join(root, 'pm2');
  }

  /** Environment for the CLI on this stack. Only pm2Env() sets PM2_HOME. */
  env(environment = 'bench', extra = {}) {
    const env = { ...process.env, IMAGESERVING_CONFIG_DIR: this.configDir, IMAGESERVING_ENV: environment, ...extra };
    delete env.PM2_HOME;
    return env;
  }

  pm2Env() {
    return { ...this.env(), PM2_HOME: this.home };
  }

  /** Runs the CLI to the end and throws when it exits with another code than expected. */
  run(args, expectedCode = 0, environment = 'bench') {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: this.env(environment), encoding: 'utf8', timeout: 120_000 });
    if (result.status !== expectedCode) {
      throw new Error(`ImageServing ${args.join(' ')} exited with ${result.status ?? result.signal}, expected ${expectedCode}:\n${result.stderr}`);
    }
    return result;
  }

  /** Stops the stack, kills every process left with its PM2_HOME and removes the folder. */
  cleanup() {
    if (existsSync(join(this.home, 'rpc.sock'))) {
      spawnSync(process.execPath, [CLI, 'stop'], { env: this.env(), stdio: 'ignore', timeout: 60_000 });
    }

    for (const pid of processesWith(`PM2_HOME=${this.home}`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }

    rmSync(this.root, { recursive: true, force: true });
  }
}
