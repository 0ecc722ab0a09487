import type { ComponentConfig, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { componentLine, progress } from '../output';
import { formatSeconds } from '../status/format';
import { describePortHolders, findPortHolders } from './port-holders';
import { sleep } from './processes';

const POLL_INTERVAL_MS = 200;

/**
 * Waits until nothing listens on the component's port any more, for up to
 * its stop timeout, so that its new process does not start on a busy port
 * and crash-loop. Fails with exit 1 when the port stays busy.
 */
export async function waitForPortRelease(config: Config, component: ComponentConfig): Promise<void> {
  const { port } = component;
  if (port === undefined) {
    return;
  }

  let holders = findPortHolders(port);
  if (holders.length === 0) {
    return;
  }

  const timeout = formatSeconds(component.stopTimeout);
  progress(componentLine(component, `waiting up to ${timeout} for port ${port}, still held by ${describePortHolders(holders)}`));

  const deadline = Date.now() + component.stopTimeout * 1000;
  while (holders.length > 0 && Date.now() < deadline) {
    await sleep(POLL_INTERVAL_MS);
    holders = findPortHolders(port);
  }

  if (holders.length > 0) {
    throw new CliError(
      `${component.id}: port ${port} is still held by ${describePortHolders(holders)} ` +
        `${timeout} (its stop timeout) after ${component.id} was stopped; ${component.id} was not started again, ` +
        `so that it does not crash-loop on a busy port. End that process, then run "${config.invocation} restart ${component.id}"`,
      ExitCode.failed,
    );
  }
}
