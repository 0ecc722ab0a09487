/**
 * Entry point of the supervisor process: PM2's own daemon with the Image
 * Serving restart policy installed first. daemon.ts spawns this file where
 * PM2's client would spawn pm2/lib/Daemon.js.
 */
import { installRestartPolicy, POLICY_MARKER, type God } from './restart-policy';

const god = require('pm2/lib/God') as God;
installRestartPolicy(god);
process.env[POLICY_MARKER] = '1';

const Daemon = require('pm2/lib/Daemon.js') as new () => { start(): void };
const { version } = require('pm2/package.json') as { version: string };

// The title PM2 7.0.4's Daemon.js gives itself when run directly; removeStaleFiles and PM2's tools look for it.
process.title = process.env.PM2_DAEMON_TITLE ?? `PM2 v${version}: God Daemon (${process.env.PM2_HOME ?? ''})`;
new Daemon().start();
