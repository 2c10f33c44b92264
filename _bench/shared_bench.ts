// Copyright 2026 the @seed/mpsc authors. MIT license.
// Shared channels across Workers against postMessage: one group per question of issue 11.
//
// Every run starts its Workers before `b.start()` and ends them after
// `b.end()`, so only the moving of messages is timed. Workers need read
// permission for their module: run with `deno bench --allow-read
// _bench/shared_bench.ts` (without it these benchmarks are ignored, with a
// note). This machine has 2 cores: a Worker and the main thread each get
// one, so a third thread (the two-Worker group) shares a core with one of
// them, and what it measures there is contention, not parallel speed-up.

import { codecs, sharedChannel } from "../shared.ts";
import type { BenchCommand } from "../_test/shared/bench_worker.ts";

const WORKER = new URL("../_test/shared/bench_worker.ts", import.meta.url);
const CAN_READ =
  Deno.permissions.querySync({ name: "read", path: WORKER }).state ===
    "granted";
if (!CAN_READ) {
  console.warn(
    "shared_bench: Workers need --allow-read: these benchmarks are ignored",
  );
}

/** Messages per run (one by one). */
const ONE_BY_ONE = 100_000;
/** Messages per run (batched). */
const BATCHED = 1_000_000;
/** Round trips per run. */
const ROUND_TRIPS = 10_000;
const BATCH = 1024;
const CAPACITY = 1024;

function start(): Worker {
  return new Worker(WORKER, { type: "module" });
}

function post(
  worker: Worker,
  command: BenchCommand,
  transfer?: Transferable[],
) {
  worker.postMessage(command, transfer ?? []);
}

/** Resolves with the Worker's next message. */
function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
  });
}

/** Waits until the Worker has loaded its module (it answers a no-op). */
async function ready(worker: Worker): Promise<void> {
  const answered = nextMessage(worker);
  post(worker, { op: "post", count: 1 });
  await answered;
}

function bench(
  group: string,
  name: string,
  baseline: boolean,
  run: (b: Deno.BenchContext) => Promise<void>,
) {
  Deno.bench({
    group,
    name,
    baseline,
    ignore: !CAN_READ,
    warmup: 1,
    n: 5,
    fn: run,
  });
}

// -- One Worker to the main thread, one message at a time --

bench(
  "worker_to_main",
  "postMessage, one number per message",
  true,
  async (b) => {
    const worker = start();
    await ready(worker);
    let received = 0;
    let sum = 0;
    const done = new Promise<void>((resolve) => {
      worker.onmessage = (event) => {
        sum += event.data as number;
        if (++received === ONE_BY_ONE) resolve();
      };
    });
    b.start();
    post(worker, { op: "post", count: ONE_BY_ONE });
    await done;
    b.end();
    worker.terminate();
    if (sum !== ONE_BY_ONE * (ONE_BY_ONE - 1) / 2) {
      throw new Error(
        "lost messages",
      );
    }
  },
);

bench("worker_to_main", "blockingSend, recv() one by one", false, async (b) => {
  const worker = start();
  await ready(worker);
  const [tx, rx] = sharedChannel(CAPACITY, { codec: codecs.number });
  b.start();
  post(worker, { op: "send", token: tx.share(), count: ONE_BY_ONE });
  tx.dispose();
  let sum = 0;
  for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) sum += v;
  b.end();
  rx.dispose();
  worker.terminate();
  if (sum !== ONE_BY_ONE * (ONE_BY_ONE - 1) / 2) {
    throw new Error("lost messages");
  }
});

// -- One Worker to the main thread, in batches of 1,024 --

bench(
  "worker_to_main_batched",
  "postMessage, transferred Float64Array of 1,024",
  true,
  async (b) => {
    const worker = start();
    await ready(worker);
    let received = 0;
    let sum = 0;
    const done = new Promise<void>((resolve) => {
      worker.onmessage = (event) => {
        const batch = event.data as Float64Array;
        for (let i = 0; i < batch.length; i++) sum += batch[i]!;
        received += batch.length;
        if (received === BATCHED) resolve();
      };
    });
    b.start();
    post(worker, { op: "postBatch", count: BATCHED, batch: BATCH });
    await done;
    b.end();
    worker.terminate();
    if (sum !== BATCHED * (BATCHED - 1) / 2) throw new Error("lost messages");
  },
);

