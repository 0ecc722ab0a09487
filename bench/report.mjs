/**
 * Renders the benchmark results as Markdown and writes bench/RESULTS.md.
 * Everything from the NOTES_MARKER line on is kept from the previous file,
 * so notes written by hand survive a new run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_ROOT } from './stack.mjs';

export const RESULTS_FILE = join(PACKAGE_ROOT, 'bench', 'RESULTS.md');
const NOTES_MARKER = '<!-- Notes below this line are kept when npm run bench rewrites the file. -->';

const ms = (value) => `${value.toFixed(1)} ms`;
const mib = (kib) => (kib === undefined ? 'not measured (no /usr/bin/time)' : `${(kib / 1024).toFixed(1)} MiB`);

function timingRow(entry) {
  return `| ${entry.label} | ${ms(entry.median)} | ${ms(entry.min)} | ${ms(entry.max)} | ${mib(entry.memoryKiB)} |`;
}

/** States whether a ratio of medians meets its target, and by how many ms the first command misses it. */
function ratioRow(name, numerator, denominator, target) {
  const ratio = numerator.median / denominator.median;
  const excessMs = numerator.median - target * denominator.median;
  const verdict = ratio <= target ? 'met' : `missed by ${(ratio - target).toFixed(2)}x (${ms(excessMs)} over)`;
  return `| ${name} | ${ratio.toFixed(2)} | <= ${target} | ${verdict} |`;
}

function limitRow(name, value, limit, format) {
  const verdict = value < limit ? 'met' : `missed by ${format(value - limit)}`;
  return `| ${name} | ${format(value)} | < ${format(limit)} | ${verdict} |`;
}

export function renderResults(results) {
  const { machine, byKey, control, standins } = results;
  const cliMemory = Math.max(...['online', 'down', 'json'].map((key) => byKey[key].memoryKiB ?? 0));
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.mjs) on ${date}. Rerun it to refresh this part.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${machine.memoryGiB.toFixed(1)} GiB; ${machine.kernel}`,
    `- Node.js ${machine.node}, pm2 ${machine.pm2}, ImageServing ${machine.imageServing}`,
    `- 1-minute load average: ${results.loadBefore.toFixed(2)} before, ${results.loadAfter.toFixed(2)} after`,
    '',
    '## Short commands',
    '',
    `${results.runs} counted runs of each after ${results.warmup} warm-up rounds, interleaved one run of each per round.`,
    `Time is wall time from spawn to exit. Peak memory is the largest maximum RSS over ${results.memoryRuns} more runs.`,
    '',
    '| command | median | min | max | peak memory |',
    '| --- | --- | --- | --- | --- |',
    ...['online', 'down', 'json', 'jlist', 'node', 'noCache'].map((key) => timingRow(byKey[key])),
    '',
    '| target | value | goal | result |',
    '| --- | --- | --- | --- |',
    ratioRow('status online / pm2 jlist', byKey.online, byKey.jlist, 0.6),
    ratioRow('status online / node -e 0', byKey.online, byKey.node, 1.5),
    ratioRow('status, supervisor down / node -e 0', byKey.down, byKey.node, 1.3),
    limitRow('peak memory of the CLI (status, status --json)', cliMemory / 1024, 60, (value) => `${value.toFixed(1)} MiB`),
    limitRow('start overhead with three components (median)', control.startOverhead.median, 1000, ms),
    limitRow('stop overhead with three components (median)', control.stopOverhead.median, 1000, ms),
    '',
    '## Control path',
    '',
    `${results.controlRuns} cycles of \`start\` then \`stop\` on the three stand-ins.`,
    '',
    '| step | median | min | max |',
    '| --- | --- | --- | --- |',
    `| start overhead: wall time less ${ms(control.waitedMs)} of start window and readiness | ${ms(control.startOverhead.median)} | ${ms(control.startOverhead.min)} | ${ms(control.startOverhead.max)} |`,
    ...(control.supervisorStartedAt === undefined
      ? []
      : [
          `| start: "supervisor started" printed after | ${ms(control.supervisorStartedAt.median)} | ${ms(control.supervisorStartedAt.min)} | ${ms(control.supervisorStartedAt.max)} |`,
        ]),
    `| stop overhead: wall time less ${ms(control.ownExitMs)} of the stand-ins' own exit | ${ms(control.stopOverhead.median)} | ${ms(control.stopOverhead.min)} | ${ms(control.stopOverhead.max)} |`,
    '',
    'Each stand-in on its own, without PM2 (median of 5): ' +
      Object.entries(standins)
        .map(([id, own]) => `${id} listens ${ms(own.startMs)} after spawn and exits ${ms(own.exitMs)} after SIGTERM`)
        .join('; ') +
      '.',
    '',
  ];

  return `${lines.join('\n')}\n`;
}

export function writeResults(text) {
  const previous = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '';
  const index = previous.indexOf(NOTES_MARKER);
  const notes = index === -1 ? `${NOTES_MARKER}\n` : previous.slice(index);

  writeFileSync(RESULTS_FILE, `${text}\n${notes}`);
}
