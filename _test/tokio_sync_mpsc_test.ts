// Copyright 2026 the @seed/mpsc authors. MIT license.
// A port of Tokio's `tokio/tests/sync_mpsc.rs`: every test that applies to a
// single-threaded, promise-based channel, under Tokio's own names.

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  fail,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import {
  channel,
  MAX_BUFFER,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
  unboundedChannel,
} from "../mod.ts";

// -- Helpers --

type Outcome<T> =
  | { status: "pending" }
  | { status: "fulfilled"; value: T }
  | { status: "rejected"; reason: unknown };

/** Lets one macrotask run, so every ready continuation has run. */
async function tick(): Promise<void> {
  await setImmediate();
}

/**
 * Reports how `promise` stands after one macrotask: Tokio's `poll()` on a
 * spawned future. Attaching the handlers also marks a rejection as handled.
 */
async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  let outcome: Outcome<T> = { status: "pending" };
  promise.then(
    (value) => {
      outcome = { status: "fulfilled", value };
    },
    (reason: unknown) => {
      outcome = { status: "rejected", reason };
    },
  );
  await tick();
  return outcome;
}

/** Tokio's `assert_pending!`: the promise has not settled after a macrotask. */
async function assertPending(promise: Promise<unknown>): Promise<void> {
  const outcome = await settle(promise);
  assertStrictEquals(outcome.status, "pending", "expected the promise to wait");
}

/** Tokio's `assert_ready_ok!`: the promise has fulfilled within a macrotask. */
async function assertReady<T>(promise: Promise<T>): Promise<T> {
  const outcome = await settle(promise);
  if (outcome.status !== "fulfilled") {
    fail(
      `expected the promise to be fulfilled, it is ${outcome.status}`,
    );
  }
  return outcome.value;
}

/** Tokio's `assert_ready_err!`: the promise has rejected within a macrotask. */
async function assertReadyErr(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(promise);
  if (outcome.status !== "rejected") {
    fail(`expected the promise to be rejected, it is ${outcome.status}`);
  }
  return outcome.reason;
}

/**
 * Tokio's `tokio::spawn` on a current-thread runtime: the task starts only
 * once the caller yields.
 */
async function spawn<T>(task: () => Promise<T>): Promise<T> {
  await tick();
  return await task();
}

/** Asserts that `error` is a `SendError` carrying `value`. */
function assertSendError(error: unknown, value: unknown): void {
  assertInstanceOf(error, SendError);
  assertStrictEquals(error.value, value);
}

/** Asserts that `error` is a `TryRecvError` of `kind`. */
function assertTryRecvError(
  error: unknown,
  kind: "empty" | "disconnected",
): void {
  assertInstanceOf(error, TryRecvError);
  assertStrictEquals(error.kind, kind);
}

/** Asserts that `promise` rejects with a `SendError` carrying `value`. */
async function assertRejectsSendError(
  promise: Promise<unknown>,
  value: unknown,
): Promise<void> {
  assertSendError(await assertRejects(() => promise, SendError), value);
}

/** Asserts that `fn` throws a `TrySendError` of `kind` carrying `value`. */
function assertThrowsTrySendError(
  fn: () => unknown,
  kind: "full" | "closed",
  value: unknown,
): void {
  const error = assertThrows(fn, TrySendError);
  assertStrictEquals(error.kind, kind);
  assertStrictEquals(error.value, value);
}

/** Asserts that `fn` throws a `TryRecvError` of `kind`. */
function assertThrowsTryRecvError(
  fn: () => unknown,
  kind: "empty" | "disconnected",
): void {
  assertTryRecvError(assertThrows(fn, TryRecvError), kind);
}

/**
 * Asserts that `promise` rejects with a `SendTimeoutError` of `kind`
 * carrying `value`.
 */
async function assertRejectsSendTimeoutError(
  promise: Promise<unknown>,
  kind: "timeout" | "closed",
  value: unknown,
): Promise<void> {
  const error = await assertRejects(() => promise, SendTimeoutError);
  assertStrictEquals(error.kind, kind);
  assertStrictEquals(error.value, value);
}

/**
 * Stands in for Rust's `Arc::strong_count` and `Drop` counters: runs a full
 * garbage collection and asserts that nothing keeps the tracked objects
 * alive. Needs `--v8-flags=--expose-gc`.
 */
async function assertCollected(
  refs: readonly WeakRef<object>[],
  what: string,
): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert(gc, "run the tests with --v8-flags=--expose-gc");
  // A WeakRef keeps its target alive until the end of the current job.
  await tick();
  gc();
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  assertStrictEquals(
    alive,
    0,
    `${alive} of ${refs.length} ${what} still reachable`,
  );
}

/** A message whose lifetime a test follows, like Tokio's `Arc<()>`. */
function tracked(refs: WeakRef<object>[]): object {
  const message = { tracked: refs.length };
  refs.push(new WeakRef(message));
  return message;
}

// -- Sending and receiving --

Deno.test("send_recv_with_buffer: Sender.reserve() and Sender.trySend() queue values the Receiver gets in order", async () => {
  const [tx, rx] = channel<number>(16);

  const permit = await tx.reserve();
  permit.send(1);
  tx.trySend(2);
  tx.dispose();

  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), 2);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("reserve_disarm: Sender.reserve() waits for a slot freed by a receive or a disposed permit", async () => {
  const [tx, rx] = channel<number>(2);
  const tx1 = tx.clone();
  const tx2 = tx.clone();
  const tx3 = tx.clone();
  const tx4 = tx;

  const permit1 = await tx1.reserve();
  const permit2 = await tx2.reserve();

  const r3 = tx3.reserve();
  await assertPending(r3);
  const r4 = tx4.reserve();
  await assertPending(r4);

  // Sending through a permit does not free its slot: the message holds it.
  permit1.send(1);
  await assertPending(r3);

  assertStrictEquals(await rx.recv(), 1);
  const permit3 = await assertReady(r3);
  await assertPending(r4);

  // Disposing an unused permit frees its slot too.
  permit2.dispose();
  const permit4 = await assertReady(r4);

  const controller = new AbortController();
  const r1 = tx1.reserve({ signal: controller.signal });
  await assertPending(r1);

  controller.abort();
  assertStrictEquals(await assertReadyErr(r1), controller.signal.reason);
  permit3.dispose();
  permit4.dispose();
  for (const sender of [tx1, tx2, tx3, tx4]) sender.dispose();
  rx.dispose();
});

