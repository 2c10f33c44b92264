// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs the smoke suite under Node.js: the bundle arrives on standard input, the results leave as JSON on standard output.

import { Buffer } from "node:buffer";
import process from "node:process";
import { runSmoke } from "./smoke.js";

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
  const source = Buffer.concat(chunks).toString("utf8");
  const mpsc = await import(
    `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`
  );
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
// Give rejections of the last checks a turn to be reported.
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify(report));
