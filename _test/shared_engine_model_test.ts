// Copyright 2026 the @seed/mpsc authors. MIT license.
// The shared receiver and the in-process one run the same receive engine: random programs of receive calls (plain, with signals that abort, recvMany, tryRecv, select, iterator steps, close) give the same outcomes on a shared channel and on an in-process channel of the same capacity.

import { assertEquals } from "@std/assert";
import { channel, select } from "../mod.ts";
import { codecs, sharedChannel } from "../shared.ts";

/** A small seeded generator (xorshift), so a failure replays. */
function random(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** What the program does to both channels, one step at a time. */
type Step =
  | { op: "send"; value: number }
  | { op: "recv" }
  | { op: "recvSignal" }
  | { op: "abort"; call: number }
  | { op: "recvMany"; limit: number }
  | { op: "tryRecv" }
  | { op: "select" }
  | { op: "next" }
  | { op: "close" }
  | { op: "dropSender" };

function program(seed: number, length: number): Step[] {
  const rand = random(seed);
  const steps: Step[] = [];
  let value = 0;
  let signals = 0;
  for (let i = 0; i < length; i++) {
    const r = rand();
    if (r < 0.35) steps.push({ op: "send", value: value++ });
    else if (r < 0.45) steps.push({ op: "recv" });
    else if (r < 0.55) {
      steps.push({ op: "recvSignal" });
      signals++;
    } else if (r < 0.62 && signals > 0) {
      steps.push({ op: "abort", call: Math.floor(rand() * signals) });
    } else if (r < 0.72) {
      steps.push({ op: "recvMany", limit: Math.floor(rand() * 4) });
    } else if (r < 0.8) steps.push({ op: "tryRecv" });
    else if (r < 0.88) steps.push({ op: "select" });
    else if (r < 0.96) steps.push({ op: "next" });
    else if (r < 0.98) steps.push({ op: "close" });
    else steps.push({ op: "dropSender" });
  }
  return steps;
}

interface Side {
  trySend(value: number): void;
  recv(options?: { signal?: AbortSignal }): Promise<number | undefined>;
  recvMany(buffer: number[], limit: number): Promise<number>;
  tryRecv(): number;
  select(): Promise<unknown>;
  next(): Promise<IteratorResult<number>>;
  close(): void;
  dropSender(): void;
  dispose(): void;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as { kind?: string }).kind;
    return `${error.name}${kind ? `(${kind})` : ""}: ${
      error.name === "Error" ? error.message : ""
    }`;
  }
  return String(error);
}

/** Runs `steps` on one side; returns the trace after each step. */
async function run(side: Side, steps: Step[]): Promise<string[]> {
  const outcomes: string[] = [];
  const controllers: AbortController[] = [];
  const trace: string[] = [];
  const watch = (index: number, promise: Promise<unknown>) => {
    outcomes[index] = "pending";
    promise.then(
      (value) => outcomes[index] = `ok ${JSON.stringify(value)}`,
      (error) => outcomes[index] = `err ${describeError(error)}`,
    );
  };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    try {
      switch (step.op) {
        case "send":
          side.trySend(step.value);
          outcomes[i] = "sent";
          break;
        case "recv":
          watch(i, side.recv());
          break;
        case "recvSignal": {
          const controller = new AbortController();
          controllers.push(controller);
          watch(i, side.recv({ signal: controller.signal }));
          break;
        }
        case "abort":
          controllers[step.call]?.abort(new Error(`abort ${step.call}`));
          outcomes[i] = "done";
          break;
        case "recvMany": {
          const buffer: number[] = [];
          watch(
            i,
            side.recvMany(buffer, step.limit).then((n) => [n, buffer]),
          );
          break;
        }
        case "tryRecv":
          outcomes[i] = `ok ${side.tryRecv()}`;
          break;
        case "select":
          watch(i, side.select());
          break;
        case "next":
          watch(i, side.next());
          break;
        case "close":
          side.close();
          outcomes[i] = "done";
          break;
        case "dropSender":
          side.dropSender();
          outcomes[i] = "done";
          break;
      }
    } catch (error) {
      outcomes[i] = `threw ${describeError(error)}`;
    }
    // A few macrotasks: a shared receiver is woken by Atomics.waitAsync,
    // whose wake-up arrives as a task, not a microtask.
    for (let t = 0; t < 3; t++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    trace.push(`${i} ${JSON.stringify(step)}: ${outcomes.join(" | ")}`);
  }
  side.dispose();
  await new Promise((resolve) => setTimeout(resolve, 0));
  trace.push(`disposed: ${outcomes.join(" | ")}`);
  return trace;
}

function sharedSide(capacity: number): Side {
  const [tx, rx] = sharedChannel(capacity, { codec: codecs.number });
  const iterator = rx.values();
  return {
    trySend: (v) => tx.trySend(v),
    recv: (o) => rx.recv(o),
    recvMany: (b, l) => rx.recvMany(b, l),
    tryRecv: () => rx.tryRecv(),
    select: () => select({ rx }),
    next: () => iterator.next(),
    close: () => rx.close(),
    dropSender: () => tx.dispose(),
    dispose: () => {
      rx.dispose();
      tx.dispose();
    },
  };
}

function localSide(capacity: number): Side {
  const [tx, rx] = channel<number>(capacity);
  const iterator = rx.values();
  return {
    trySend: (v) => tx.trySend(v),
    recv: (o) => rx.recv(o),
    recvMany: (b, l) => rx.recvMany(b, l),
    tryRecv: () => rx.tryRecv(),
    select: () => select({ rx }),
    next: () => iterator.next(),
    close: () => rx.close(),
    dropSender: () => tx.dispose(),
    dispose: () => {
      rx.dispose();
      tx.dispose();
    },
  };
}

Deno.test("SharedReceiver matches the in-process Receiver under random programs of receive calls", async () => {
  for (let seed = 1; seed <= 30; seed++) {
    const steps = program(seed, 40);
    const capacity = 1 + (seed % 4);
    const expected = await run(localSide(capacity), steps);
    const actual = await run(sharedSide(capacity), steps);
    assertEquals(actual, expected, `seed ${seed}`);
  }
});