Deno.test("send_recv_stream_with_buffer: Receiver[Symbol.asyncIterator]() yields each message, then ends", async () => {
  const [tx, rx] = channel<number>(16);

  const task = spawn(async () => {
    await tx.send(1);
    await tx.send(2);
    tx.dispose();
  });

  const received: number[] = [];
  for await (const value of rx) received.push(value);
  assertEquals(received, [1, 2]);
  await task;
});

Deno.test("async_send_recv_with_buffer: Sender.send() from another task reaches Receiver.recv()", async () => {
  const [tx, rx] = channel<number>(16);

  const task = spawn(async () => {
    await tx.send(1);
    await tx.send(2);
    tx.dispose();
  });

  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), 2);
  assertStrictEquals(await rx.recv(), undefined);
  await task;
});

Deno.test("async_send_recv_many_with_buffer: Receiver.recvMany() appends up to limit messages per call", async () => {
  const [tx, rx] = channel<number>(2);
  const buffer: number[] = [];

  // A limit of 0 returns at once, even though nothing is buffered.
  assertStrictEquals(await rx.recvMany(buffer, 0), 0);

  const task = spawn(async () => {
    await tx.send(1);
    await tx.send(2);
    await tx.send(7);
    await tx.send(0);
    tx.dispose();
  });

  const limit = 3;
  let count = 0;
  while (count < 4) {
    const received = await rx.recvMany(buffer, limit);
    assert(received >= 1 && received <= limit);
    count += received;
    assertStrictEquals(buffer.length, count);
  }

  assertEquals(buffer, [1, 2, 7, 0]);
  assertStrictEquals(await rx.recvMany(buffer, limit), 0);
  await task;
});

