import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { commandLine, findProcesses, freePort, isAlive, jsonStatus, requirePid, Sandbox, type EnvironmentOverrides } from './harness';

/** Debian's tomcat10-user package, which .ci/run installs. */
const CATALINA_HOME = '/usr/share/tomcat10';
const INSTANCE_CREATE = '/usr/bin/tomcat10-instance-create';
const available = existsSync(join(CATALINA_HOME, 'bin', 'catalina.sh')) && existsSync(INSTANCE_CREATE);
// CI sets this, so that a missing Tomcat fails the run instead of skipping these tests.
const required = process.env.IMAGESERVING_REQUIRE_TOMCAT === '1';

/** Sends GET / and returns the HTTP status code. */
function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error('no HTTP response within 5 s')));
    req.end();
  });
}

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * Creates a private Tomcat instance on a loopback port: the HTTP connector is
 * bound to 127.0.0.1 and the shutdown port is turned off, so PM2's signal is the
 * only way to stop it.
 */
function createInstance(folder: string, port: number): void {
  execFileSync(INSTANCE_CREATE, ['-p', String(port), '-c', '8005', folder], { stdio: 'ignore' });
  const serverXml = join(folder, 'conf', 'server.xml');
  const text = readFileSync(serverXml, 'utf8')
    .replace('<Server port="8005"', '<Server port="-1"')
    .replace(`<Connector port="${port}" protocol="HTTP/1.1"`, `<Connector port="${port}" address="127.0.0.1" protocol="HTTP/1.1"`);
  if (!text.includes('address="127.0.0.1"') || !text.includes('<Server port="-1"')) {
    throw new Error(`${serverXml} does not have the expected Server and Connector elements`);
  }
  writeFileSync(serverXml, text);
}

describe.skipIf(!available && !required)('real Tomcat as the Platform Server', () => {
  let sandbox: Sandbox;
  let instance: string;
  let port: number;

  const environment = (heap: string): EnvironmentOverrides => ({
    install: { folder: sandbox.root, catalinaHome: CATALINA_HOME, catalinaBase: instance, psHeapSize: heap },
    ps: { executable: undefined, args: undefined, port: String(port), startTimeout: '90', stopTimeout: '30' },
  });

  const tomcatJvms = (): number[] =>
    findProcesses(() => true).filter((pid) => {
      try {
        return commandLine(pid).includes(`-Dcatalina.base=${instance}`);
      } catch {
        return false;
      }
    });

  beforeAll(async () => {
    if (!available) {
      throw new Error(`Tomcat not found: install Debian's tomcat10-user package (${CATALINA_HOME}, ${INSTANCE_CREATE})`);
    }
    sandbox = await Sandbox.create();
    port = await freePort();
    instance = join(sandbox.root, 'tomcat');
    createInstance(instance, port);
    sandbox.writeEnvironment('test', environment('64m'));
  });

  afterAll(async () => {
    await sandbox?.cleanup();
    for (const pid of instance === undefined ? [] : tomcatJvms()) {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('start returns once Tomcat answers', async () => {
    const result = await sandbox.run(['start']);

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^ps\\s+Platform Server\\s+ready \\(pid \\d+, http://127\\.0\\.0\\.1:${port}/ answered HTTP \\d+ after [\\d.]+ s\\)$`, 'm'),
    );
    // Any status code will do: the instance has no web apps, so Tomcat answers 404.
    expect(await httpStatus(port)).toBeGreaterThanOrEqual(200);
  });

  it('status shows the JVM with its memory', async () => {
    const status = await jsonStatus(sandbox);
    const ps = status.components.find((component) => component.id === 'ps');
    const pid = requirePid(ps?.pid);
    const resident = residentBytes(pid);
    const jvmArguments = commandLine(pid);

    expect(ps?.health).toBe('ok');
    expect(jvmArguments).toContain('org.apache.catalina.startup.Bootstrap');
    expect(jvmArguments).toContain('-Xmx64m');
    expect(ps?.memoryBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(Math.abs((ps?.memoryBytes ?? 0) - resident) / resident).toBeLessThan(0.05);
  });

  it('restart ps applies a new heap size', async () => {
    const before = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'ps')?.pid);
    sandbox.writeEnvironment('test', environment('96m'));

    const result = await sandbox.run(['restart', 'ps']);
    const after = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'ps')?.pid);

    expect(result.code).toBe(0);
    expect(after).not.toBe(before);
    expect(isAlive(before)).toBe(false);
    expect(commandLine(after)).toContain('-Xmx96m');
    expect(commandLine(after)).not.toContain('-Xmx64m');
    expect(await httpStatus(port)).toBeGreaterThanOrEqual(200);
  });

  it('stop lets Tomcat shut down on its own', async () => {
    const pid = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'ps')?.pid);

    const result = await sandbox.run(['stop']);
    const logs = readdirSync(join(instance, 'logs'))
      .filter((name) => name.startsWith('catalina.'))
      .map((name) => readFileSync(join(instance, 'logs', name), 'utf8'))
      .join('');

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^ps\\s+Platform Server\\s+stopped on its own \\(pid ${pid}, exited with code \\d+`, 'm'));
    expect(result.stderr).not.toContain('SIGKILL');
    expect(logs).toContain('Stopping service [Catalina]');
    expect(isAlive(pid)).toBe(false);
    expect(tomcatJvms()).toEqual([]);
  });
});
