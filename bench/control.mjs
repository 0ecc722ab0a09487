/**
 * Cost of the control path: how long start and stop take beyond what the
 * components themselves need. The components' own start-up and exit are
 * measured by running each stand-in directly, without PM2.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

import { summarize, timeWithLines } from './measure.mjs';
import { CLI, PACKAGE_ROOT, START_DELAY_SECONDS } from './stack.mjs';

/** Priority groups in start order, as config/default.yaml sets them: is and svg first, then ps. */
const START_GROUPS = [['is', 'svg'], ['ps']];
const STANDINS = { ps: 'platform-server.js', is: 'image-server.js', svg: 'svg-server.js' };

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns one stand-in, times it until its port accepts, then from SIGTERM until it has exited. */
async function timeStandin(id, port) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'standins', STANDINS[id]), '--host', '127.0.0.1', '--port', String(port)], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));

  try {
    while (!(await accepts(port))) {
      await sleep(2);
    }
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;

    const signalled = process.hrtime.bigint();
    child.kill('SIGTERM');
    await exited;
    return { startMs, exitMs: Number(process.hrtime.bigint() - signalled) / 1e6 };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Median start-up and exit time of each stand-in on its own, in ms. */
export async function measureStandins(ports, runs) {
  const result = {};

  for (const id of Object.keys(STANDINS)) {
    const samples = [];
    for (let run = 0; run < runs; run++) {
      samples.push(await timeStandin(id, ports[id]));
    }
    result[id] = {
      startMs: summarize(samples.map((sample) => sample.startMs)).median,
      exitMs: summarize(samples.map((sample) => sample.exitMs)).median,
    };
  }

  return result;
}

/**
 * Returns the milliseconds that start waits by design, summed over the
 * priority groups. A group other than the last waits for the longer of its
 * start window (startDelay) and its slowest stand-in's start-up. The last
 * group has no window, so it waits only for its slowest stand-in. Start-up
 * times are those of the stand-ins run without PM2.
 */
function ownStartMs(standins) {
  return START_GROUPS.reduce((sum, group, index) => {
    const listenMs = Math.max(...group.map((id) => standins[id].startMs));
    const windowMs = index < START_GROUPS.length - 1 ? START_DELAY_SECONDS * 1000 : 0;
    return sum + Math.max(windowMs, listenMs);
  }, 0);
}

/**
 * Runs start and stop cycles. Start's overhead is its wall time less what it
 * waits by design (see ownStartMs). Stop's overhead is its wall time less the
 * stand-ins' own exit time, summed over the groups it stops one after another.
 */
export async function measureControl(stack, standins, cycles) {
  const waitedMs = ownStartMs(standins);
  const ownExitMs = START_GROUPS.reduce((sum, group) => sum + Math.max(...group.map((id) => standins[id].exitMs)), 0);
  const starts = [];
  const stops = [];
  const spawns = [];

  for (let cycle = 0; cycle < cycles; cycle++) {
    const start = await timeWithLines([process.execPath, CLI, 'start'], stack.env());
    starts.push(start.totalMs - waitedMs);
    const spawned = start.lines.find((line) => line.text.startsWith('supervisor started'));
    if (spawned !== undefined) {
      spawns.push(spawned.at);
    }

    const stop = await timeWithLines([process.execPath, CLI, 'stop'], stack.env());
    stops.push(stop.totalMs - ownExitMs);
  }

  return {
    waitedMs,
    ownExitMs,
    startOverhead: summarize(starts),
    stopOverhead: summarize(stops),
    supervisorStartedAt: spawns.length > 0 ? summarize(spawns) : undefined,
  };
}
