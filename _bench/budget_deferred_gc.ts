// Copyright 2026 the @seed/mpsc authors. MIT license.
// What the cooperative budget costs once the garbage collector's deferred
// work is counted. A drain with the budget off never returns to the event
// loop, so the collector's foreground tasks wait until after the timed
// loop; with the budget on they run at its yields, inside it. Timing each
// drain through one more macrotask and a full collection counts that work
// on both sides.
//
//   deno run --v8-flags=--expose-gc _bench/budget_deferred_gc.ts

import { channel } from "../mod.ts";
import { setBudgetEnabled } from "../budget.ts";

const MESSAGES = 1_000_000;
const ROUNDS = 9;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

type Drain = (rx: ReturnType<typeof channel<number>>[1]) => Promise<void>;

const drains: Record<string, Drain> = {
  "recv()": async (rx) => {
    while (await rx.recv() !== undefined) { /* drain */ }
  },
  "recvMany(buf, 1024)": async (rx) => {
    const buffer: number[] = [];
    while (await rx.recvMany(buffer, 1024) > 0) buffer.length = 0;
  },
};

async function run(drain: Drain, budget: boolean, settle: boolean) {
  setBudgetEnabled(budget);
  const [tx, rx] = channel<number>(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
  tx.dispose();
  gc!();
  const start = performance.now();
  await drain(rx);
  if (settle) {
    await macrotask();
    gc!();
  }
  return MESSAGES / (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

for (const [name, drain] of Object.entries(drains)) {
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const budget of [true, false]) {
      for (const settle of [false, true]) {
        (rates[`${budget} ${settle}`] ??= []).push(
          await run(drain, budget, settle),
        );
      }
    }
  }
  const rate = (budget: boolean, settle: boolean) =>
    median(rates[`${budget} ${settle}`]!);
  const cost = (settle: boolean) =>
    ((1 - rate(true, settle) / rate(false, settle)) * 100).toFixed(1);
  console.log(
    `${name} drain, M msg/s: loop only: budget on ${
      rate(true, false).toFixed(1)
    }, off ${rate(false, false).toFixed(1)} (cost ${cost(false)}%); ` +
      `with the deferred collection: on ${rate(true, true).toFixed(1)}, off ${
        rate(false, true).toFixed(1)
      } (cost ${cost(true)}%)`,
  );
}
setBudgetEnabled(true);
