#!/usr/bin/env node
// Stand-in for the Image Server: the native ImageServer64 binary that
// listens on TCP (27345 by default). Development and tests only.
'use strict';
require('./lib/standin').runStandin('Image Server', 'tcp');
