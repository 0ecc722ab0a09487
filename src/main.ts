#!/usr/bin/env node
/**
 * Entry of the built command (dist/bundle/cli.js). It turns on the compile
 * cache before the chunks with commander, yaml and the commands load. The
 * import() below keeps those chunks out of this small entry file.
 */
import { join } from 'node:path';

import { enableCompileCache } from './compile-cache';

enableCompileCache(join(__dirname, 'chunks'));

void import('./cli.js').then(({ main }) => main(process.argv));
