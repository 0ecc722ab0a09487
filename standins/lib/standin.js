'use strict';
/**
 * Shared core of the development stand-ins: a loopback server on the port
 * given with --port that logs its start and stop and exits cleanly on
 * SIGTERM and SIGINT, as the real Image Serving servers do under a supervisor.
 */
const http = require('node:http');
const net = require('node:net');

function parseArguments(argv) {
  const options = { host: '127.0.0.1', port: undefined, extra: [] };

  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--host') {
      options.host = argv[++index];
    } else if (argument === '--port') {
      options.port = Number(argv[++index]);
    } else {
      options.extra.push(argument);
    }
  }

  return options;
}

function log(label, message) {
  process.stdout.write(`${label} [pid ${process.pid}]: ${message}\n`);
}

/**
 * Runs a stand-in. `protocol` is "http" for the Platform Server (any request
 * gets a small page) or "tcp" for the Image Server and SVG server (a
 * connection gets one greeting line and is closed).
 */
function runStandin(label, protocol) {
  const options = parseArguments(process.argv.slice(2));
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    process.stderr.write(`${label}: invalid or missing --port (got ${options.port}, expected 1 to 65535)\n`);
    process.exit(2);
  }

  const server =
    protocol === 'http'
      ? http.createServer((request, response) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(`${label} stand-in: ${request.method} ${request.url}\n`);
        })
      : net.createServer((socket) => {
          // Read now, because a reset socket no longer has a remote address. One that the
          // client reset before it was accepted never had one that the server can read.
          const peer =
            socket.remoteAddress === undefined
              ? 'connection (reset before its address could be read)'
              : `connection from ${socket.remoteAddress}:${socket.remotePort}`;
          // A client that hangs up at once, such as a port check, must not take the server down.
          socket.on('error', (error) => log(label, `${peer} ended: ${error.code ?? error.message}`));
          socket.end(`${label} stand-in ready\n`);
        });

  server.on('error', (error) => {
    process.stderr.write(`${label}: cannot listen on ${options.host}:${options.port}: ${error.message}\n`);
    process.exit(1);
  });

  server.listen(options.port, options.host, () => {
    const extra = options.extra.length > 0 ? ` (other arguments: ${options.extra.join(' ')})` : '';
    log(label, `listening on ${options.host}:${options.port}${extra}`);
  });

  const shutdown = (signal) => {
    log(label, `received ${signal}, shutting down`);
    server.close(() => {
      log(label, 'stopped');
      process.exit(0);
    });
    server.closeAllConnections?.();
    // A TCP server's open sockets would keep close() waiting; the greeting sockets end at once.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

module.exports = { parseArguments, runStandin };
