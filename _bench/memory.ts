// Copyright 2026 the @seed/mpsc authors. MIT license.
// Memory measurements: bytes per queued message, the heap a drained channel
// keeps, and the bytes allocated per message during a streaming run, on the
// waiting path (consumer first) and on the ready path (producer first).
//
// Run it alone (prints a table) or through `_bench/report.ts` (`--json`):
//
//   deno run --v8-flags=--expose-gc,--min-semi-space-size=1024,--max-semi-space-size=1024 _bench/memory.ts
//
// `--expose-gc` lets it force a full collection before each reading. The
// large young generation keeps the collector away during a streaming run,
// so the heap's growth over the run is what the run allocated; without it
// the allocation column only shows what survived the last collection.

import { channel, unboundedChannel } from "../mod.ts";
import type { Contender, Order, Run } from "./harness.ts";
import { webStreams } from "./peers.ts";
import { promiseFloor } from "./floors.ts";
import { asyncChannel, ringFloor, seedMpsc, stdChannel } from "./scenarios.ts";

/** Bytes per message of one container holding `messages` numbers. */
export interface QueuedResult {
  /** The container. */
  readonly name: string;
  /** Heap bytes per buffered message, after a full collection. */
  readonly bytesPerMessage: number;
  /**
   * Heap bytes the container (with its handles) still holds once every
   * message was read (or `null`).
   */
  readonly bytesAfterDrain: number | null;
}

/** What a streaming run allocated. */
export interface AllocationResult {
  /** A stable key the report looks the run up by. */
  readonly key: string;
  /** The contender and scenario. */
  readonly name: string;
  /** Heap growth over the run divided by the messages (no GC in between). */
  readonly bytesPerMessage: number;
  /** Heap growth still there after a full collection, per message. */
  readonly retainedPerMessage: number;
}

/** Everything this script measures. */
export interface MemoryReport {
  /** Messages buffered, or streamed, per measurement. */
  readonly messages: number;
  /** Whether the young generation was large enough for a GC-free run. */
  readonly gcFreeRuns: boolean;
  /** Bytes per queued message. */
  readonly queued: QueuedResult[];
  /** Allocation during streaming runs. */
  readonly allocation: AllocationResult[];
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc!();
  gc!();
  return Deno.memoryUsage().heapUsed;
}

function heapNow(): number {
  return Deno.memoryUsage().heapUsed;
}

// Keeps containers alive across a reading.
const held: unknown[] = [];

interface Filled {
  readonly drain?: () => void;
}

/** How many drained containers the bytes-held reading averages over. */
const DRAINED_COPIES = 8;

/**
 * Measures bytes per queued message, then what a drained container still
 * holds, averaged over {@linkcode DRAINED_COPIES} containers held at once:
 * the heap after two collections still holds compiled code and feedback
 * whose size varies by kilobytes between identical readings (one drained
 * channel read anywhere from -6 KiB to 27 KiB), which a single container's
 * reading cannot rise above.
 */
function measureQueued(
  name: string,
  messages: number,
  fill: (messages: number) => Filled,
): QueuedResult {
  const once = measureQueuedOnce(name, messages, fill);
  if (once.bytesAfterDrain === null) return once;
  const copies = Math.min(messages, 100_000);
  const before = heapAfterGc();
  for (let i = 0; i < DRAINED_COPIES; i++) {
    const filled = fill(copies);
    filled.drain!();
    held.push(filled);
  }
  const drained = heapAfterGc();
  held.length = 0;
  return {
    ...once,
    bytesAfterDrain: Math.round((drained - before) / DRAINED_COPIES),
  };
}

