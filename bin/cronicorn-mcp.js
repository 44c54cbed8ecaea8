#!/usr/bin/env node
// CommonJS (bin/package.json): the first ES module would cost the start Node's module loader before the first answer.
require("../dist/start.cjs");
