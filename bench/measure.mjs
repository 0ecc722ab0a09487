/**
 * Timing helpers: interleaved repeated runs of short commands, peak memory
 * with /usr/bin/time, and the wall time of start and stop with the time each
 * stderr line arrived.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TIME_BIN = '/usr/bin/time';

function elapsedMs(since) {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

function runOnce(command) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command.argv[0], command.argv.slice(1), { env: command.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = elapsedMs(started);

  if (result.status !== command.expectedCode) {
    throw new Error(`${command.label} exited with ${result.status ?? result.signal}, expected ${command.expectedCode}:\n${result.stderr}`);
  }
  return ms;
}

/**
 * Runs the commands in rounds, one run of each per round, so that load from
 * other processes on the machine falls on all of them alike. The first
 * warmup rounds are not counted.
 */
export function timeCommands(commands, runs, warmup) {
  const samples = commands.map(() => []);

  for (let round = 0; round < warmup + runs; round++) {
    commands.forEach((command, index) => {
      const ms = runOnce(command);
      if (round >= warmup) {
        samples[index].push(ms);
      }
    });
  }

  return commands.map((command, index) => ({ label: command.label, ...summarize(samples[index]) }));
}

/** Returns the largest maximum resident set size, in KiB, over some runs; undefined without /usr/bin/time. */
export function peakMemoryKiB(command, runs) {
  if (!existsSync(TIME_BIN)) {
    return undefined;
  }

  let peak = 0;
  for (let run = 0; run < runs; run++) {
    const result = spawnSync(TIME_BIN, ['-f', '%M', ...command.argv], { env: command.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const lines = result.stderr.trim().split('\n');
    peak = Math.max(peak, Number.parseInt(lines[lines.length - 1], 10));
  }
  return peak;
}

/**
 * Runs a command to its end and returns its wall time and each stderr line
 * with the milliseconds since the spawn at which it arrived.
 */
export function timeWithLines(argv, env, expectedCode = 0) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = [];
    let pending = '';

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      const at = elapsedMs(started);
      const parts = (pending + chunk).split('\n');
      pending = parts.pop();
      lines.push(...parts.map((text) => ({ at, text })));
    });

    child.once('error', reject);
    child.once('close', (code, signal) => {
      const totalMs = elapsedMs(started);
      if (code !== expectedCode) {
        reject(new Error(`${argv.join(' ')} exited with ${code ?? signal}, expected ${expectedCode}:\n${lines.map((line) => line.text).join('\n')}`));
      } else {
        resolve({ totalMs, lines });
      }
    });
  });
}