function measureQueuedOnce(
  name: string,
  messages: number,
  fill: (messages: number) => Filled,
): QueuedResult {
  // Warm up the code paths on a small run, so the measurement holds no
  // compiled code or feedback objects.
  fill(1024).drain?.();
  held.length = 0;
  const before = heapAfterGc();
  const filled = fill(messages);
  held.push(filled);
  const full = heapAfterGc();
  let bytesAfterDrain: number | null = null;
  if (filled.drain !== undefined) {
    filled.drain();
    // What the drained container holds: the heap with it, minus the heap
    // once it is gone.
    const drained = heapAfterGc();
    held.length = 0;
    bytesAfterDrain = drained - heapAfterGc();
  }
  held.length = 0;
  return {
    name,
    bytesPerMessage: (full - before) / messages,
    bytesAfterDrain,
  };
}

function queuedResults(messages: number): QueuedResult[] {
  return [
    measureQueued("@seed/mpsc unboundedChannel()", messages, (n) => {
      const [tx, rx] = unboundedChannel<number>();
      for (let i = 0; i < n; i++) tx.send(i);
      return {
        drain() {
          for (let i = 0; i < n; i++) rx.tryRecv();
          held.push(tx, rx);
        },
      };
    }),
    measureQueued(
      `@seed/mpsc channel(${messages.toLocaleString("en-US")})`,
      messages,
      (n) => {
        const [tx, rx] = channel<number>(n);
        for (let i = 0; i < n; i++) tx.trySend(i);
        return {
          drain() {
            for (let i = 0; i < n; i++) rx.tryRecv();
            held.push(tx, rx);
          },
        };
      },
    ),
    measureQueued("plain Array (push)", messages, (n) => {
      const values: number[] = [];
      for (let i = 0; i < n; i++) values.push(i);
      held.push(values);
      return {};
    }),
    measureQueued("Web Streams ReadableStream", messages, (n) => {
      let controller!: ReadableStreamDefaultController<number>;
      const readable = new ReadableStream<number>({
        start(c) {
          controller = c;
        },
      });
      for (let i = 0; i < n; i++) controller.enqueue(i);
      held.push(readable);
      return {};
    }),
  ];
}

async function measureAllocation(
  key: string,
  name: string,
  messages: number,
  prepare: (messages: number) => Run,
): Promise<AllocationResult> {
  // A full warm-up run, so that what is measured is the optimized steady
  // state and not the compiler's own allocations.
  await prepare(messages)();
  const run = prepare(messages);
  const before = heapAfterGc();
  await run();
  const after = heapNow();
  const retained = heapAfterGc();
  return {
    key,
    name,
    bytesPerMessage: (after - before) / messages,
    retainedPerMessage: (retained - before) / messages,
  };
}

function spsc(
  contender: Contender,
  capacity: number | undefined,
  order: Order,
) {
  return (n: number) => contender.spsc!(n, capacity, order)!;
}

/**
 * The streaming runs: each is [key, name, run]. The keys the report reads
 * are `waiting:*` (consumer first: every receive waits and each send hands
 * its message over) and `ready:*` (producer first: receives find messages
 * ready).
 */
