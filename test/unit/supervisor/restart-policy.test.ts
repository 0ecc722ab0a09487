import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { installRestartPolicy, processExit, recordCrash, type God, type RestartRecord } from '../../../src/supervisor/restart-policy';

const NOW = 1_000_000;

describe('recordCrash', () => {
  const facts = { exit: { code: 1, signal: null }, at: NOW, minUptimeMs: 5000, maxRestarts: 3 };

  it('counts quick exits in a row', () => {
    const first = recordCrash(undefined, { ...facts, ranMs: 100 });
    const second = recordCrash(first, { ...facts, ranMs: 4999 });

    expect(first.quickExits).toBe(1);
    expect(second.quickExits).toBe(2);
    expect(second.gaveUp).toBe(false);
  });

  it('stable run resets the count', () => {
    const looping: RestartRecord = { quickExits: 3, lastExit: { code: 1, signal: null }, exitedAt: 0, gaveUp: false, restartAt: null };

    expect(recordCrash(looping, { ...facts, ranMs: 5000 }).quickExits).toBe(0);
  });

  it('gives up after maxRestarts restarts', () => {
    let record: RestartRecord | undefined;
    const gaveUp: boolean[] = [];
    for (let exit = 0; exit < 4; exit++) {
      record = recordCrash(record, { ...facts, ranMs: 10 });
      gaveUp.push(record.gaveUp);
    }

    expect(gaveUp).toEqual([false, false, false, true]);
  });

  it('maxRestarts 0 gives up at once', () => {
    expect(recordCrash(undefined, { ...facts, maxRestarts: 0, ranMs: 10 }).gaveUp).toBe(true);
  });
});

describe('processExit', () => {
  it.each([
    { code: 1, signal: null, expected: { code: 1, signal: null } },
    { code: 0, signal: 'SIGKILL', expected: { code: null, signal: 'SIGKILL' } },
    { code: undefined, signal: undefined, expected: { code: 0, signal: null } },
  ])('code $code signal $signal', ({ code, signal, expected }) => {
    expect(processExit(code, signal)).toEqual(expected);
  });
});

interface FakeApp {
  pm2_env: Record<string, unknown> & { pm_id: number; status: string };
  process: { pid: number };
}

/**
 * Builds a God object whose handleExit does what PM2 7.0.4's does with the
 * fields the policy touches: it gives up once unstable_restarts reaches
 * max_restarts, and sets "waiting restart" whenever a backoff is configured.
 */
function fakeGod(app: FakeApp): God & { calls: { maxRestarts: unknown }[]; events: string[] } {
  const calls: { maxRestarts: unknown }[] = [];
  const events: string[] = [];

  return {
    calls,
    events,
    clusters_db: { [app.pm2_env.pm_id]: app } as unknown as God['clusters_db'],
    handleExit(exited) {
      const env = exited.pm2_env as unknown as FakeApp['pm2_env'];
      calls.push({ maxRestarts: env.max_restarts });
      env.unstable_restarts = ((env.unstable_restarts as number) ?? 0) + 1;
      if ((env.unstable_restarts as number) >= (env.max_restarts as number)) {
        env.status = 'errored';
      }
      if (env.exp_backoff_restart_delay !== undefined) {
        env.status = 'waiting restart';
        env.prev_restart_delay = env.prev_restart_delay ? Math.floor((env.prev_restart_delay as number) * 1.5) : env.exp_backoff_restart_delay;
      }
      return false;
    },
    notify(event) {
      events.push(event);
    },
  };
}

function component(fields: Record<string, unknown> = {}): FakeApp {
  return {
    pm2_env: {
      name: 'is',
      pm_id: 0,
      status: 'online',
      pm_uptime: Date.now() - 100,
      min_uptime: 5000,
      max_restarts: 2,
      exp_backoff_restart_delay: 1000,
      env: { IMAGESERVING_HOME: '/tmp/pm2' },
      ...fields,
    },
    process: { pid: 4242 },
  };
}

describe('installRestartPolicy', () => {
  // The policy logs with console.log, which inside PM2's daemon goes to pm2.log; here it is captured.
  let logged: string[];

  beforeEach(() => {
    logged = [];
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
      logged.push(parts.join(' '));
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('switches off PM2 count during restart', () => {
    const app = component();
    const god = fakeGod(app);
    installRestartPolicy(god);

    god.handleExit(app as never, 1, null);

    expect(god.calls).toEqual([{ maxRestarts: Number.POSITIVE_INFINITY }]);
    expect(app.pm2_env.max_restarts).toBe(2);
    expect(app.pm2_env.status).toBe('waiting restart');
    expect(app.process.pid).toBe(0);
    expect(app.pm2_env.imageserving_restarts).toMatchObject({ quickExits: 1, gaveUp: false, lastExit: { code: 1, signal: null } });
    expect(logged).toEqual(['App [is:0] ImageServing restart policy: 1 quick exit(s) in a row, restart in 1000ms']);
  });

  it('leaves the app errored, not waiting', () => {
    const app = component();
    const god = fakeGod(app);
    installRestartPolicy(god);

    for (let exit = 0; exit < 3; exit++) {
      app.pm2_env.status = 'online';
      app.pm2_env.pm_uptime = Date.now() - 100;
      god.handleExit(app as never, 0, 'SIGSEGV');
    }

    expect(app.pm2_env.status).toBe('errored');
    expect(god.events).toEqual(['restart overlimit']);
    expect(logged[logged.length - 1]).toBe(
      'App [is:0] ImageServing restart policy: gave up after 2 restart(s) in a row that each ended within 5000ms; left errored',
    );
    expect(app.pm2_env.imageserving_restarts).toMatchObject({ quickExits: 3, gaveUp: true, lastExit: { code: null, signal: 'SIGSEGV' } });
  });

  it('stable run restarts backoff', () => {
    const app = component({ pm_uptime: Date.now() - 60_000, prev_restart_delay: 15_000 });
    const god = fakeGod(app);
    installRestartPolicy(god);

    god.handleExit(app as never, 1, null);

    expect(app.pm2_env.prev_restart_delay).toBe(1000);
    expect(app.pm2_env.imageserving_restarts).toMatchObject({ quickExits: 0 });
  });

  it('requested stop only records the exit', () => {
    const app = component({ status: 'stopping' });
    const god = fakeGod(app);
    installRestartPolicy(god);

    god.handleExit(app as never, 0, 'SIGTERM');

    expect(god.calls).toEqual([{ maxRestarts: 2 }]);
    expect(app.pm2_env.imageserving_restarts).toMatchObject({ quickExits: 0, lastExit: { code: null, signal: 'SIGTERM' } });
  });

  it('other apps keep PM2 policy', () => {
    const app = component({ env: {} });
    const god = fakeGod(app);
    installRestartPolicy(god);

    god.handleExit(app as never, 1, null);

    expect(god.calls).toEqual([{ maxRestarts: 2 }]);
    expect(app.pm2_env.imageserving_restarts).toBeUndefined();
  });
});
