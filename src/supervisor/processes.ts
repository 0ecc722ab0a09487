import { readFileSync } from 'node:fs';

/** Checks whether a process with this pid exists; a zombie counts as gone. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }

  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until every pid is gone or the time runs out; returns the pids still alive. */
export async function waitForExit(pids: number[], timeoutMs: number, intervalMs = 50): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isProcessAlive);

  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(intervalMs);
    alive = alive.filter(isProcessAlive);
  }

  return alive;
}
