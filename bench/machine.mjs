/** Describes the machine and the software versions a benchmark ran with. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

import { PACKAGE_ROOT } from './stack.mjs';

function versionOf(manifest) {
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    return line === undefined ? cpus()[0]?.model : line.split(':')[1].trim();
  } catch {
    return cpus()[0]?.model;
  }
}

export function describeMachine() {
  return {
    cpu: cpuModel() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    kernel: `Linux ${release()}`,
    node: process.version,
    pm2: versionOf(join(PACKAGE_ROOT, 'node_modules', 'pm2', 'package.json')),
    imageServing: versionOf(join(PACKAGE_ROOT, 'package.json')),
  };
}

/** Returns the 1-minute load average, which shows how busy the machine was. */
export function loadAverage() {
  return loadavg()[0];
}
