// Copyright 2026 the @seed/mpsc authors. MIT license.
// Tests for waiter.ts: the queues calls wait in, one abort listener per
// signal, and the promise a waiting call settles.

import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { channel } from "../mod.ts";
import {
  isAbortSignal,
  PromiseWaiter,
  type Waiter,
  WaiterQueue,
} from "../waiter.ts";
import { countListeners, settle } from "./_util.ts";

/** A queue node with a name, for order checks. */
interface Node extends Waiter {
  name: string;
}

function node(name: string): Node {
  return { name, prev: undefined, next: undefined, parked: false };
}

/** Empties `queue` from the head; returns the names in order. */
function drain(queue: WaiterQueue<Node>): string[] {
  const names: string[] = [];
  let waiter;
  while ((waiter = queue.shift())) names.push(waiter.name);
  return names;
}

/** A waiting call whose abort rejects, and logs. */
class TestWaiter extends PromiseWaiter<number> {
  readonly aborts: unknown[] = [];

  abort(reason: unknown): void {
    this.aborts.push(reason);
    this.reject(reason);
  }
}

// -- WaiterQueue --

Deno.test("WaiterQueue keeps first-in, first-out order and removes a waiter from anywhere", () => {
  const queue = new WaiterQueue<Node>();
  const [a, b, c, d] = ["a", "b", "c", "d"].map(node) as [
    Node,
    Node,
    Node,
    Node,
  ];
  for (const waiter of [a, b, c, d]) queue.push(waiter);
  assertStrictEquals(queue.length, 4);
  assertStrictEquals(queue.peek(), a);
  queue.remove(b); // from the middle
  queue.remove(d); // the tail
  assertStrictEquals(queue.length, 2);
  queue.push(node("e"));
  queue.remove(a); // the head
  assertStrictEquals(queue.peek(), c);
  assertEquals(drain(queue), ["c", "e"]);
  assertStrictEquals(queue.length, 0);
  assertStrictEquals(queue.peek(), undefined);
  assertStrictEquals(queue.shift(), undefined);
  // A waiter that left links to nothing, and can queue again.
  assertStrictEquals(b.prev, undefined);
  assertStrictEquals(b.next, undefined);
  queue.push(b);
  queue.push(a);
  assertEquals(drain(queue), ["b", "a"]);
});

Deno.test("WaiterQueue.remove() of a waiter that is not queued changes nothing", () => {
  const queue = new WaiterQueue<Node>();
  const a = node("a");
  const b = node("b");
  const outsider = node("outsider");
  queue.push(a);
  queue.push(b);
  queue.remove(outsider);
  queue.remove(a);
  queue.remove(a); // already gone
  assertStrictEquals(queue.length, 1);
  assertEquals(drain(queue), ["b"]);
  queue.remove(b); // shifted already
  assertStrictEquals(queue.length, 0);
});

// -- PromiseWaiter --

Deno.test("PromiseWaiter.resolve() settles its promise and stops listening: a later abort does not reach it", async () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const waiter = new TestWaiter();
  waiter.listen(controller.signal);
  assertStrictEquals(listeners(), 1);
  waiter.resolve(7);
  assertStrictEquals(listeners(), 0);
  controller.abort(new Error("late"));
  assertStrictEquals(await waiter.promise, 7);
  assertEquals(waiter.aborts, []);
});

Deno.test("PromiseWaiter.listen(undefined) listens to nothing, and reject() settles the promise", async () => {
  const waiter = new TestWaiter();
  waiter.listen(undefined);
  assertStrictEquals(waiter.group, undefined);
  const reason = new Error("refused");
  waiter.reject(reason);
  assertStrictEquals(await waiter.promise.catch((e) => e), reason);
});

