import { CliError, ExitCode, SupervisorTimeoutError, type ExitCodeValue } from '../errors';
import { supervisorFiles } from './home';
import type { RECORD_FIELD, RestartRecord } from './restart-policy';

/** One app as PM2's getMonitorData returns it (the fields this tool reads). */
export interface Pm2Process {
  pid: number;
  name: string;
  pm_id: number;
  monit?: { memory: number; cpu: number };
  pm2_env: {
    status: string;
    namespace?: string;
    /** Timestamp in ms of the last (re)start, not a duration. */
    pm_uptime?: number;
    restart_time?: number;
    unstable_restarts?: number;
    /** Milliseconds. */
    min_uptime?: number;
    max_restarts?: number;
    /** PM2 7.0.4 records 0 for a process killed by a signal. */
    exit_code?: number | null;
    /** Present when the daemon runs the ImageServing restart policy. */
    [RECORD_FIELD]?: RestartRecord;
    kill_timeout?: number;
    pm_err_log_path?: string;
    pm_out_log_path?: string;
    version?: string;
  };
}

/** PM2's getReport result (the fields this tool reads). */
export interface Pm2Report {
  pm2_version: string;
  started_at: number;
  env?: Record<string, string>;
}

interface AxonSocket {
  connect(path: string): void;
  close(): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface AxonRpcClient {
  call(method: string, ...args: unknown[]): void;
}

/**
 * A connection to the PM2 daemon's RPC socket. It uses the axon modules that
 * ship inside pm2 rather than PM2's whole API: that API spawns a daemon when
 * none responds, and loading it costs more than status should.
 */
export class SupervisorConnection {
  private constructor(
    private readonly home: string,
    private readonly socket: AxonSocket,
    private readonly client: AxonRpcClient,
    private readonly timeoutSeconds: number,
    private readonly timeoutExitCode: ExitCodeValue,
  ) {}

  /**
   * Connects to a daemon known to be running. Rejects with a timeout error
   * (carrying timeoutExitCode) when the socket does not connect in time.
   */
  static open(home: string, timeoutSeconds: number, timeoutExitCode: ExitCodeValue = ExitCode.failed): Promise<SupervisorConnection> {
    // Only the req socket and the RPC client: axon's index loads every socket type, which costs status a few ms.
    const ReqSocket = require('pm2/modules/pm2-axon/lib/sockets/req') as new () => AxonSocket;
    const RpcClient = require('pm2/modules/pm2-axon-rpc/lib/client') as new (socket: AxonSocket) => AxonRpcClient;

    const socket = new ReqSocket();
    const client = new RpcClient(socket);

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new SupervisorTimeoutError('connect', timeoutSeconds, home, timeoutExitCode));
      }, timeoutSeconds * 1000);

      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new SupervisorConnection(home, socket, client, timeoutSeconds, timeoutExitCode));
      });
      // axon retries on its own after an error; the timer above bounds the wait.
      socket.on('error', () => undefined);
      socket.connect(supervisorFiles(home).rpcSocket);
    });
  }

  /** Calls one RPC method; rejects when the daemon reports an error or times out. */
  call<T>(method: string, argument: unknown, timeoutSeconds = this.timeoutSeconds): Promise<T> {
    return new Promise((resolve, reject) => {
      // NOTE: PM2 7.0.4's RPC has no timeout of its own; a dead daemon never calls back.
      const timer = setTimeout(() => {
        reject(new SupervisorTimeoutError(method, timeoutSeconds, this.home, this.timeoutExitCode));
      }, timeoutSeconds * 1000);

      this.client.call(method, argument, (error: Error | null, result: T) => {
        clearTimeout(timer);
        if (error) {
          reject(new CliError(`the supervisor rejected "${method}": ${error.message}`, ExitCode.failed));
        } else {
          resolve(result);
        }
      });
    });
  }

  listProcesses(): Promise<Pm2Process[]> {
    return this.call<Pm2Process[]>('getMonitorData', {});
  }

  report(): Promise<Pm2Report> {
    return this.call<Pm2Report>('getReport', {});
  }

  close(): void {
    this.socket.close();
  }
}
