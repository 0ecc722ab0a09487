import type { ComponentId, Config } from '../config/types';
import type { OrphanProcess } from '../supervisor/orphans';
import type { StatusReport } from './report';

/**
 * A component's process at one moment. The state is PM2's status (online,
 * stopped, errored, …) or "not started" when PM2 has no such app, as in
 * `status`. Without a supervisor it is "not running", or "orphaned" when a
 * process of the component still runs. It is "unknown" when the supervisor
 * did not respond.
 */
export interface ComponentState {
  state: string;
  /** The main process while online or orphaned, else null. */
  pid: number | null;
}

/** The PM2 daemon at one moment. */
export interface SupervisorProcessState {
  running: boolean;
  pid: number | null;
}

/** The states that start, stop or restart read before or after acting. */
export interface Snapshot {
  supervisor: SupervisorProcessState;
  components: Map<ComponentId, ComponentState>;
}

/** One thing's state before and after the command. */
export interface Transition<State> {
  before: State;
  after: State;
  changed: boolean;
}

export interface ComponentChange extends Transition<ComponentState> {
  id: ComponentId;
  name: string;
}

/** The document that start, stop and restart print with --json. */
export interface ChangeReport {
  /** The command as typed after the options: "start", "stop", "restart" or "restart is". */
  command: string;
  /** null when the configuration could not be loaded. */
  environment: string | null;
  changed: boolean;
  /** null when the configuration could not be loaded, so nothing was read. */
  supervisor: Transition<SupervisorProcessState> | null;
  components: ComponentChange[];
  /** The error message when the command failed. The exit code identifies the failure. */
  error?: string;
}

/**
 * Picks the main process among a component's orphans: the one whose parent
 * is not itself one of them, such as the java that a wrapper script started.
 */
export function mainOrphan(orphans: OrphanProcess[], parents: Map<number, number>): OrphanProcess | undefined {
  const pids = new Set(orphans.map((orphan) => orphan.pid));

  return orphans.find((orphan) => !pids.has(parents.get(orphan.pid) ?? 0)) ?? orphans[0];
}

/** Reduces a status report to the states of the supervisor and of the components named in ids. */
export function snapshotOf(report: StatusReport, ids: ComponentId[], parents: Map<number, number> = new Map()): Snapshot {
  const supervisor = { running: report.supervisor.running, pid: report.supervisor.pid };
  const components = new Map<ComponentId, ComponentState>();

  for (const id of ids) {
    if (report.error !== undefined) {
      components.set(id, { state: 'unknown', pid: null });
    } else if (!report.supervisor.running) {
      const orphan = mainOrphan((report.orphans ?? []).filter((candidate) => candidate.component === id), parents);
      components.set(id, orphan === undefined ? { state: 'not running', pid: null } : { state: 'orphaned', pid: orphan.pid });
    } else {
      const row = report.components.find((candidate) => candidate.id === id);
      components.set(id, { state: row?.state ?? 'not started', pid: row?.pid ?? null });
    }
  }

  return { supervisor, components };
}

/** States in which a component has neither a PM2 app nor a process. */
const ABSENT_STATES = new Set(['not started', 'not running']);

/**
 * Decides whether a component changed: its state or pid differs between the
 * snapshots. "not started" and "not running" both mean no process, so a
 * supervisor that came or went does not change a component that has none. A
 * state that could not be read counts as a change, so that a playbook never
 * reports "unchanged" for something the command may have done.
 */
export function componentChanged(before: ComponentState, after: ComponentState): boolean {
  if (before.state === 'unknown' || after.state === 'unknown') {
    return true;
  }

  if (ABSENT_STATES.has(before.state) && ABSENT_STATES.has(after.state)) {
    return false;
  }

  return before.state !== after.state || before.pid !== after.pid;
}

export function supervisorChanged(before: SupervisorProcessState, after: SupervisorProcessState): boolean {
  return before.running !== after.running || before.pid !== after.pid;
}

/**
 * Builds the --json document. acted is false when the command failed before
 * it touched the supervisor or a component, such as on a missing executable
 * or a lock held too long: then before and after are the same snapshot and
 * nothing counts as changed.
 */
export function buildChangeReport(
  command: string,
  config: Config,
  ids: ComponentId[],
  snapshots: { before: Snapshot; after: Snapshot; acted: boolean },
  error?: string,
): ChangeReport {
  const { before, after, acted } = snapshots;
  const unknownState: ComponentState = { state: 'unknown', pid: null };

  const components = config.components
    .filter((component) => ids.includes(component.id))
    .map((component): ComponentChange => {
      const was = before.components.get(component.id) ?? unknownState;
      const is = after.components.get(component.id) ?? unknownState;
      return { id: component.id, name: component.name, before: was, after: is, changed: acted && componentChanged(was, is) };
    });
  const supervisor = {
    before: before.supervisor,
    after: after.supervisor,
    changed: acted && supervisorChanged(before.supervisor, after.supervisor),
  };

  return {
    command,
    environment: config.environment,
    changed: supervisor.changed || components.some((component) => component.changed),
    supervisor,
    components,
    ...(error === undefined ? {} : { error }),
  };
}

/** Builds the document of a command that failed before its configuration loaded, so that nothing was read or changed. */
export function unloadedChangeReport(command: string, error: string): ChangeReport {
  return { command, environment: null, changed: false, supervisor: null, components: [], error };
}