Deno.test("start_send_past_cap: Sender.reserve() aborted while waiting passes its turn to the next waiter", async () => {
  const [tx1, rx] = channel<number>(1);
  const tx2 = tx1.clone();

  tx1.trySend(1);

  const controller = new AbortController();
  const r1 = tx1.reserve({ signal: controller.signal });
  await assertPending(r1);

  const r2 = tx2.reserve();
  await assertPending(r2);

  // Dropping the first waiting future is aborting it.
  controller.abort();
  {
    assertStrictEquals(await rx.recv(), 1);

    // Rust drops the woken reservation at the end of this block.
    using _permit = await assertReady(r2);
    assertStrictEquals(await assertReadyErr(r1), controller.signal.reason);
  }

  tx1.dispose();
  tx2.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("buffer_gteq_one: channel() throws a RangeError for a buffer of 0", () => {
  assertThrows(() => channel<number>(0), RangeError);
});

Deno.test("send_recv_unbounded: UnboundedSender.send() queues values the UnboundedReceiver gets in order", async () => {
  const [tx, rx] = unboundedChannel<number>();

  tx.send(1);
  tx.send(2);

  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), 2);

  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("send_recv_many_unbounded: UnboundedReceiver.recvMany() honours its limit and reuses the buffer", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const buffer: number[] = [];

  assertStrictEquals(await rx.recvMany(buffer, 0), 0);
  assertStrictEquals(buffer.length, 0);

  tx.send(7);
  tx.send(13);
  tx.send(100);
  tx.send(1002);

  // A limit of 0 takes nothing, even with messages waiting.
  assertStrictEquals(await rx.recvMany(buffer, 0), 0);
  assertStrictEquals(buffer.length, 0);

  let count = 0;
  while (count < 4) count += await rx.recvMany(buffer, 1);
  assertStrictEquals(count, 4);
  assertEquals(buffer, [7, 13, 100, 1002]);

  // Tokio also checks the Vec's capacity is reused; arrays have none to
  // observe, so the port checks the contents only.
  buffer.length = 0;
  tx.send(5);
  tx.send(6);
  tx.send(7);
  tx.send(2);

  assertStrictEquals(await rx.recvMany(buffer, 32), 4);
  assertEquals(buffer, [5, 6, 7, 2]);

  tx.dispose();

  // Once the channel is closed and drained, it returns 0 at once.
  assertStrictEquals(await rx.recvMany(buffer, 4), 0);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("send_recv_many_bounded_capacity: Receiver.recvMany() leaves the rest for the next call and waits for a late send", async () => {
  const limit = 9;
  const buffer: string[] = [];
  const [tx, rx] = channel<string>(100);
  // Tokio sizes the limit from a Vec's capacity and checks it grows only
  // past it; arrays have no capacity, so only the contents are checked.

  const expected = Array.from({ length: limit }, (_, i) => `${i}`);
  for (const value of expected) await tx.send(value);
  await tx.send("one more");

  assertStrictEquals(await rx.recvMany(buffer, limit), limit);
  assertEquals(buffer, expected);

  assertStrictEquals(await rx.recvMany(buffer, limit), 1);
  expected.push("one more");
  assertEquals(buffer, expected);

  const task = spawn(async () => {
    await tx.send("final");
    tx.dispose();
  });

  // The channel is empty but the sender is alive: this waits for "final".
  assertStrictEquals(await rx.recvMany(buffer, limit), 1);
  expected.push("final");
  assertEquals(buffer, expected);

  assertStrictEquals(await rx.recvMany(buffer, limit), 0);
  assertEquals(buffer, expected);
  await task;
});

Deno.test("send_recv_many_unbounded_capacity: UnboundedReceiver.recvMany() leaves the rest for the next call and waits for a late send", async () => {
  const limit = 9;
  const buffer: string[] = [];
  const [tx, rx] = unboundedChannel<string>();
  // Tokio sizes the limit from a Vec's capacity and checks it grows only
  // past it; arrays have no capacity, so only the contents are checked.

  const expected = Array.from({ length: limit }, (_, i) => `${i}`);
  for (const value of expected) tx.send(value);
  tx.send("one more");

  assertStrictEquals(await rx.recvMany(buffer, limit), limit);
  assertEquals(buffer, expected);

  assertStrictEquals(await rx.recvMany(buffer, limit), 1);
  expected.push("one more");
  assertEquals(buffer, expected);

  const task = spawn(() => {
    tx.send("final");
    tx.dispose();
    return Promise.resolve();
  });

  assertStrictEquals(await rx.recvMany(buffer, limit), 1);
  expected.push("final");
  assertEquals(buffer, expected);

  assertStrictEquals(await rx.recvMany(buffer, limit), 0);
  assertEquals(buffer, expected);
  await task;
});

Deno.test("recv_many_with_non_empty_buffer_bounded_rx_closed_and_idle: Receiver.recvMany() returns 0 after close() and leaves the buffer alone", async () => {
  const [tx, rx] = channel<number>(1);
  using _tx = tx;
  const buffer = [1];

  rx.close();

  assertStrictEquals(await rx.recvMany(buffer, 1), 0);
  assertEquals(buffer, [1]);
});

Deno.test("recv_many_with_non_empty_buffer_unbounded_rx_closed_and_idle: UnboundedReceiver.recvMany() returns 0 after close() and leaves the buffer alone", async () => {
  const [tx, rx] = unboundedChannel<number>();
  using _tx = tx;
  const buffer = [1];

  rx.close();

  assertStrictEquals(await rx.recvMany(buffer, 1), 0);
  assertEquals(buffer, [1]);
});

Deno.test("async_send_recv_unbounded: UnboundedSender.send() from another task reaches UnboundedReceiver.recv()", async () => {
  const [tx, rx] = unboundedChannel<number>();

  const task = spawn(() => {
    tx.send(1);
    tx.send(2);
    tx.dispose();
    return Promise.resolve();
  });

  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), 2);
  assertStrictEquals(await rx.recv(), undefined);
  await task;
});

Deno.test("send_recv_stream_unbounded: UnboundedReceiver[Symbol.asyncIterator]() yields each message, then ends", async () => {
  const [tx, rx] = unboundedChannel<number>();

  const task = spawn(() => {
    tx.send(1);
    tx.send(2);
    tx.dispose();
    return Promise.resolve();
  });

  const received: number[] = [];
  for await (const value of rx) received.push(value);
  assertEquals(received, [1, 2]);
  await task;
});

// A type with nothing on it: no custom inspection, no cloning.
class NoImpls {
  readonly secret = "do-not-print-me";
}

Deno.test("no_t_bounds_buffer: Sender and Receiver inspect and clone whatever the message type", async () => {
  const [tx, rx] = channel<NoImpls>(100);

  // Debug output exists and never shows message contents.
  assertStrictEquals(typeof Deno.inspect(tx), "string");
  const clone = tx.clone();
  clone.trySend(new NoImpls());
  clone.dispose();
  assert(!Deno.inspect(tx, { depth: 10 }).includes("do-not-print-me"));
  assert(!Deno.inspect(rx, { depth: 10 }).includes("do-not-print-me"));

  assertInstanceOf(await rx.recv(), NoImpls);
  tx.dispose();
});

Deno.test("no_t_bounds_unbounded: UnboundedSender and UnboundedReceiver inspect and clone whatever the message type", async () => {
  const [tx, rx] = unboundedChannel<NoImpls>();

  assertStrictEquals(typeof Deno.inspect(tx), "string");
  const clone = tx.clone();
  clone.send(new NoImpls());
  clone.dispose();
  assert(!Deno.inspect(tx, { depth: 10 }).includes("do-not-print-me"));
  assert(!Deno.inspect(rx, { depth: 10 }).includes("do-not-print-me"));

  assertInstanceOf(await rx.recv(), NoImpls);
  tx.dispose();
});

Deno.test("send_recv_buffer_limited: Sender.reserve() waits for the only slot and keeps it from trySend()", async () => {
  const [tx, rx] = channel<number>(1);

  const p1 = await tx.reserve();
  p1.send(1);

  const p2 = tx.reserve();
  await assertPending(p2);

  assertStrictEquals(await rx.recv(), 1);

  // The freed slot went to the waiting reservation, not to a barging send.
  const permit = await assertReady(p2);
  assertThrowsTrySendError(() => tx.trySend(1337), "full", 1337);

  permit.send(2);
  assertStrictEquals(await rx.recv(), 2);
  tx.dispose();
});

// -- Closing --

Deno.test("recv_close_gets_none_idle: Receiver.recv() returns undefined after close() and Sender.send() rejects", async () => {
  const [tx, rx] = channel<number>(10);

  rx.close();

  assertStrictEquals(await rx.recv(), undefined);
  await assertRejectsSendError(tx.send(1), 1);
  tx.dispose();
});

Deno.test("recv_close_gets_none_reserved: Receiver.close() fails waiting reservations but keeps granted permits usable", async () => {
  const [tx1, rx] = channel<number>(1);
  const tx2 = tx1.clone();

  const permit1 = await tx1.reserve();
  const permit2 = tx2.reserve();
  await assertPending(permit2);

  rx.close();

  assertSendError(await assertReadyErr(permit2), undefined);

  const recv = rx.recv();
  await assertPending(recv);

  permit1.send(123);
  assertStrictEquals(await assertReady(recv), 123);

  assertStrictEquals(await rx.recv(), undefined);
  tx1.dispose();
  tx2.dispose();
});

Deno.test("failed_reserve_many_wakes_closed_receiver: Sender.reserveMany() failed by close() hands back the slots it collected", async () => {
  const [tx, rx] = channel<null>(2);

  // Hold one of the two slots, so the reservation collects one and waits.
  const permit = tx.tryReserve();

  const reserve = tx.reserveMany(2);
  await assertPending(reserve);
  assertStrictEquals(tx.capacity(), 0);

  rx.close();

  // Unlike Tokio, which fails the reservation on its next poll, close()
  // fails every queued waiter at once.
  assertSendError(await assertReadyErr(reserve), undefined);

  const recv = rx.recv();
  // The permit still held can send: the receiver must wait for it.
  await assertPending(recv);

  permit.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("cancelled_reserve_many_wakes_closed_receiver: Sender.reserveMany() aborted while waiting hands back the slots it collected", async () => {
  const [tx, rx] = channel<null>(2);

  const permit = tx.tryReserve();

  const controller = new AbortController();
  const reserve = tx.reserveMany(2, { signal: controller.signal });
  await assertPending(reserve);
  assertStrictEquals(tx.capacity(), 0);

  // Close fails the queued reservation at once (see the test above), so
  // cancellation is exercised before the close: the collected slot comes
  // back.
  controller.abort();
  assertStrictEquals(await assertReadyErr(reserve), controller.signal.reason);
  assertStrictEquals(tx.capacity(), 1);

  rx.close();

  const recv = rx.recv();
  await assertPending(recv);

  permit.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("failed_reserve_wakes_closed_receiver: Sender.reserve() granted before close() keeps its permit, whose disposal wakes the receiver", async () => {
  const [tx, rx] = channel<null>(1);

  const permit = tx.tryReserve();

  const reserve = tx.reserve();
  await assertPending(reserve);

  // The returned slot is granted to the waiting reservation at once.
  permit.dispose();

  rx.close();

  // Tokio may still fail a woken, unpolled reservation; a resolved promise
  // is final, so here the grant stands (contract section 5).
  const granted = await assertReady(reserve);

  const recv = rx.recv();
  await assertPending(recv);

  granted.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("cancelled_reserve_wakes_closed_receiver: Sender.reserve() aborted after its grant keeps its permit, whose disposal wakes the receiver", async () => {
  const [tx, rx] = channel<null>(1);

  const permit = tx.tryReserve();

  const controller = new AbortController();
  const reserve = tx.reserve({ signal: controller.signal });
  await assertPending(reserve);

  permit.dispose();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);

  // A granted request is final: the abort comes too late to undo it, so
  // dropping the future here means disposing the permit it resolved with.
  controller.abort();
  const granted = await assertReady(reserve);
  await assertPending(recv);

  granted.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("tx_close_gets_none: Receiver.recv() returns undefined once the only sender is disposed", async () => {
  const [tx, rx] = channel<number>(10);
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

// -- try* methods --

Deno.test("try_send_fail: Sender.trySend() throws a full TrySendError carrying the value", async () => {
  const [tx, rx] = channel<string>(1);

  tx.trySend("hello");

  assertThrowsTrySendError(() => tx.trySend("fail"), "full", "fail");

  assertStrictEquals(await rx.recv(), "hello");

  tx.trySend("goodbye");
  tx.dispose();

  assertStrictEquals(await rx.recv(), "goodbye");
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("try_send_fail_with_try_recv: Sender.trySend() and Receiver.tryRecv() work without waiting", () => {
  const [tx, rx] = channel<string>(1);

  tx.trySend("hello");

  assertThrowsTrySendError(() => tx.trySend("fail"), "full", "fail");

  assertStrictEquals(rx.tryRecv(), "hello");

  tx.trySend("goodbye");
  tx.dispose();

  assertStrictEquals(rx.tryRecv(), "goodbye");
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
});

Deno.test("reserve_many_above_cap: Sender.reserveMany() rejects a count above the capacity", async () => {
  const [tx, rx] = channel<null>(1);

  await assertRejectsSendError(tx.reserveMany(2), undefined);
  await assertRejectsSendError(tx.reserveMany(MAX_BUFFER), undefined);
  // Tokio's MAX_PERMITS + 1 and usize::MAX: counts that are not safe
  // integers are a RangeError here (contract section 5).
  await assertRejects(() => tx.reserveMany(MAX_BUFFER + 1), RangeError);
  await assertRejects(() => tx.reserveMany(Infinity), RangeError);
  tx.dispose();
  rx.dispose();
});

Deno.test("try_reserve_many_zero: Sender.tryReserveMany(0) gives an empty iterator unless closed", () => {
  const [tx, rx] = channel<null>(1);

  assertStrictEquals(tx.tryReserveMany(0).next().done, true);

  // Even when the channel is full.
  tx.trySend(null);
  assertStrictEquals(tx.tryReserveMany(0).next().done, true);

  rx.dispose();

  assertThrowsTrySendError(() => tx.tryReserveMany(0), "closed", undefined);
  tx.dispose();
});

Deno.test("reserve_many_zero: Sender.reserveMany(0) gives an empty iterator unless closed", async () => {
  const [tx, rx] = channel<null>(1);

  assertStrictEquals((await tx.reserveMany(0)).next().done, true);

  // Even when the channel is full.
  await tx.send(null);
  assertStrictEquals((await tx.reserveMany(0)).next().done, true);

  rx.dispose();

  await assertRejectsSendError(tx.reserveMany(0), undefined);
  tx.dispose();
});

Deno.test("try_reserve_many_edge_cases: Sender.tryReserveMany() reports full above the capacity", async () => {
  const [tx, rx] = channel<null>(1);

  const permits = tx.tryReserveMany(0);
  assertStrictEquals(permits.next().done, true);

  assertThrowsTrySendError(
    () => tx.tryReserveMany(MAX_BUFFER),
    "full",
    undefined,
  );
  // Tokio's MAX_PERMITS + 1 and usize::MAX: not safe integers, so a
  // RangeError here (contract section 5).
  assertThrows(() => tx.tryReserveMany(MAX_BUFFER + 1), RangeError);
  assertThrows(() => tx.tryReserveMany(Infinity), RangeError);

  // Disposing the receiver closes the channel.
  rx.dispose();
  await assertRejectsSendError(tx.reserveMany(0), undefined);
  tx.dispose();
});

Deno.test("try_reserve_fails: Sender.tryReserve() throws full while the only slot is held", async () => {
  const [tx, rx] = channel<string>(1);

  const permit = tx.tryReserve();

  assertThrowsTrySendError(() => tx.tryReserve(), "full", undefined);

  permit.send("foo");

  assertStrictEquals(await rx.recv(), "foo");

  // Disposing a permit releases its slot.
  const second = tx.tryReserve();
  second.dispose();

  const third = tx.tryReserve();
  third.dispose();
  tx.dispose();
});

Deno.test("reserve_many_and_send: Sender.reserveMany() permits each deliver one message", async () => {
  const [tx, rx] = channel<string>(100);
  for (let i = 0; i < 100; i++) {
    let used = 0;
    for (const permit of await tx.reserveMany(i)) {
      permit.send("foo");
      used++;
      assertStrictEquals(await rx.recv(), "foo");
    }
    assertStrictEquals(used, i);
    assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  }
  tx.dispose();
});

Deno.test("try_reserve_many_and_send: Sender.tryReserveMany() permits each deliver one message", async () => {
  const [tx, rx] = channel<string>(100);
  for (let i = 0; i < 100; i++) {
    let used = 0;
    for (const permit of tx.tryReserveMany(i)) {
      permit.send("foo");
      used++;
      assertStrictEquals(await rx.recv(), "foo");
    }
    assertStrictEquals(used, i);
    assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  }
  tx.dispose();
});

Deno.test("reserve_many_on_closed_channel: Sender.reserveMany() rejects once the receiver is disposed", async () => {
  const [tx, rx] = channel<null>(100);
  rx.dispose();
  await assertRejectsSendError(tx.reserveMany(10), undefined);
  tx.dispose();
});

Deno.test("try_reserve_many_on_closed_channel: Sender.tryReserveMany() throws closed once the receiver is disposed", () => {
  const [tx, rx] = channel<number>(100);
  rx.dispose();
  assertThrowsTrySendError(() => tx.tryReserveMany(10), "closed", undefined);
  tx.dispose();
});

Deno.test("try_reserve_many_full: Sender.tryReserveMany() accounts for used and returned permits in capacity()", async () => {
  for (let n = 1; n < 100; n++) {
    for (let k = 0; k < n; k++) {
      const [tx, rx] = channel<number>(n);
      const permits = tx.tryReserveMany(n);

      assertStrictEquals(permits.len(), n);
      assertStrictEquals(tx.capacity(), 0);

      assertThrowsTrySendError(() => tx.tryReserveMany(1), "full", undefined);

      // Rust's `permits.take(k)`: use k permits, then drop the iterator,
      // which gives back the rest.
      for (let i = 0; i < k; i++) {
        const next = permits.next();
        assertStrictEquals(next.done, false);
        if (!next.done) next.value.send(0);
      }
      permits.dispose();
      assertStrictEquals(tx.capacity(), n - k);

      tx.tryReserveMany(1).dispose();

      assertThrowsTrySendError(
        () => tx.tryReserveMany(n - k + 1),
        "full",
        undefined,
      );

      for (let i = 0; i < k; i++) assertStrictEquals(await rx.recv(), 0);

      assertStrictEquals(tx.capacity(), n);
      tx.dispose();
    }
  }
});

// -- Permits --

Deno.test("drop_permit_releases_permit: Permit.dispose() gives its slot to a waiting reservation", async () => {
  const [tx1, rx] = channel<number>(1);
  const tx2 = tx1.clone();

  const permit = await tx1.reserve();

  const reserve2 = tx2.reserve();
  await assertPending(reserve2);

  permit.dispose();

  const permit2 = await assertReady(reserve2);
  permit2.dispose();
  tx1.dispose();
  tx2.dispose();
  rx.dispose();
});

Deno.test("drop_permit_iterator_releases_permits: PermitIterator.dispose() gives every slot to a waiting reserveMany()", async () => {
  for (let n = 1; n < 100; n++) {
    const [tx1, rx] = channel<number>(n);
    const tx2 = tx1.clone();

    const permits = await tx1.reserveMany(n);

    const reserve2 = tx2.reserveMany(n);
    await assertPending(reserve2);

    permits.dispose();

    const permits2 = await assertReady(reserve2);
    assertStrictEquals(permits2.len(), n);
    permits2.dispose();

    assertStrictEquals(tx1.capacity(), n);
    tx1.dispose();
    tx2.dispose();
    rx.dispose();
  }
});

Deno.test("dropping_last_permit_wakes_closed_receiver: Permit.dispose() of the last permit ends a closed receiver's wait", async () => {
  const [tx, rx] = channel<null>(100);

  const permit = tx.tryReserve();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  permit.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("dropping_last_owned_permit_wakes_closed_receiver: OwnedPermit.dispose() of the last permit ends a closed receiver's wait", async () => {
  const [tx, rx] = channel<null>(100);

  const permit = tx.tryReserveOwned();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  permit.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
});

Deno.test("dropping_last_permit_iterator_wakes_closed_receiver: PermitIterator.dispose() of the last permits ends a closed receiver's wait", async () => {
  const [tx, rx] = channel<null>(100);

  const permits = tx.tryReserveMany(1);
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  permits.dispose();
  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
});

Deno.test("sending_last_permit_wakes_closed_receiver: Permit.send() through the last permit wakes a closed receiver", async () => {
  const [tx, rx] = channel<null>(100);

  const permit = tx.tryReserve();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  permit.send(null);
  assertStrictEquals(await assertReady(recv), null);
  assertStrictEquals(await rx.recv(), undefined);
  tx.dispose();
});

Deno.test("sending_last_owned_permit_wakes_closed_receiver: OwnedPermit.send() through the last permit wakes a closed receiver", async () => {
  const [tx, rx] = channel<null>(100);

  const permit = tx.tryReserveOwned();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  const sender = permit.send(null);
  assertStrictEquals(await assertReady(recv), null);
  sender.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("releasing_last_owned_permit_wakes_closed_receiver: OwnedPermit.release() of the last permit ends a closed receiver's wait", async () => {
  const [tx, rx] = channel<null>(100);

  const permit = tx.tryReserveOwned();
  rx.close();

  const recv = rx.recv();
  await assertPending(recv);
  const inertSender = permit.release();
  assertStrictEquals(await assertReady(recv), undefined);
  inertSender.dispose();
});

// -- Disposing the receiver --

Deno.test("dropping_rx_closes_channel: Receiver.dispose() fails reservations and releases the buffered message", async () => {
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = channel<object>(100);

  tx.trySend(tracked(refs));

  rx.dispose();
  await assertRejectsSendError(tx.reserve(), undefined);
  await assertRejectsSendError(tx.reserveMany(10), undefined);
  // Rust's `Arc::strong_count(&msg) == 1`: only the test could still hold
  // it, and it does not.
  await assertCollected(refs, "buffered messages");
  tx.dispose();
});

Deno.test("dropping_rx_closes_channel_for_try: Receiver.dispose() makes every try* method report closed", async () => {
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = channel<object>(100);

  tx.trySend(tracked(refs));

  rx.dispose();

  const late = {};
  assertThrowsTrySendError(() => tx.trySend(late), "closed", late);
  assertThrowsTrySendError(() => tx.tryReserve(), "closed", undefined);
  // tryReserveOwned() hands the still-usable sender back in the error.
  assertThrowsTrySendError(() => tx.tryReserveOwned(), "closed", tx);
  assertStrictEquals(tx.isClosed(), true);

  await assertCollected(refs, "buffered messages");
  tx.dispose();
});

Deno.test("unconsumed_messages_are_dropped: Sender.dispose() and Receiver.dispose() release unread messages", async () => {
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = channel<object>(100);

  tx.trySend(tracked(refs));

  tx.dispose();
  rx.dispose();

  await assertCollected(refs, "unread messages");
});

Deno.test("ready_close_cancel_bounded: Permit.dispose() after close() lets a waiting recv() return undefined", async () => {
  const [tx, rx] = channel<null>(100);
  const tx2 = tx.clone();

  const permit = await tx.reserve();

  rx.close();

  const recv = rx.recv();
  await assertPending(recv);

  permit.dispose();

  assertStrictEquals(await assertReady(recv), undefined);
  tx.dispose();
  tx2.dispose();
});

Deno.test("permit_available_not_acquired_close: Receiver.close() fails a waiting reserve() and ends once the last permit is disposed", async () => {
  const [tx1, rx] = channel<null>(1);
  const tx2 = tx1.clone();

  const permit1 = await tx1.reserve();

  const permit2 = tx2.reserve();
  await assertPending(permit2);

  rx.close();

  // Close fails the queued reservation at once, so the slot freed below
  // goes to no one.
  assertSendError(await assertReadyErr(permit2), undefined);
  permit1.dispose();

  assertStrictEquals(await rx.recv(), undefined);
  tx1.dispose();
  tx2.dispose();
});

// -- tryRecv --

Deno.test("try_recv_bounded: Receiver.tryRecv() takes buffered messages, then reports empty or disconnected", () => {
  const [tx, rx] = channel<string>(5);

  for (let i = 0; i < 5; i++) tx.trySend("hello");
  assertThrowsTrySendError(() => tx.trySend("hello"), "full", "hello");

  for (let i = 0; i < 5; i++) assertStrictEquals(rx.tryRecv(), "hello");
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");

  for (let i = 0; i < 4; i++) tx.trySend("hello");
  assertStrictEquals(rx.tryRecv(), "hello");
  tx.trySend("hello");
  tx.trySend("hello");
  assertThrowsTrySendError(() => tx.trySend("hello"), "full", "hello");
  for (let i = 0; i < 5; i++) assertStrictEquals(rx.tryRecv(), "hello");
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");

  tx.trySend("hello");
  tx.trySend("hello");
  tx.trySend("hello");
  tx.dispose();
  for (let i = 0; i < 3; i++) assertStrictEquals(rx.tryRecv(), "hello");
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
});

Deno.test("try_recv_unbounded: UnboundedReceiver.tryRecv() takes every message in order, then reports empty or disconnected", () => {
  for (let num = 0; num < 100; num++) {
    const [tx, rx] = unboundedChannel<number>();

    for (let i = 0; i < num; i++) tx.send(i);
    for (let i = 0; i < num; i++) assertStrictEquals(rx.tryRecv(), i);

    assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
    tx.dispose();
    assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  }
});

Deno.test("try_recv_after_receiver_close: Receiver.tryRecv() reports disconnected after close() on an idle channel", () => {
  const [tx, rx] = channel<null>(5);

  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  rx.close();
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  tx.dispose();
});

Deno.test("try_recv_after_receiver_close_with_permit: Receiver.tryRecv() reports empty after close() while a permit is outstanding", () => {
  const [tx, rx] = channel<null>(5);

  const permit = tx.tryReserve();

  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  rx.close();
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  permit.dispose();
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  tx.dispose();
});

Deno.test("try_recv_close_while_empty_bounded: Receiver.tryRecv() reports disconnected once the last sender is disposed", () => {
  const [tx, rx] = channel<null>(5);

  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
});

Deno.test("try_recv_close_while_empty_unbounded: UnboundedReceiver.tryRecv() reports disconnected once the last sender is disposed", () => {
  const [tx, rx] = unboundedChannel<null>();

  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
});

// -- sendTimeout --

Deno.test("recv_timeout: Sender.sendTimeout() succeeds with room, times out when full, reports closed after the receiver is disposed", async () => {
  const [tx, rx] = channel<number>(5);

  for (const value of [10, 20, 30, 40, 50]) {
    assertStrictEquals(await tx.sendTimeout(value, 1000), undefined);
  }
  // Tokio pauses time and waits a second; a short real wait says the same
  // here without slowing the suite.
  await assertRejectsSendTimeoutError(tx.sendTimeout(60, 10), "timeout", 60);

  rx.dispose();
  // The long timer must not outlive the call: the op sanitizer checks.
  await assertRejectsSendTimeoutError(tx.sendTimeout(70, 1000), "closed", 70);
  tx.dispose();
});

// -- Capacity --

Deno.test("test_tx_capacity: Sender.capacity() drops with each permit and message while Sender.maxCapacity() stays", async () => {
  const [tx, rx] = channel<null>(10);
  using _rx = rx;
  assertStrictEquals(tx.capacity(), 10);
  assertStrictEquals(tx.maxCapacity(), 10);

  using _permit = await tx.reserve();
  assertStrictEquals(tx.capacity(), 9);
  assertStrictEquals(tx.maxCapacity(), 10);

  await tx.send(null);
  assertStrictEquals(tx.capacity(), 8);
  assertStrictEquals(tx.maxCapacity(), 10);
  tx.dispose();
});

// -- Receiver.isClosed() --

Deno.test("test_rx_is_closed_when_calling_close_with_sender: Receiver.isClosed() is true after close() with a sender alive", () => {
  const [tx, rx] = channel<null>(10);
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  tx.dispose();
});

Deno.test("test_rx_is_closed_when_dropping_all_senders: Receiver.isClosed() is true once every sender is disposed", async () => {
  const [tx, rx] = channel<null>(10);
  const anotherTx = tx.clone();
  const task = spawn(() => {
    anotherTx.dispose();
    return Promise.resolve();
  });

  tx.dispose();
  await task;

  assertStrictEquals(rx.isClosed(), true);
});

Deno.test("test_rx_is_not_closed_when_there_are_senders: Receiver.isClosed() is false while a sender lives", () => {
  const [tx, rx] = channel<null>(10);
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
});

Deno.test("test_rx_is_not_closed_when_there_are_senders_and_buffer_filled: Receiver.isClosed() is false on a full channel with a sender", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
});

Deno.test("test_rx_is_closed_when_there_are_no_senders_and_there_are_messages: Receiver.isClosed() is true without senders, messages or not", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  tx.dispose();
  assertStrictEquals(rx.isClosed(), true);
});

Deno.test("test_rx_is_closed_when_there_are_messages_and_close_is_called: Receiver.isClosed() is true after close() with messages buffered", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  tx.dispose();
});

Deno.test("test_rx_is_not_closed_when_there_are_permits_but_not_senders: Receiver.isClosed() is false while an OwnedPermit holds the only sender", async () => {
  const [tx, rx] = channel<null>(10);
  using _permit = await tx.reserveOwned();
  assertStrictEquals(rx.isClosed(), false);
});

// -- Receiver.isEmpty() --

Deno.test("test_rx_is_empty_when_no_messages_were_sent: Receiver.isEmpty() is true on a new channel", () => {
  const [tx, rx] = channel<null>(10);
  assertStrictEquals(rx.isEmpty(), true);
  tx.dispose();
});

Deno.test("test_rx_is_not_empty_when_there_are_messages_in_the_buffer: Receiver.isEmpty() is false with a message buffered", async () => {
  const [tx, rx] = channel<null>(10);
  await tx.send(null);
  assertStrictEquals(rx.isEmpty(), false);
  tx.dispose();
});

Deno.test("test_rx_is_not_empty_when_the_buffer_is_full: Receiver.isEmpty() is false on a full channel", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  assertStrictEquals(rx.isEmpty(), false);
  tx.dispose();
});

Deno.test("test_rx_is_not_empty_when_all_but_one_messages_are_consumed: Receiver.isEmpty() is false with one message left", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  for (let i = 0; i < 9; i++) assertNotStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(rx.isEmpty(), false);
  tx.dispose();
});

Deno.test("test_rx_is_empty_when_all_messages_are_consumed: Receiver.isEmpty() is true once tryRecv() drained it", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  let taken = 0;
  while (true) {
    try {
      rx.tryRecv();
      taken++;
    } catch (error) {
      assertTryRecvError(error, "empty");
      break;
    }
  }
  assertStrictEquals(taken, 10);
  assertStrictEquals(rx.isEmpty(), true);
  tx.dispose();
});

Deno.test("test_rx_is_empty_all_senders_are_dropped_and_messages_consumed: Receiver.isEmpty() is true once drained after the senders left", async () => {
  const [tx, rx] = channel<number>(10);
  for (let i = 0; i < 10; i++) await tx.send(i);
  tx.dispose();
  for (let i = 0; i < 10; i++) {
    assertNotStrictEquals(await rx.recv(), undefined);
  }
  assertStrictEquals(rx.isEmpty(), true);
});

// -- Receiver.len() --

Deno.test("test_rx_len_on_empty_channel: Receiver.len() is 0 on a new channel", () => {
  const [tx, rx] = channel<null>(100);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
});

Deno.test("test_rx_len_on_empty_channel_without_senders: Receiver.len() stays 0 after the last sender is disposed", () => {
  const [tx, rx] = channel<null>(100);
  tx.dispose();
  assertStrictEquals(rx.len(), 0);
});

Deno.test("test_rx_len_on_filled_channel: Receiver.len() counts every buffered message", async () => {
  const [tx, rx] = channel<number>(100);
  for (let i = 0; i < 100; i++) await tx.send(i);
  assertStrictEquals(rx.len(), 100);
  tx.dispose();
});

Deno.test("test_rx_len_on_filled_channel_without_senders: Receiver.len() still counts messages after the senders left", async () => {
  const [tx, rx] = channel<number>(100);
  for (let i = 0; i < 100; i++) await tx.send(i);
  tx.dispose();
  assertStrictEquals(rx.len(), 100);
});

Deno.test("test_rx_len_when_consuming_all_messages: Receiver.len() follows every send and every receive", async () => {
  const [tx, rx] = channel<number>(100);
  for (let i = 0; i < 100; i++) {
    await tx.send(i);
    assertStrictEquals(rx.len(), i + 1);
  }
  tx.dispose();
  for (let i = 99; i >= 0; i--) {
    assertNotStrictEquals(await rx.recv(), undefined);
    assertStrictEquals(rx.len(), i);
  }
});

Deno.test("test_rx_len_when_close_is_called: Receiver.len() keeps counting messages after close()", async () => {
  const [tx, rx] = channel<null>(100);
  await tx.send(null);
  rx.close();
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
});

Deno.test("test_rx_len_when_close_is_called_before_dropping_sender: Receiver.len() keeps counting after close() then Sender.dispose()", async () => {
  const [tx, rx] = channel<null>(100);
  await tx.send(null);
  rx.close();
  tx.dispose();
  assertStrictEquals(rx.len(), 1);
});

Deno.test("test_rx_len_when_close_is_called_after_dropping_sender: Receiver.len() keeps counting after Sender.dispose() then close()", async () => {
  const [tx, rx] = channel<null>(100);
  await tx.send(null);
  tx.dispose();
  rx.close();
  assertStrictEquals(rx.len(), 1);
});

// -- UnboundedReceiver.isClosed() --

Deno.test("test_rx_unbounded_is_closed_when_calling_close_with_sender: UnboundedReceiver.isClosed() is true after close() with a sender alive", () => {
  const [tx, rx] = unboundedChannel<null>();
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_closed_when_dropping_all_senders: UnboundedReceiver.isClosed() is true once every sender is disposed", async () => {
  const [tx, rx] = unboundedChannel<null>();
  const anotherTx = tx.clone();
  const task = spawn(() => {
    anotherTx.dispose();
    return Promise.resolve();
  });

  tx.dispose();
  await task;

  assertStrictEquals(rx.isClosed(), true);
});

Deno.test("test_rx_unbounded_is_not_closed_when_there_are_senders: UnboundedReceiver.isClosed() is false while a sender lives", () => {
  const [tx, rx] = unboundedChannel<null>();
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_closed_when_there_are_no_senders_and_there_are_messages: UnboundedReceiver.isClosed() is true without senders, messages or not", () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10; i++) tx.send(i);
  tx.dispose();
  assertStrictEquals(rx.isClosed(), true);
});

Deno.test("test_rx_unbounded_is_closed_when_there_are_messages_and_close_is_called: UnboundedReceiver.isClosed() is true after close() with messages buffered", () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10; i++) tx.send(i);
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  tx.dispose();
});

// -- UnboundedReceiver.isEmpty() --

Deno.test("test_rx_unbounded_is_empty_when_no_messages_were_sent: UnboundedReceiver.isEmpty() is true on a new channel", () => {
  const [tx, rx] = unboundedChannel<null>();
  assertStrictEquals(rx.isEmpty(), true);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_not_empty_when_there_are_messages_in_the_buffer: UnboundedReceiver.isEmpty() is false with a message buffered", () => {
  const [tx, rx] = unboundedChannel<null>();
  tx.send(null);
  assertStrictEquals(rx.isEmpty(), false);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_not_empty_when_all_but_one_messages_are_consumed: UnboundedReceiver.isEmpty() is false with one message left", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10; i++) tx.send(i);
  for (let i = 0; i < 9; i++) assertNotStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(rx.isEmpty(), false);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_empty_when_all_messages_are_consumed: UnboundedReceiver.isEmpty() is true once tryRecv() drained it", () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10; i++) tx.send(i);
  let taken = 0;
  while (true) {
    try {
      rx.tryRecv();
      taken++;
    } catch (error) {
      assertTryRecvError(error, "empty");
      break;
    }
  }
  assertStrictEquals(taken, 10);
  assertStrictEquals(rx.isEmpty(), true);
  tx.dispose();
});

Deno.test("test_rx_unbounded_is_empty_all_senders_are_dropped_and_messages_consumed: UnboundedReceiver.isEmpty() is true once drained after the senders left", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10; i++) tx.send(i);
  tx.dispose();
  for (let i = 0; i < 10; i++) {
    assertNotStrictEquals(await rx.recv(), undefined);
  }
  assertStrictEquals(rx.isEmpty(), true);
});

// -- UnboundedReceiver.len() --

Deno.test("test_rx_unbounded_len_on_empty_channel: UnboundedReceiver.len() is 0 on a new channel", () => {
  const [tx, rx] = unboundedChannel<null>();
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
});

Deno.test("test_rx_unbounded_len_on_empty_channel_without_senders: UnboundedReceiver.len() stays 0 after the last sender is disposed", () => {
  const [tx, rx] = unboundedChannel<null>();
  tx.dispose();
  assertStrictEquals(rx.len(), 0);
});

Deno.test("test_rx_unbounded_len_with_multiple_messages: UnboundedReceiver.len() counts every buffered message", () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 100; i++) tx.send(i);
  assertStrictEquals(rx.len(), 100);
  tx.dispose();
});

Deno.test("test_rx_unbounded_len_with_multiple_messages_and_dropped_senders: UnboundedReceiver.len() still counts messages after the senders left", () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 100; i++) tx.send(i);
  tx.dispose();
  assertStrictEquals(rx.len(), 100);
});

Deno.test("test_rx_unbounded_len_when_consuming_all_messages: UnboundedReceiver.len() follows every send and every receive", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 100; i++) {
    tx.send(i);
    assertStrictEquals(rx.len(), i + 1);
  }
  tx.dispose();
  for (let i = 99; i >= 0; i--) {
    assertNotStrictEquals(await rx.recv(), undefined);
    assertStrictEquals(rx.len(), i);
  }
});

