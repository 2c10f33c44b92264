// Copyright 2026 the @seed/mpsc authors. MIT license.
// Throughput of @seed/mpsc against its peers and the floors, one
// `Deno.bench` group per scenario and order: Tokio's group names
// (`benches/sync_mpsc.rs`), then `consumer_first` (the consumer already
// waits when the producer begins) or `producer_first`.
//
// `deno bench` picks its own number of runs, so these groups move fewer
// messages than the report (`_bench/report.ts`, 1,000,000 per run, medians
// of interleaved runs), which is the one to quote.

import { channel, unboundedChannel } from "../mod.ts";
import { MODULE, scenarios } from "./scenarios.ts";
import { AsyncChannel, Channel } from "./peers.ts";

/** Messages per run: enough to reach a steady state, few enough to be quick. */
const MESSAGES = 100_000;

for (const scenario of scenarios(MESSAGES)) {
  for (const entry of scenario.entries) {
    const expected = entry.expected ?? scenario.expected;
    Deno.bench({
      name: entry.name,
      group: scenario.id,
      baseline: entry.name === MODULE,
      // Runs are long (milliseconds): a few of them settle the mean.
      warmup: 2,
      n: 10,
      async fn(b) {
        const run = entry.prepare();
        b.start();
        const sum = await run();
        b.end();
        if (sum !== expected) {
          throw new Error(
            `${scenario.id} ${entry.name}: expected sum ${expected}, got ${sum}`,
          );
        }
      },
    });
  }
}

// -- create_medium: the cost of making a channel (Tokio's first group) --

for (const capacity of [1, 100, 100_000]) {
  Deno.bench({
    name: `${MODULE} channel(${capacity})`,
    group: `create_medium/${capacity}`,
    baseline: true,
    fn() {
      const [tx, rx] = channel<number>(capacity);
      tx.dispose();
      rx.dispose();
    },
  });
  Deno.bench({
    name: "Web Streams TransformStream",
    group: `create_medium/${capacity}`,
    fn() {
      new TransformStream<number, number>(
        undefined,
        new CountQueuingStrategy({ highWaterMark: capacity }),
      );
    },
  });
  Deno.bench({
    name: "@std/async@1.5.0 Channel",
    group: `create_medium/${capacity}`,
    fn() {
      new Channel<number>({ capacity });
    },
  });
  Deno.bench({
    name: "async-channel@0.2.0",
    group: `create_medium/${capacity}`,
    fn() {
      new AsyncChannel<number>(capacity);
    },
  });
}

Deno.bench({
  name: `${MODULE} unboundedChannel()`,
  group: "create_medium/unbounded",
  baseline: true,
  fn() {
    const [tx, rx] = unboundedChannel<number>();
    tx.dispose();
    rx.dispose();
  },
});
