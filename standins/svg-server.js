#!/usr/bin/env node
// Stand-in for the SVG server: the standalone Java application that listens
// on TCP (27346 by default). Development and tests only.
'use strict';
require('./lib/standin').runStandin('SVG server', 'tcp');