Deno.test("test_rx_unbounded_len_when_close_is_called: UnboundedReceiver.len() keeps counting messages after close()", () => {
  const [tx, rx] = unboundedChannel<null>();
  tx.send(null);
  rx.close();
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
});

Deno.test("test_rx_unbounded_len_when_close_is_called_before_dropping_sender: UnboundedReceiver.len() keeps counting after close() then dispose()", () => {
  const [tx, rx] = unboundedChannel<null>();
  tx.send(null);
  rx.close();
  tx.dispose();
  assertStrictEquals(rx.len(), 1);
});

Deno.test("test_rx_unbounded_len_when_close_is_called_after_dropping_sender: UnboundedReceiver.len() keeps counting after dispose() then close()", () => {
  const [tx, rx] = unboundedChannel<null>();
  tx.send(null);
  tx.dispose();
  rx.close();
  assertStrictEquals(rx.len(), 1);
});

// -- Storage --

Deno.test("test_is_empty_32_msgs: Receiver.isEmpty() stays right across block boundaries", async () => {
  const [sender, receiver] = channel<number>(33);

  for (let value = 1; value < 257; value++) {
    await sender.send(value);
    assertStrictEquals(await receiver.recv(), value);
    assertStrictEquals(
      receiver.isEmpty(),
      true,
      `${value}. len: ${receiver.len()}`,
    );
  }
  sender.dispose();
});

