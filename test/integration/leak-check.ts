import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';

import { createdHomes, findProcesses } from './harness';

function describeProcess(pid: number): string {
  try {
    return `  ${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`;
  } catch {
    return `  ${pid}`;
  }
}

/**
 * Vitest setup file. After each test file and its own cleanup, it kills any
 * process that still carries the PM2_HOME of a sandbox that file created,
 * such as a PM2 daemon or a component. Then it fails the file, because a test
 * that leaks processes is broken even when its assertions pass. Processes of
 * other test runs on the machine are left alone.
 */
afterAll(() => {
  const entries = new Set([...createdHomes].map((home) => `PM2_HOME=${home}`));
  const leaked = entries.size === 0 ? [] : findProcesses((environ) => environ.some((entry) => entries.has(entry)));
  const descriptions = leaked.map(describeProcess);

  for (const pid of leaked) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  if (leaked.length > 0) {
    throw new Error(`test sandboxes leaked ${leaked.length} process(es), now killed:\n${descriptions.join('\n')}`);
  }
});
