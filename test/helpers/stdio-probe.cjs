// Preloaded into the server under test (node -r): says on stderr when process.stdin or process.stdout is first
// created, and after how many blocking writes to stdout (fs.writeSync on fd 1), so a test can tell whether the
// opening exchange was served without them (src/mcp/blocking-stdio.ts).
"use strict";
const fs = require("node:fs");
let blockingWrites = 0;
const writeSync = fs.writeSync;
fs.writeSync = function (fd, ...rest) {
  if (fd === 1) blockingWrites += 1;
  return writeSync.call(this, fd, ...rest);
};
for (const name of ["stdin", "stdout"]) {
  const original = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      Object.defineProperty(process, name, original);
      writeSync(2, `stdio-probe: process.${name} created after ${blockingWrites}\n`);
      return process[name];
    },
  });
}
