// Copyright 2026 the @seed/mpsc authors. MIT license.
// The demo: three sensors feed one bounded channel; a writer batches.
//
// Run it with `deno task demo` (or `npx --yes deno@2.9.6 task demo`). It
// imports nothing but the module, so it runs without the JSR registry.

import { channel, type Sender } from "../mod.ts";

interface Reading {
  sensor: string;
  seq: number;
  celsius: number;
}

const CAPACITY = 8;
const BATCH = 5;
const stats = {
  sent: 0,
  received: 0,
  batches: 0,
  largestBatch: 0,
  waitedForRoom: 0,
  droppedAfterShutdown: 0,
};

// A producer that reserves room before it measures, so a reading is only
// taken once there is somewhere to put it (the two-phase send).
async function sensor(
  name: string,
  tx: Sender<Reading>,
  signal: AbortSignal,
): Promise<void> {
  using sender = tx;
  for (let seq = 0; !signal.aborted; seq++) {
    if (sender.capacity() === 0) stats.waitedForRoom++;
    let permit;
    try {
      permit = await sender.reserve({ signal });
    } catch {
      return; // shutting down, or the writer closed the channel
    }
    using slot = permit;
    slot.send({ sensor: name, seq, celsius: 20 + Math.sin(seq) * 5 });
    stats.sent++;
  }
}

const [tx, rx] = channel<Reading>(CAPACITY);
const stop = new AbortController();
const producers = ["north", "south", "east"].map((name) =>
  sensor(name, tx.clone(), stop.signal)
);
tx.dispose(); // the producers hold the only senders now

// Stop producing after a while; the writer then drains what is queued.
const timer = setTimeout(() => stop.abort(), 150);

const lastSeq = new Map<string, number>();
const batch: Reading[] = [];
let ordered = true;
while (await rx.recvMany(batch, BATCH) > 0) {
  stats.batches++;
  stats.largestBatch = Math.max(stats.largestBatch, batch.length);
  for (const reading of batch) {
    stats.received++;
    const previous = lastSeq.get(reading.sensor) ?? -1;
    if (reading.seq !== previous + 1) ordered = false;
    lastSeq.set(reading.sensor, reading.seq);
  }
  batch.length = 0;
  // Writing a batch out is slow; meanwhile the sensors fill the channel and
  // then wait for room instead of piling readings up in memory.
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await Promise.all(producers);
clearTimeout(timer);

// After the end of the stream, sending is refused and the value comes back.
const [late, lateRx] = channel<string>(1);
lateRx.close();
await late.send("too late").catch((error) => {
  if (error.value === "too late") stats.droppedAfterShutdown++;
});
late.dispose();

console.log("@seed/mpsc demo: 3 sensors -> channel(8) -> batching writer");
console.log(`  readings sent      ${stats.sent}`);
console.log(
  `  readings received  ${stats.received} in ${stats.batches} batches (largest ${stats.largestBatch}, limit ${BATCH})`,
);
console.log(
  `  producer waits     ${stats.waitedForRoom} times the channel was full (backpressure)`,
);
console.log(`  per-sensor order   ${ordered ? "kept" : "BROKEN"}`);
console.log(`  lost               ${stats.sent - stats.received}`);
console.log(
  `  refused after close, value handed back: ${stats.droppedAfterShutdown}`,
);
for (const [name, seq] of lastSeq) {
  console.log(`  ${name.padEnd(6)} last reading #${seq}`);
}
