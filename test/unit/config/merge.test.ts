import { describe, expect, it } from 'vitest';

import { mergeSettings } from '../../../src/config/merge';

describe('mergeSettings', () => {
  it('merges maps key by key', () => {
    const merged = mergeSettings({ home: '/a', namespace: 'imageserving' }, { home: '/b', callTimeout: 5 });

    expect(merged).toEqual({ home: '/b', namespace: 'imageserving', callTimeout: 5 });
  });

  it('merges nested maps', () => {
    const defaults = {
      supervisor: { home: '/a', stopSignal: 'SIGTERM' },
      components: { ps: { port: 8080, restart: { autorestart: true, maxRestarts: 15 } }, is: { port: 27345 } },
    };
    const override = { components: { ps: { restart: { maxRestarts: 3 } } } };

    expect(mergeSettings(defaults, override)).toEqual({
      supervisor: { home: '/a', stopSignal: 'SIGTERM' },
      components: { ps: { port: 8080, restart: { autorestart: true, maxRestarts: 3 } }, is: { port: 27345 } },
    });
  });

  it('override list replaces default list', () => {
    const merged = mergeSettings({ args: ['--host', '127.0.0.1', '--port', '8080'] }, { args: ['run'] });

    expect(merged).toEqual({ args: ['run'] });
  });

  it('override scalar replaces default', () => {
    expect(mergeSettings({ port: 8080 }, { port: 9090 })).toEqual({ port: 9090 });
    expect(mergeSettings({ name: 'Image Server' }, { name: 'IS' })).toEqual({ name: 'IS' });
    expect(mergeSettings({ autorestart: true }, { autorestart: false })).toEqual({ autorestart: false });
  });

  it('override scalar replaces default map', () => {
    expect(mergeSettings({ restart: { autorestart: true } }, { restart: 'off' })).toEqual({ restart: 'off' });
  });

  it('override map replaces default scalar', () => {
    expect(mergeSettings({ env: 'none' }, { env: { TZ: 'UTC' } })).toEqual({ env: { TZ: 'UTC' } });
  });

  it('override null replaces default', () => {
    expect(mergeSettings({ startDelay: 5 }, { startDelay: null })).toEqual({ startDelay: null });
  });

  it('undefined override keeps default', () => {
    const defaults = { supervisor: { home: '/a' } };

    expect(mergeSettings(defaults, undefined)).toBe(defaults);
  });

  it('undefined value keeps default key', () => {
    expect(mergeSettings({ home: '/a', namespace: 'x' }, { namespace: undefined })).toEqual({ home: '/a', namespace: 'x' });
  });

  it('key only in default survives', () => {
    expect(mergeSettings({ ps: { port: 8080 } }, { is: { port: 27345 } })).toEqual({
      ps: { port: 8080 },
      is: { port: 27345 },
    });
  });

  it('leaves inputs unchanged', () => {
    const defaults = { ps: { port: 8080, args: ['a'] } };
    const override = { ps: { port: 9090 } };

    mergeSettings(defaults, override);

    expect(defaults).toEqual({ ps: { port: 8080, args: ['a'] } });
    expect(override).toEqual({ ps: { port: 9090 } });
  });

  it('map over empty default', () => {
    expect(mergeSettings({}, { supervisor: { home: '/a' } })).toEqual({ supervisor: { home: '/a' } });
  });
});
