import { CliError, ExitCode, SupervisorTimeoutError } from '../errors';
import type { Pm2AppDefinition } from '../config/types';

interface Pm2Api {
  connect(callback: (error: Error | null) => void): void;
  start(app: object, callback: (error: unknown, processes: unknown[]) => void): void;
  disconnect(): void;
}

let api: Pm2Api | undefined;

/**
 * Loads PM2's programmatic API for this PM2_HOME. PM2 7.0.4 reads PM2_HOME
 * when its module loads and creates folders there, so the variable is set
 * first. The caller must already have a daemon running, because connect()
 * would otherwise spawn one with the caller's whole environment.
 */
async function loadApi(home: string, timeoutSeconds: number): Promise<Pm2Api> {
  if (api !== undefined) {
    return api;
  }

  process.env.PM2_HOME = home;
  const loaded = require('pm2') as Pm2Api;

  await withTimeout('connect', timeoutSeconds, home, (done) => loaded.connect((error) => done(error)));
  api = loaded;
  return loaded;
}

function withTimeout(call: string, seconds: number, home: string, run: (done: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SupervisorTimeoutError(call, seconds, home)), seconds * 1000);

    run((error) => {
      clearTimeout(timer);
      if (error) {
        reject(error);
      } else {
        resolve();
      }
    });
  });
}

function describePm2Error(error: unknown): string {
  if (Array.isArray(error)) {
    return error.map(describePm2Error).join('; ');
  }

  return error instanceof Error ? error.message : String(error);
}

/** Asks the running daemon to start one app from its definition. */
export async function startApp(home: string, app: Pm2AppDefinition, timeoutSeconds: number): Promise<void> {
  const pm2 = await loadApi(home, timeoutSeconds);

  try {
    await withTimeout(`start (${app.name})`, timeoutSeconds, home, (done) => pm2.start({ ...app }, (error) => done(error)));
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(`PM2 could not start ${app.name}: ${describePm2Error(error)}`, ExitCode.failed);
  }
}

export function disconnectApi(): void {
  api?.disconnect();
  api = undefined;
}