Deno.test("PromiseWaiter: waiters sharing a signal share one abort listener, removed when the last one settles", async () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const waiters = [new TestWaiter(), new TestWaiter(), new TestWaiter()];
  for (const waiter of waiters) waiter.listen(controller.signal);
  assertStrictEquals(listeners(), 1);
  waiters[1]!.resolve(1);
  waiters[0]!.resolve(0);
  assertStrictEquals(listeners(), 1);
  waiters[2]!.resolve(2);
  assertStrictEquals(listeners(), 0);
  // A new waiter on the same signal starts a new group and listener.
  const later = new TestWaiter();
  later.listen(controller.signal);
  assertStrictEquals(listeners(), 1);
  later.resolve(3);
  assertStrictEquals(listeners(), 0);
  assertEquals(await Promise.all(waiters.map((w) => w.promise)), [0, 1, 2]);
});

Deno.test("PromiseWaiter.abort() runs once for each waiter still listening when the signal aborts, with its reason", async () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const settled = new TestWaiter();
  const waiters = [new TestWaiter(), new TestWaiter()];
  settled.listen(controller.signal);
  for (const waiter of waiters) waiter.listen(controller.signal);
  settled.resolve(1);
  const reason = new Error("stop");
  controller.abort(reason);
  for (const waiter of waiters) {
    assertEquals(waiter.aborts, [reason]);
    assertStrictEquals(await waiter.promise.catch((e) => e), reason);
  }
  assertEquals(settled.aborts, []);
  assertStrictEquals(listeners(), 0);
  // Settling an aborted waiter again leaves nothing to remove.
  waiters[0]!.unlisten();
  assertStrictEquals(listeners(), 0);
});

Deno.test("PromiseWaiter.abort() of one waiter may settle another of the same signal: that one is not aborted", async () => {
  const controller = new AbortController();
  const first = new TestWaiter();
  const second = new TestWaiter();
  first.listen(controller.signal);
  second.listen(controller.signal);
  // Newest first: `second` is aborted first, and settles `first` as a
  // channel's completion steps might (a message handed over).
  const abort = second.abort.bind(second);
  second.abort = (reason) => {
    abort(reason);
    first.resolve(5);
  };
  controller.abort("why");
  assertStrictEquals(await first.promise, 5);
  assertEquals(first.aborts, []);
  await assertRejects(() => second.promise);
});

Deno.test("PromiseWaiter.listen() on a signal whose addEventListener throws aborts the waiter in a microtask, with that error", async () => {
  const controller = new AbortController();
  const error = new Error("no listeners here");
  Object.defineProperty(controller.signal, "addEventListener", {
    value() {
      throw error;
    },
  });
  const waiter = new TestWaiter();
  waiter.listen(controller.signal); // does not throw
  assertEquals(waiter.aborts, []);
  await settle(1);
  assertEquals(waiter.aborts, [error]);
  assertStrictEquals(await waiter.promise.catch((e) => e), error);
});

// -- Signals --

Deno.test("isAbortSignal() accepts the signals the platform made and nothing that only looks like one", () => {
  const controller = new AbortController();
  assert(isAbortSignal(controller.signal));
  assert(isAbortSignal(AbortSignal.abort()));
  assert(isAbortSignal(AbortSignal.any([controller.signal])));
  assertFalse(isAbortSignal(Object.create(AbortSignal.prototype)));
  assertFalse(isAbortSignal(Object.create(controller.signal)));
  assertFalse(isAbortSignal({ aborted: false, reason: undefined }));
  assertFalse(isAbortSignal(AbortSignal.prototype));
  assertFalse(isAbortSignal(null));
  assertFalse(isAbortSignal(undefined));
});

// -- One listener per signal --

Deno.test("AbortSignal shared by 10,000 waiting sends gets one listener, added and removed once", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(-1);
  const controller = new AbortController();
  const { signal } = controller;
  let added = 0;
  let removed = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    removed++;
    remove(...args);
  }) as typeof remove;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 10_000; i++) sends.push(tx.send(i, { signal }));
  const got: number[] = [];
  for (let i = 0; i <= 10_000; i++) got.push((await rx.recv())!);
  await Promise.all(sends);
  assertStrictEquals(got.length, 10_001);
  assertStrictEquals(got[10_000], 9_999);
  assertStrictEquals(added, 1);
  assertStrictEquals(removed, 1);
  tx.dispose();
  rx.dispose();
});
