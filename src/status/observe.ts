import type { ComponentConfig } from '../config/types';
import { probeComponent } from '../supervisor/probe';
import { treeResidentBytes } from '../supervisor/process-tree';
import type { Pm2Process } from '../supervisor/rpc';
import type { Health, Observation } from './report';

/** Milliseconds a status port check may take, so that one hung component cannot stall the report. */
export const HEALTH_TIMEOUT_MS = 1000;

/** Port checks in flight, by component id. */
export type HealthChecks = Map<string, Promise<Health>>;

/**
 * Starts the port check of every component that has a port, all at once.
 * status starts them before PM2's list arrives, so that they overlap with
 * loading the RPC client and the calls to the daemon. The result of a
 * component that turns out not to be online is dropped.
 */
export function startHealthChecks(components: ComponentConfig[]): HealthChecks {
  const checks: HealthChecks = new Map();

  for (const component of components) {
    if (component.port !== undefined) {
      const probe = probeComponent(component.readiness, component.port, HEALTH_TIMEOUT_MS);
      checks.set(component.id, probe.then((result) => (result.ok ? 'ok' : 'not answering')));
    }
  }

  return checks;
}

/**
 * Reads the tree memory of every online component from the parent pids
 * (see readParentPids) and waits for its port check.
 */
export async function observeComponents(
  components: ComponentConfig[],
  processes: Map<string, Pm2Process>,
  parents: Map<number, number>,
  checks: HealthChecks,
): Promise<Map<string, Observation>> {
  const online = components.filter((component) => {
    const process = processes.get(component.id);
    return process?.pm2_env.status === 'online' && process.pid > 0;
  });

  const entries = await Promise.all(
    online.map(async (component): Promise<[string, Observation]> => {
      const pid = processes.get(component.id)?.pid ?? 0;
      return [component.id, { memoryBytes: treeResidentBytes(pid, parents), health: await checks.get(component.id) }];
    }),
  );

  return new Map(entries);
}