Deno.test("drop_all_elements_during_panic: UnboundedReceiver.dispose() releases every buffered message while a sender lives", async () => {
  // JS values have no destructor that could throw; what carries over is that
  // disposing the receiver lets go of every buffered message at once, before
  // the channel itself is freed.
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = unboundedChannel<object>();

  function func(sender: typeof tx, receiver: typeof rx): void {
    sender.send(tracked(refs));
    sender.send(tracked(refs));
    sender.send(tracked(refs));
    sender.dispose();
    receiver.dispose();
  }
  func(tx.clone(), rx);

  await assertCollected(refs, "buffered messages");
  tx.dispose();
});

Deno.test("release_waker_on_rx_drop: Receiver.dispose() settles a pending recv() and keeps no reference to it", async () => {
  // Rust counts the waker's references; here the channel, still reachable
  // through the sender, must not keep the settled receive or its signal.
  async function recvThenDisposeReceiver() {
    const [tx, rx] = channel<null>(1);
    const controller = new AbortController();
    const pending = rx.recv({ signal: controller.signal });
    await assertPending(pending);

    rx.dispose();
    assertStrictEquals(await pending, undefined);
    return {
      tx,
      refs: [new WeakRef(pending), new WeakRef(controller.signal)],
    };
  }
  const { tx, refs } = await recvThenDisposeReceiver();

  await assertCollected(refs, "pieces of the finished receive");
  tx.dispose();
});

// -- Not ported --
// Not ported: blocking_recv: Receiver.blockingRecv() does not exist; blocking the only thread would deadlock.
// Not ported: blocking_recv_async: no blocking_recv, so nothing can panic inside a runtime.
// Not ported: blocking_send: Sender.blockingSend() does not exist; blocking the only thread would deadlock.
// Not ported: blocking_send_async: no blocking_send, so nothing can panic inside a runtime.
// Not ported: recv_timeout_panic: sendTimeout() needs no runtime or reactor; timers are always there.
