import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { processTree, readParentPids, residentBytes, treeResidentBytes } from '../../../src/supervisor/process-tree';

describe('processTree', () => {
  it('lists descendants breadth first', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 11],
      [20, 1],
    ]);

    expect(processTree(10, parents)).toEqual([10, 11, 12, 13]);
  });

  it('lone process is its own tree', () => {
    expect(processTree(42, new Map([[42, 1]]))).toEqual([42]);
  });
});

describe('resident memory from /proc', () => {
  it('reads this process', () => {
    const bytes = residentBytes(process.pid);

    expect(bytes).toBeGreaterThan(1024 * 1024);
  });

  it('gone process has no memory', () => {
    expect(residentBytes(2 ** 22 + 1)).toBeUndefined();
    expect(treeResidentBytes(2 ** 22 + 1)).toBeUndefined();
  });

  it('tree memory includes a child', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const parents = readParentPids();
      const childBytes = residentBytes(child.pid ?? 0) ?? 0;
      const own = residentBytes(process.pid) ?? 0;

      expect(parents.get(child.pid ?? 0)).toBe(process.pid);
      expect(childBytes).toBeGreaterThan(0);
      expect(treeResidentBytes(process.pid, parents)).toBeGreaterThanOrEqual(own + childBytes - 4 * 1024 * 1024);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
