#!/usr/bin/env node
/**
 * Bundles the command that package.json's bin runs, dist/bundle/cli.js, from
 * tsc's output. Loading yaml's 70-odd files and commander's 7 one by one costs
 * a short command more than running it, so they go into a few chunks: one
 * per command and the modules they share. The rest of pm2 stays outside,
 * because the supervisor is spawned from pm2's own files.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'bundle');

rmSync(outDir, { recursive: true, force: true });

await build({
  input: { cli: join(root, 'dist', 'src', 'main.js') },
  platform: 'node',
  // NOTE: pm2's RPC client (pm2-axon, amp) stays outside too: it calls the deprecated Buffer(),
  // which Node.js 20 warns about on stderr unless the caller's file is under node_modules.
  external: [/^pm2(\/|$)/],
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'cjs',
    // src/main.ts caches the compiled code of every file in chunks/; the hash gives each build its own entry.
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  },
});
