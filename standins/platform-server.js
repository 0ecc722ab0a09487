#!/usr/bin/env node
// Stand-in for the Platform Server: Apache Tomcat hosting the Image Serving
// web app (catalina.sh run), which serves HTTP. Development and tests only.
'use strict';
require('./lib/standin').runStandin('Platform Server', 'http');
