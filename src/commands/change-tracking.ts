import { loadConfig } from '../config/load';
import type { ComponentId, Config } from '../config/types';
import { ExitCode, type ExitCodeValue } from '../errors';
import { result } from '../output';
import { buildChangeReport, snapshotOf, unloadedChangeReport, type ChangeReport, type Snapshot } from '../status/changes';
import { readStatus, unknownReport } from '../status/collect';
import { isPermissionDenied, permissionDeniedError } from '../supervisor/permission';
import { readParentPids } from '../supervisor/process-tree';
import { configOptions, type GlobalOptions } from './options';

/** Options of start, stop and restart. */
export interface ActionOptions extends GlobalOptions {
  /** Print one JSON document with the state before and after, and whether anything changed. */
  json?: boolean;
}

/**
 * Reads the state as `status --json` does, without the port checks and
 * memory figures. Never throws, because a failed read must not change the
 * outcome or exit code of the command around it. A supervisor that does not
 * respond gives the state "unknown".
 */
async function takeSnapshot(config: Config, ids: ComponentId[]): Promise<Snapshot> {
  try {
    const report = await readStatus(config, ids, { observe: false });
    const parents = (report.orphans ?? []).length > 0 ? readParentPids() : new Map<number, number>();
    return snapshotOf(report, ids, parents);
  } catch (error) {
    return snapshotOf(unknownReport(config, error instanceof Error ? error.message : String(error)), ids);
  }
}

/** Takes the snapshots around the part of a command that changes state, when --json is set. */
export class ChangeTracker {
  before: Snapshot | undefined;
  after: Snapshot | undefined;

  constructor(
    readonly config: Config,
    readonly ids: ComponentId[],
    private readonly enabled: boolean,
  ) {}

  /**
   * Runs the action between a snapshot before and one after. Call it with the
   * supervisor lock held, so that no other start, stop or restart acts
   * between the two.
   */
  async track(action: () => Promise<void>): Promise<void> {
    if (!this.enabled) {
      return action();
    }

    this.before = await takeSnapshot(this.config, this.ids);
    try {
      await action();
    } finally {
      this.after = await takeSnapshot(this.config, this.ids);
    }
  }

  /** Builds the document. A command that failed before track() ran changed nothing, so one snapshot serves as both. */
  async report(command: string, error?: string): Promise<ChangeReport> {
    if (this.before !== undefined && this.after !== undefined) {
      return buildChangeReport(command, this.config, this.ids, { before: this.before, after: this.after, acted: true }, error);
    }

    const now = await takeSnapshot(this.config, this.ids);
    return buildChangeReport(command, this.config, this.ids, { before: now, after: now, acted: false }, error);
  }
}

function printReport(report: ChangeReport): void {
  result(JSON.stringify(report, null, 2));
}

/**
 * Loads the configuration and runs a start, stop or restart. With --json it
 * then prints the change document to stdout. A failed command prints it too,
 * with the error message, and keeps its own exit code.
 */
export async function runWithChangeReport(
  options: ActionOptions,
  command: string,
  component: ComponentId | undefined,
  perform: (config: Config, tracker: ChangeTracker) => Promise<void>,
): Promise<ExitCodeValue> {
  const json = options.json === true;
  let tracker: ChangeTracker | undefined;

  try {
    const config = loadConfig(configOptions(options));
    const ids = config.components.map((candidate) => candidate.id).filter((id) => component === undefined || id === component);
    tracker = new ChangeTracker(config, ids, json);
    await perform(config, tracker);
  } catch (caught) {
    const error = isPermissionDenied(caught) ? permissionDeniedError(caught, tracker?.config.invocation) : caught;
    if (json) {
      const message = error instanceof Error ? error.message : String(error);
      printReport(tracker === undefined ? unloadedChangeReport(command, message) : await tracker.report(command, message));
    }
    throw error;
  }

  if (json) {
    printReport(await tracker.report(command));
  }
  return ExitCode.ok;
}
