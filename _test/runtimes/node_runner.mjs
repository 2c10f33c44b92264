// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs the smoke suite under Node.js: both bundles arrive as JSON on standard input, the results leave as JSON on standard output.

import { Buffer } from "node:buffer";
import process from "node:process";

// A check that leaves a promise rejected and unhandled fails the suite
// instead of ending the process.
const unhandled = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(String(reason?.stack ?? reason));
});

let report;
try {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  // `mpsc` is the module's bundle; `smoke` is smoke.js bundled with the
  // @std/assert it imports, which Node.js could not resolve on its own.
  const { mpsc: source, smoke } = JSON.parse(
    Buffer.concat(chunks).toString("utf8"),
  );
  const mpsc = await importSource(source);
  const { runSmoke } = await importSource(smoke);
  report = {
    runtime: `Node.js ${process.version}`,
    results: await runSmoke(mpsc),
    unhandled,
  };
} catch (error) {
  report = {
    runtime: `Node.js ${process.version}`,
    fatal: String(error?.stack ?? error),
  };
}
function importSource(source) {
  return import(
    `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`
  );
}

// Give rejections of the last checks a turn to be reported.
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify(report));
