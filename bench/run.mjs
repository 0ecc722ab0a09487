#!/usr/bin/env node
/**
 * `npm run bench`: times ImageServing's status against PM2's own `pm2 jlist`
 * and a bare `node -e 0` on one throw-away stand-in stack, measures the
 * overhead of start and stop, and writes bench/RESULTS.md.
 *
 * BENCH_RUNS (default 30, at least 20) sets the counted runs of each short
 * command, BENCH_CONTROL_RUNS (default 5) the start/stop cycles.
 */
import { existsSync } from 'node:fs';

import { measureControl, measureStandins } from './control.mjs';
import { describeMachine, loadAverage } from './machine.mjs';
import { peakMemoryKiB, timeCommands } from './measure.mjs';
import { renderResults, writeResults } from './report.mjs';
import { CLI, PM2_BIN, Stack } from './stack.mjs';

const WARMUP_ROUNDS = 3;
const MEMORY_RUNS = 5;

function countFromEnv(name, fallback, minimum) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be a whole number of at least ${minimum} (got ${process.env[name]})`);
  }
  return value;
}

function shortCommands(stack) {
  const node = process.execPath;
  return [
    { key: 'online', label: 'ImageServing status (stack online)', argv: [node, CLI, 'status'], env: stack.env(), expectedCode: 0 },
    { key: 'down', label: 'ImageServing status (supervisor not running)', argv: [node, CLI, 'status'], env: stack.env('down'), expectedCode: 3 },
    { key: 'json', label: 'ImageServing status --json', argv: [node, CLI, 'status', '--json'], env: stack.env(), expectedCode: 0 },
    { key: 'jlist', label: 'node node_modules/pm2/bin/pm2 jlist', argv: [node, PM2_BIN, 'jlist'], env: stack.pm2Env(), expectedCode: 0 },
    { key: 'node', label: 'node -e 0', argv: [node, '-e', '0'], env: stack.env(), expectedCode: 0 },
    {
      key: 'noCache',
      label: 'ImageServing status (stack online, IMAGESERVING_NO_COMPILE_CACHE=1)',
      argv: [node, CLI, 'status'],
      env: stack.env('bench', { IMAGESERVING_NO_COMPILE_CACHE: '1' }),
      expectedCode: 0,
    },
  ];
}

function checkOnline(stack) {
  const report = JSON.parse(stack.run(['status', '--json']).stdout);
  const offline = report.components.filter((component) => component.state !== 'online');
  if (offline.length > 0) {
    throw new Error(`components not online after start: ${offline.map((component) => `${component.id} ${component.state}`).join(', ')}`);
  }
}

async function measure(stack, runs, controlRuns) {
  const loadBefore = loadAverage();

  process.stderr.write('timing the stand-ins on their own, then start and stop cycles...\n');
  const standins = await measureStandins(stack.ports, 5);
  const control = await measureControl(stack, standins, controlRuns);

  process.stderr.write(`starting the stack, then ${runs} interleaved rounds of the short commands...\n`);
  stack.run(['start']);
  checkOnline(stack);
  const commands = shortCommands(stack);
  const timings = timeCommands(commands, runs, WARMUP_ROUNDS);
  const memory = commands.map((command) => peakMemoryKiB(command, MEMORY_RUNS));

  const byKey = Object.fromEntries(commands.map((command, index) => [command.key, { ...timings[index], memoryKiB: memory[index] }]));
  return { byKey, standins, control, loadBefore, loadAfter: loadAverage() };
}

async function main() {
  const runs = countFromEnv('BENCH_RUNS', 30, 20);
  const controlRuns = countFromEnv('BENCH_CONTROL_RUNS', 5, 1);
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} not found; run "npm run build" first`);
  }

  const stack = await Stack.create();
  const cleanUpAndExit = (signal, code) => {
    process.stderr.write(`${signal}: stopping the benchmark stack\n`);
    stack.cleanup();
    process.exit(code);
  };
  process.once('SIGINT', () => cleanUpAndExit('SIGINT', 130));
  process.once('SIGTERM', () => cleanUpAndExit('SIGTERM', 143));

  let results;
  try {
    results = await measure(stack, runs, controlRuns);
  } finally {
    stack.cleanup();
  }

  const text = renderResults({ machine: describeMachine(), runs, warmup: WARMUP_ROUNDS, memoryRuns: MEMORY_RUNS, controlRuns, ...results });
  writeResults(text);
  process.stdout.write(text);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
