#!/usr/bin/env node
/**
 * Bundles the command that package.json's bin runs, dist/bundle/cli.js, from
 * tsc's output. Loading yaml's 70-odd files and commander's 7 one by one costs
 * a short command more than running it, so they go into a few chunks: one
 * per command and the modules they share. pm2 stays outside, except its
 * RPC client, because the supervisor is spawned from pm2's own files.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'bundle');

rmSync(outDir, { recursive: true, force: true });

await build({
  input: { cli: join(root, 'dist', 'src', 'main.js') },
  platform: 'node',
  // pm2's RPC client (pm2-axon's req socket, pm2-axon-rpc's client and the debug module they
  // use) goes into the bundle and so into the compile cache. Loaded as 13 separate files, it
  // cost status with the stack online about 4 ms of CPU time (bench/RESULTS.md). amp and
  // amp-message stay outside: they call the deprecated Buffer(), which Node.js 20 warns about
  // on stderr unless the caller's file is under node_modules.
  external: [/^pm2(\/(?!modules\/pm2-axon)|$)/, /^amp(-message)?$/],
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'cjs',
    // src/main.ts caches the compiled code of every file in chunks/; the hash gives each build its own entry.
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  },
});

// Code that src/compile-cache.ts loads from V8's cache cannot call import():
// Node.js 20 drops the dynamic import callback of a vm.Script built from cached
// data, so the call throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING on the second
// run. Lazy loading in the chunks must use require() instead.
const chunkFolder = join(outDir, 'chunks');
for (const name of readdirSync(chunkFolder).filter((file) => file.endsWith('.js'))) {
  const lines = readFileSync(join(chunkFolder, name), 'utf8').split('\n');
  const calls = lines
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => /\bimport\s*\(/.test(line) && !/^(\*|\/\/|\/\*)/.test(line));
  if (calls.length > 0) {
    const where = calls.map(({ line, number }) => `  ${name}:${number}: ${line}`).join('\n');
    throw new Error(`dynamic import() in bundled chunks, which fails when run from the compile cache; use require():\n${where}`);
  }
}
