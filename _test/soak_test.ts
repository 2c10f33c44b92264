// Copyright 2026 the @seed/mpsc authors. MIT license.
// Soak: many messages with aborted waits mixed in; the heap, the block list,
// the abort listeners and the timers all come back to where they started.
// Sized for CI (1,000,000 messages); set SOAK_MESSAGES=10000000 for the long
// run. Run with --v8-flags=--expose-gc (and --allow-env to read the size).

import {
  assert,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import { channel, unboundedChannel } from "../mod.ts";
import { BLOCK_CAP } from "../block.ts";
import { List, MAX_SPARE_BLOCKS } from "../list.ts";

const MB = 1024 * 1024;

function soakMessages(): number {
  const name = "SOAK_MESSAGES";
  const granted =
    Deno.permissions.querySync({ name: "env", variable: name }).state ===
      "granted";
  const text = granted ? Deno.env.get(name) : undefined;
  if (text === undefined) return 1_000_000;
  const n = Number(text);
  assert(
    Number.isSafeInteger(n) && n > 0,
    `${name} must be a positive integer`,
  );
  return n;
}

// Collects garbage thoroughly and returns the heap in use.
async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assertStrictEquals(typeof gc, "function", "run with --v8-flags=--expose-gc");
  for (let i = 0; i < 4; i++) {
    await setImmediate();
    gc!();
  }
  return Deno.memoryUsage().heapUsed;
}

// Wraps one signal so that its live abort listeners can be counted. Not a
// spy from @std/testing/mock: a spy keeps a record of every call, which over
// a million messages would grow the very heap this file measures.
function countListeners(
  signal: AbortSignal,
): { live(): number; max(): number } {
  const live = new Set<unknown>();
  let max = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener =
    ((type: string, listener: unknown, options?: unknown) => {
      if (type === "abort") {
        live.add(listener);
        max = Math.max(max, live.size);
      }
      add(type, listener as EventListener, options as AddEventListenerOptions);
    }) as typeof signal.addEventListener;
  signal.removeEventListener =
    ((type: string, listener: unknown, options?: unknown) => {
      if (type === "abort") live.delete(listener);
      remove(type, listener as EventListener, options as EventListenerOptions);
    }) as typeof signal.removeEventListener;
  return { live: () => live.size, max: () => max };
}

// One producer and one consumer push `total` messages through a bounded
// channel. Every 37th send waits (the producer first takes every free slot
// itself) and is aborted; every 41st receive is aborted at once, which
// withdraws it if it waits. Every other call shares one long-lived signal
// that is never aborted.
async function pump(total: number, capacity: number): Promise<{
  listeners: { live(): number; max(): number };
  sum: number;
  expected: number;
  abortedSends: number;
  abortedRecvs: number;
}> {
  const [tx, rx] = channel<number>(capacity);
  const shared = new AbortController();
  const listeners = countListeners(shared.signal);
  const options = { signal: shared.signal };
  const reason = new Error("soak abort");
  let expected = 0;
  let abortedSends = 0;
  let abortedRecvs = 0;

  const producer = (async () => {
    for (let i = 0; i < total; i++) {
      if (i % 37 === 0) {
        const held = tx.tryReserveMany(tx.capacity());
        const controller = new AbortController();
        const aborted = tx.send(-1, { signal: controller.signal });
        controller.abort(reason);
        held.dispose();
        assertStrictEquals(await assertRejects(() => aborted), reason);
        abortedSends++;
      }
      if (i % 1000 === 0) await tx.sendTimeout(i, 60_000, options);
      else if (i % 3 === 0) (await tx.reserve(options)).send(i);
      else await tx.send(i, options);
      expected += i;
    }
    tx.dispose();
  })();

  let sum = 0;
  const buffer: number[] = [];
  for (let j = 0;; j++) {
    let value: number | undefined;
    if (j % 41 === 0) {
      const controller = new AbortController();
      const pending = rx.recv({ signal: controller.signal });
      controller.abort(reason);
      try {
        value = await pending;
      } catch (e) {
        assertStrictEquals(e, reason);
        abortedRecvs++;
        continue;
      }
    } else if (j % 2 === 0) {
      value = await rx.recv(options);
    } else {
      buffer.length = 0;
      if (await rx.recvMany(buffer, 16, options) === 0) break;
      for (const v of buffer) {
        assertNotStrictEquals(v, -1, "an aborted send's message arrived");
        sum += v;
      }
      continue;
    }
    if (value === undefined) break;
    assertNotStrictEquals(value, -1, "an aborted send's message arrived");
    sum += value;
  }
  await producer;
  assertStrictEquals(rx.len(), 0);
  assertStrictEquals(rx.capacity(), capacity);
  rx.dispose();
  return { listeners, sum, expected, abortedSends, abortedRecvs };
}

Deno.test("channel() soak returns the heap, the listeners and the timers it used", async () => {
  const total = soakMessages();
  await pump(10_000, 64); // warm up the code paths before measuring
  const before = await settledHeap();
  const { listeners, sum, expected, abortedSends, abortedRecvs } = await pump(
    total,
    64,
  );
  assertStrictEquals(sum, expected);
  assertStrictEquals(abortedSends, Math.ceil(total / 37));
  assert(abortedRecvs > 0, "no receive was withdrawn");
  assertStrictEquals(
    listeners.live(),
    0,
    "abort listeners left on the shared signal",
  );
  assert(
    listeners.max() <= 2,
    `${listeners.max()} listeners at once on one signal`,
  );
  const after = await settledHeap();
  assert(
    after - before < 4 * MB,
    `heap grew by ${
      ((after - before) / MB).toFixed(1)
    } MB over ${total} messages`,
  );
});

Deno.test("unboundedChannel() gives its blocks back once a long queue drains", async () => {
  const count = 1_000_000;
  const [tx, rx] = unboundedChannel<number>();
  const before = await settledHeap();
  for (let i = 0; i < count; i++) tx.send(i);
  const full = await settledHeap();
  // The queue of small integers is about one block per BLOCK_CAP messages.
  assert(full - before > 4 * MB, "the filled queue should take memory");
  let sum = 0;
  const buffer: number[] = [];
  while (rx.len() > 0) {
    buffer.length = 0;
    await rx.recvMany(buffer, 4096);
    for (const value of buffer) sum += value;
  }
  assertStrictEquals(sum, (count - 1) * count / 2);
  const drained = await settledHeap();
  assert(
    drained - before < MB,
    `${((drained - before) / MB).toFixed(1)} MB still held after draining`,
  );
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("List keeps at most MAX_SPARE_BLOCKS spare blocks through a long run", () => {
  const list = new List<number>();
  let next = 0;
  let expected = 0;
  let most = 0;
  // Waves that grow the queue to many blocks, then drain it, many times.
  for (let wave = 0; wave < 200; wave++) {
    const size = (wave % 10 + 1) * BLOCK_CAP * 3 + wave;
    for (let i = 0; i < size; i++) list.push(next++);
    most = Math.max(most, list.blockCount());
    while (list.length > 0) assertStrictEquals(list.pop(), expected++);
    assert(
      list.blockCount() <= 1 + MAX_SPARE_BLOCKS,
      `${list.blockCount()} blocks held by an empty list`,
    );
  }
  assert(most > 10);
});