function allocationCases(): [string, string, (n: number) => Run][] {
  const cf = "consumer-first";
  const pf = "producer-first";
  return [
    [
      "waiting:module:64",
      "@seed/mpsc SPSC bounded 64, consumer first",
      spsc(seedMpsc, 64, cf),
    ],
    [
      "waiting:ring:64",
      "floor: ring SPSC bounded 64, consumer first",
      spsc(ringFloor, 64, cf),
    ],
    [
      "waiting:module:unbounded",
      "@seed/mpsc SPSC unbounded, consumer first",
      spsc(seedMpsc, undefined, cf),
    ],
    [
      "waiting:ring:unbounded",
      "floor: ring SPSC unbounded, consumer first",
      spsc(ringFloor, undefined, cf),
    ],
    [
      "waiting:std:64",
      "@std/async Channel SPSC capacity 64, consumer first",
      spsc(stdChannel, 64, cf),
    ],
    [
      "ready:module:64",
      "@seed/mpsc SPSC bounded 64, producer first",
      spsc(seedMpsc, 64, pf),
    ],
    [
      "ready:ring:64",
      "floor: ring SPSC bounded 64, producer first",
      spsc(ringFloor, 64, pf),
    ],
    [
      "ready:module:unbounded",
      "@seed/mpsc SPSC unbounded, producer first",
      spsc(seedMpsc, undefined, pf),
    ],
    [
      "ready:module:1",
      "@seed/mpsc SPSC bounded 1, producer first",
      spsc(seedMpsc, 1, pf),
    ],
    [
      "ready:module:1024",
      "@seed/mpsc SPSC bounded 1024, producer first",
      spsc(seedMpsc, 1024, pf),
    ],
    [
      "ready:module:mpsc",
      "@seed/mpsc MPSC 16 producers, bounded 64, producer first",
      (n) => seedMpsc.mpsc!(16, n, 64, pf)!,
    ],
    [
      "ping-pong:module",
      "@seed/mpsc ping-pong (per round trip)",
      (n) => seedMpsc.pingPong!(n)!,
    ],
    [
      "ping-pong:ring",
      "floor: ring ping-pong (per round trip)",
      (n) => ringFloor.pingPong!(n)!,
    ],
    [
      "drain:module",
      "@seed/mpsc drain with recv()",
      (n) => seedMpsc.drain!(n)!,
    ],
    [
      "ready:async-channel:64",
      "async-channel@0.2.0 SPSC bounded 64, producer first",
      spsc(asyncChannel, 64, pf),
    ],
    [
      "ready:web-streams:64",
      "Web Streams SPSC bounded 64, producer first",
      spsc(webStreams, 64, pf),
    ],
    [
      "promise",
      "floor: one promise per message",
      (n) => promiseFloor.spsc!(n, undefined, cf)!,
    ],
  ];
}

async function allocationResults(
  messages: number,
): Promise<AllocationResult[]> {
  const results: AllocationResult[] = [];
  for (const [key, name, prepare] of allocationCases()) {
    results.push(await measureAllocation(key, name, messages, prepare));
  }
  return results;
}

/**
 * Runs every measurement.
 *
 * @param messages How many messages to buffer or stream.
 */
export async function measureMemory(
  messages = 1_000_000,
): Promise<MemoryReport> {
  if (gc === undefined) {
    throw new Error(
      "Cannot measure memory: run with --v8-flags=--expose-gc",
    );
  }
  const queued = queuedResults(messages);
  const allocation = await allocationResults(messages);
  // The promise floor allocates about 100 bytes per message; a collection
  // during its run would have left far less.
  const floor = allocation.find((r) => r.key === "promise");
  return {
    messages,
    gcFreeRuns: floor !== undefined && floor.bytesPerMessage > 50,
    queued,
    allocation,
  };
}

function fixed(value: number | null, digits = 2): string {
  return value === null ? "n/a" : value.toFixed(digits);
}

if (import.meta.main) {
  const option = Deno.args.find((arg) => arg.startsWith("--messages="));
  const report = await measureMemory(
    option === undefined ? undefined : Number(option.slice(11)),
  );
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(report));
  } else {
    console.log(`Messages: ${report.messages}`);
    for (const r of report.queued) {
      console.log(
        `${r.name.padEnd(40)} ${
          fixed(r.bytesPerMessage).padStart(8)
        } B/msg  after drain: ${fixed(r.bytesAfterDrain, 0)} B`,
      );
    }
    if (!report.gcFreeRuns) {
      console.log(
        "Warning: a collection ran during the streaming runs; pass --min-semi-space-size and --max-semi-space-size",
      );
    }
    for (const r of report.allocation) {
      console.log(
        `${r.name.padEnd(60)} ${
          fixed(r.bytesPerMessage).padStart(8)
        } B/msg allocated, ${fixed(r.retainedPerMessage)} B/msg retained`,
      );
    }
  }
}
