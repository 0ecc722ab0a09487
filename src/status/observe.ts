import type { ComponentConfig } from '../config/types';
import { probeComponent } from '../supervisor/probe';
import { readParentPids, treeResidentBytes } from '../supervisor/process-tree';
import type { Pm2Process } from '../supervisor/rpc';
import type { Health, Observation } from './report';

/** Milliseconds a status port check may take, so that one hung component cannot stall the report. */
export const HEALTH_TIMEOUT_MS = 1000;

async function checkHealth(component: ComponentConfig): Promise<Health | undefined> {
  if (component.port === undefined) {
    return undefined;
  }

  const probe = await probeComponent(component.readiness, component.port, HEALTH_TIMEOUT_MS);
  return probe.ok ? 'ok' : 'not answering';
}

/**
 * Reads the tree memory and checks the port of every online component; all
 * port checks run at once.
 */
export async function observeComponents(
  components: ComponentConfig[],
  processes: Map<string, Pm2Process>,
): Promise<Map<string, Observation>> {
  const online = components.filter((component) => {
    const process = processes.get(component.id);
    return process?.pm2_env.status === 'online' && process.pid > 0;
  });
  if (online.length === 0) {
    return new Map();
  }

  const parents = readParentPids();
  const entries = await Promise.all(
    online.map(async (component): Promise<[string, Observation]> => {
      const pid = processes.get(component.id)?.pid ?? 0;
      return [component.id, { memoryBytes: treeResidentBytes(pid, parents), health: await checkHealth(component) }];
    }),
  );

  return new Map(entries);
}