bench(
  "worker_to_main_batched",
  "blockingSend, recvMany(buffer, 1024)",
  false,
  async (b) => {
    const worker = start();
    await ready(worker);
    const [tx, rx] = sharedChannel(CAPACITY, { codec: codecs.number });
    const buffer: number[] = [];
    b.start();
    post(worker, { op: "send", token: tx.share(), count: BATCHED });
    tx.dispose();
    let sum = 0;
    while ((await rx.recvMany(buffer, BATCH)) > 0) {
      for (let i = 0; i < buffer.length; i++) sum += buffer[i]!;
      buffer.length = 0;
    }
    b.end();
    rx.dispose();
    worker.terminate();
    if (sum !== BATCHED * (BATCHED - 1) / 2) throw new Error("lost messages");
  },
);

bench(
  "worker_to_main_batched",
  "blockingSendMany batches of 1,024, recvMany(buffer, 1024)",
  false,
  async (b) => {
    const worker = start();
    await ready(worker);
    const [tx, rx] = sharedChannel(CAPACITY, { codec: codecs.number });
    const buffer: number[] = [];
    b.start();
    post(worker, {
      op: "sendMany",
      token: tx.share(),
      count: BATCHED,
      batch: BATCH,
    });
    tx.dispose();
    let sum = 0;
    while ((await rx.recvMany(buffer, BATCH)) > 0) {
      for (let i = 0; i < buffer.length; i++) sum += buffer[i]!;
      buffer.length = 0;
    }
    b.end();
    rx.dispose();
    worker.terminate();
    if (sum !== BATCHED * (BATCHED - 1) / 2) throw new Error("lost messages");
  },
);

// -- Two Workers at once --

for (const workers of [1, 2]) {
  bench(
    "two_workers",
    `${workers} Worker${workers > 1 ? "s" : ""} blockingSend ${
      BATCHED.toLocaleString("en")
    } in all, recvMany(buffer, 1024)`,
    workers === 1,
    async (b) => {
      const started = Array.from({ length: workers }, start);
      await Promise.all(started.map(ready));
      const [tx, rx] = sharedChannel(CAPACITY, { codec: codecs.number });
      const buffer: number[] = [];
      b.start();
      for (const worker of started) {
        post(worker, {
          op: "send",
          token: tx.share(),
          count: BATCHED / workers,
        });
      }
      tx.dispose();
      let count = 0;
      while ((await rx.recvMany(buffer, BATCH)) > 0) {
        count += buffer.length;
        buffer.length = 0;
      }
      b.end();
      rx.dispose();
      for (const worker of started) worker.terminate();
      if (count !== BATCHED) throw new Error("lost messages");
    },
  );
}

// -- A round trip between two Workers --

bench("round_trip", "postMessage through a MessageChannel", true, async (b) => {
  const ping = start();
  const pong = start();
  await Promise.all([ready(ping), ready(pong)]);
  const { port1, port2 } = new MessageChannel();
  post(pong, { op: "pongPost", port: port2 }, [port2]);
  const done = nextMessage(ping);
  b.start();
  post(ping, { op: "pingPost", port: port1, count: ROUND_TRIPS }, [port1]);
  await done;
  b.end();
  ping.terminate();
  pong.terminate();
});

bench(
  "round_trip",
  "blockingSend / blockingRecv through two shared channels",
  false,
  async (b) => {
    const ping = start();
    const pong = start();
    await Promise.all([ready(ping), ready(pong)]);
    const [there, thereRx] = sharedChannel(1, { codec: codecs.number });
    const [back, backRx] = sharedChannel(1, { codec: codecs.number });
    post(pong, { op: "pong", in: thereRx.share(), out: back.share() });
    back.dispose();
    const done = nextMessage(ping);
    b.start();
    post(ping, {
      op: "ping",
      out: there.share(),
      in: backRx.share(),
      count: ROUND_TRIPS,
    });
    there.dispose();
    await done;
    b.end();
    ping.terminate();
    pong.terminate();
  },
);
