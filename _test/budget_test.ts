// Copyright 2026 the @seed/mpsc authors. MIT license.
// Tests for budget.ts, and for the handles across its yields: which
// operations count, calls that fail at once, call order and room across a
// yield, aborts while a call yields, and what the budget is for (timers
// keep firing through busy loops).

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  CHECK_EVERY,
  rejectCharged,
  setBudgetEnabled,
  SLICE_MS,
  spendBudget,
} from "../budget.ts";
import {
  channel,
  select,
  SendError,
  TryRecvError,
  TrySendError,
  unboundedChannel,
} from "../mod.ts";
import { toReadableStream } from "../stream.ts";

/**
 * Whether `promise` settles during a burst of microtasks, that is without
 * the event loop getting a turn. A ready operation does; one that yields
 * to the event loop first does not.
 */
async function settlesWithoutYield(
  promise: Promise<unknown>,
): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  for (let i = 0; i < 64; i++) await null;
  return settled;
}

/**
 * Ends any run of ready operations the way the contract defines it: one
 * receive that has to wait, completed from a later macrotask. Then the next
 * operation is the first of a turn, and its slice counts from it.
 */
async function startFreshRun(): Promise<void> {
  const [tx, rx] = unboundedChannel<number>();
  const received = rx.recv();
  await nextMacrotask();
  tx.send(1);
  assertStrictEquals(await received, 1);
  tx.dispose();
  rx.dispose();
  // On a loaded machine the receive above may itself have yielded (a turn
  // of the test runner's that ran a slice), and its resumption starts a
  // turn whose end our macrotask does not wait for. Start the turn anew, as
  // the budget's refill does.
  setBudgetEnabled(true);
}

/** Runs `op` `count` times; returns the indices of the calls that yielded. */
async function yieldingCalls(
  count: number,
  op: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const yielded: number[] = [];
  for (let i = 0; i < count; i++) {
    const promise = op(i);
    if (!(await settlesWithoutYield(promise))) yielded.push(i);
    await promise;
  }
  return yielded;
}

/**
 * Asserts that, of `count` calls of `op`, exactly the ones at `expected`
 * yield. A turn that really ran a whole slice may yield too (the budget
 * looks at every call while calls are far apart), so the exact check holds
 * only when the calls took less than a slice in all: a machine that stalls
 * between two calls is not a failure, but the calls at `expected` must
 * yield whatever the timing. `turnBegan` is a time no later than the start
 * of the turn the calls begin in (by default, when they begin).
 */
async function assertYields(
  count: number,
  op: (i: number) => Promise<unknown>,
  expected: number[],
  turnBegan = performance.now(),
): Promise<void> {
  const yielded = await yieldingCalls(count, op);
  const took = performance.now() - turnBegan;
  for (const i of expected) {
    assert(yielded.includes(i), `call ${i} did not yield: ${yielded}`);
  }
  if (took < SLICE_MS) assertEquals(yielded, expected);
}

/**
 * Whether `promise` settles within `turns` turns of the event loop. Lets a
 * test fail, rather than hang, when calls never complete.
 */
async function settlesWithin(
  promise: Promise<unknown>,
  turns: number,
): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  for (let i = 0; i < turns && !settled; i++) await nextMacrotask();
  return settled;
}

/** Blocks the thread until at least `ms` milliseconds have passed. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy on purpose: makes a zero-delay timer due before work starts.
  }
}

// -- Which operations count --

/** The ready operations of every kind, each on a channel of its own. */
const READY_OPERATIONS: [string, () => (i: number) => Promise<unknown>][] = [
  ["Receiver.recv()", () => {
    const [tx, rx] = channel<number>(8);
    for (let i = 0; i < 8; i++) tx.trySend(i);
    return async (i) => assertStrictEquals(await rx.recv(), i);
  }],
  ["Receiver.recvMany()", () => {
    const [tx, rx] = channel<number>(8);
    for (let i = 0; i < 8; i++) tx.trySend(i);
    return async (i) => {
      const buffer: number[] = [];
      assertStrictEquals(await rx.recvMany(buffer, 1), 1);
      assertEquals(buffer, [i]);
    };
  }],
  ["Receiver.recvMany() with limit 0", () => {
    const [_tx, rx] = channel<number>(1);
    return async () => assertStrictEquals(await rx.recvMany([], 0), 0);
  }],
  ["Receiver[Symbol.asyncIterator]()", () => {
    const [tx, rx] = channel<number>(8);
    for (let i = 0; i < 8; i++) tx.trySend(i);
    const iterator = rx[Symbol.asyncIterator]();
    return async (i) =>
      assertEquals(await iterator.next(), { value: i, done: false });
  }],
  ["Sender.send()", () => {
    const [tx, rx] = channel<number>(8);
    return async (i) => {
      await tx.send(i);
      assertStrictEquals(rx.len(), i + 1);
    };
  }],
  ["Sender.sendTimeout()", () => {
    const [tx, rx] = channel<number>(8);
    return async (i) => {
      await tx.sendTimeout(i, 1_000);
      assertStrictEquals(rx.len(), i + 1);
    };
  }],
  ["Sender.reserve()", () => {
    const [tx] = channel<number>(1);
    return async () => (await tx.reserve()).dispose();
  }],
  ["Sender.reserveMany()", () => {
    const [tx] = channel<number>(2);
    return async () => {
      const permits = await tx.reserveMany(2);
      assertStrictEquals(permits.len(), 2);
      permits.dispose();
    };
  }],
  ["Sender.reserveMany(0)", () => {
    const [tx] = channel<number>(2);
    return async () => assertStrictEquals((await tx.reserveMany(0)).len(), 0);
  }],
  ["Sender.reserveMany() beyond capacity", () => {
    const [tx] = channel<number>(2);
    return async () => {
      await assertRejects(() => tx.reserveMany(3), SendError);
    };
  }],
  ["Sender.reserveOwned()", () => {
    let [tx] = channel<number>(1);
    return async () => {
      tx = (await tx.reserveOwned()).release();
    };
  }],
  ["Sender.closed() on a closed channel", () => {
    const [tx, rx] = channel<number>(1);
    rx.close();
    return () => tx.closed();
  }],
  ["UnboundedReceiver.recv()", () => {
    const [tx, rx] = unboundedChannel<number>();
    for (let i = 0; i < 8; i++) tx.send(i);
    return async (i) => assertStrictEquals(await rx.recv(), i);
  }],
  ["UnboundedReceiver.recvMany()", () => {
    const [tx, rx] = unboundedChannel<number>();
    for (let i = 0; i < 8; i++) tx.send(i);
    return async (i) => {
      const buffer: number[] = [];
      assertStrictEquals(await rx.recvMany(buffer, 1), 1);
      assertEquals(buffer, [i]);
    };
  }],
  ["UnboundedSender.closed() on a closed channel", () => {
    const [tx, rx] = unboundedChannel<number>();
    rx.close();
    return () => tx.closed();
  }],
];

Deno.test("budget: a ready operation of every kind completes at once in a fresh turn", async (t) => {
  for (const [name, setup] of READY_OPERATIONS) {
    await t.step(name, async () => {
      const op = setup();
      await startFreshRun();
      await assertYields(2, op, []);
    });
  }
});

Deno.test("budget: a ready operation of every kind yields once the turn has run its slice", async (t) => {
  for (const [name, setup] of READY_OPERATIONS) {
    await t.step(name, async () => {
      const op = setup();
      await startFreshRun();
      spendBudget();
      // The first call yields, and the refill resumes it; the next turn
      // starts a new slice.
      await assertYields(2, op, [0]);
    });
  }
});

Deno.test("budget: ready operations on different channels share one slice", async () => {
  const [tx, rx] = channel<number>(4);
  const [utx, urx] = unboundedChannel<number>();
  utx.send(1);
  await startFreshRun();
  spendBudget();
  const sending = tx.send(1);
  const receiving = urx.recv();
  assertStrictEquals(await settlesWithoutYield(sending), false);
  assertStrictEquals(await settlesWithoutYield(receiving), false);
  await sending;
  assertStrictEquals(await receiving, 1);
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
  utx.dispose();
});

Deno.test("budget: try* methods neither spend the budget nor yield", async () => {
  let [tx, rx] = channel<number>(8);
  await startFreshRun();
  spendBudget();
  for (let i = 0; i < 1_000; i++) {
    tx.trySend(i);
    assertStrictEquals(rx.tryRecv(), i);
    tx.tryReserve().dispose();
    tx.tryReserveMany(1).dispose();
    tx = tx.tryReserveOwned().release();
  }
  // The slice is still spent for the operations that count.
  assertEquals(await yieldingCalls(1, () => tx.send(1)), [0]);
  tx.dispose();
  rx.dispose();
});

Deno.test("budget: the event loop's turn starts a new slice", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 4; i++) tx.send(i);
  await startFreshRun();
  spendBudget();
  // The resumed call starts a turn, whose slice the next three share.
  const turnBegan = performance.now();
  assertEquals(await yieldingCalls(1, () => rx.recv()), [0]);
  await nextMacrotask();
  await assertYields(3, () => rx.recv(), [], turnBegan);
  tx.dispose();
});

Deno.test("budget: a long run of ready operations yields only after a whole slice", async () => {
  const [tx, rx] = unboundedChannel<number>();
  // When each yielding call was made, and when it returned.
  const before: number[] = [];
  const after: number[] = [];
  // Enough operations to run several slices at any speed this machine has.
  for (let i = 0; i < 200_000 && before.length < 4; i++) {
    tx.send(i);
    const start = performance.now();
    const receiving = rx.recv();
    const end = performance.now();
    if (!(await settlesWithoutYield(receiving))) {
      before.push(start);
      after.push(end);
    }
    assertStrictEquals(await receiving, i);
  }
  assert(before.length > 0, "a long run never yielded");
  // A turn starts after the previous yield and yields once it has run a
  // slice, by the same clock: no timing can break this.
  for (let i = 1; i < before.length; i++) {
    const turn = after[i]! - before[i - 1]!;
    assert(turn >= SLICE_MS, `a turn yielded after ${turn} ms`);
  }
  tx.dispose();
  rx.dispose();
});

Deno.test("budget: a turn counts from its first operation", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 4; i++) tx.send(i);
  await startFreshRun();
  // The first operation of the turn starts its slice; the work after it
  // spends the slice, so the next operation yields.
  assertEquals(await yieldingCalls(1, () => rx.recv()), []);
  spin(SLICE_MS * 2);
  assertEquals(await yieldingCalls(1, () => rx.recv()), [0]);
  tx.dispose();
  rx.dispose();
});

Deno.test("budget: slow operations are each looked at", async () => {
  const WORK_MS = SLICE_MS * 0.3;
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 16; i++) tx.send(i);
  await startFreshRun();
  // Operations a third of a slice apart: the slice is spent by the fourth
  // after the first, and the budget looks at each one, so it yields there
  // at the latest (sooner if the machine stalls in between).
  const yielded = await yieldingCalls(16, async () => {
    await rx.recv();
    spin(WORK_MS);
  });
  assert(yielded.length > 0, "16 operations a third of a slice apart ran");
  assert(
    yielded[0]! >= 1 && yielded[0]! <= 4,
    `the first yield came at operation ${yielded[0]}`,
  );
  tx.dispose();
  rx.dispose();
});

Deno.test("budget: a yielding receive still honours an abort that came meanwhile", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(1);
  await startFreshRun();
  spendBudget();
  const controller = new AbortController();
  const reason = new Error("stop");
  const received = rx.recv({ signal: controller.signal });
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => received), reason);
  // The aborted call took no message.
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
});

// -- Calls that fail at once --

/**
 * Calls `op`, which must reject every time, until a `setTimeout(0)` fires;
 * fails if the timer has not fired after 200,000 calls.
 */
async function rejectsUntilTimerFires(
  op: () => Promise<unknown>,
): Promise<void> {
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  let calls = 0;
  while (!fired && calls < 200_000) {
    await op().then(() => {
      throw new Error("the call did not reject");
    }, () => {});
    calls++;
  }
  clearTimeout(timer);
  assert(fired, `the timer never fired in ${calls} rejected calls`);
}

/**
 * Calls that reject at once, each on a channel of its own. Every call is
 * charged, so a retry loop around one that can never succeed still yields.
 */
const REJECTING_CALLS: [string, () => () => Promise<unknown>][] = [
  ["Receiver.recv() with an aborted signal", () => {
    const [_tx, rx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => rx.recv({ signal });
  }],
  ["Receiver.recvMany() with an aborted signal", () => {
    const [_tx, rx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => rx.recvMany([], 1, { signal });
  }],
  ["UnboundedReceiver.recv() with an aborted signal", () => {
    const [_tx, rx] = unboundedChannel<number>();
    const signal = AbortSignal.abort();
    return () => rx.recv({ signal });
  }],
  ["UnboundedReceiver.recvMany() with an aborted signal", () => {
    const [_tx, rx] = unboundedChannel<number>();
    const signal = AbortSignal.abort();
    return () => rx.recvMany([], 1, { signal });
  }],
  ["Sender.send() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.send(1, { signal });
  }],
  ["Sender.sendTimeout() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.sendTimeout(1, 1_000, { signal });
  }],
  ["Sender.reserve() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.reserve({ signal });
  }],
  ["Sender.reserveMany() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.reserveMany(1, { signal });
  }],
  ["Sender.reserveOwned() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.reserveOwned({ signal });
  }],
  ["Sender.closed() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.closed({ signal });
  }],
  ["UnboundedSender.closed() with an aborted signal", () => {
    const [tx] = unboundedChannel<number>();
    const signal = AbortSignal.abort();
    return () => tx.closed({ signal });
  }],
  ["select() with an aborted signal", () => {
    const [_tx, rx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => select({ rx }, { signal });
  }],
  ["Receiver.recv() on a disposed receiver", () => {
    const [_tx, rx] = channel<number>(1);
    rx.dispose();
    return () => rx.recv();
  }],
  ["UnboundedReceiver.recv() on a disposed receiver", () => {
    const [_tx, rx] = unboundedChannel<number>();
    rx.dispose();
    return () => rx.recv();
  }],
  ["Sender.send() on a disposed sender", () => {
    const [tx] = channel<number>(1);
    tx.dispose();
    return () => tx.send(1);
  }],
  ["Sender.reserve() on a disposed sender", () => {
    const [tx] = channel<number>(1);
    tx.dispose();
    return () => tx.reserve();
  }],
  ["select() with a disposed branch", () => {
    const [_tx, rx] = channel<number>(1);
    rx.dispose();
    return () => select({ rx });
  }],
  ["Sender.send() on a closed channel", () => {
    const [tx, rx] = channel<number>(1);
    rx.close();
    return () => tx.send(1);
  }],
  ["Sender.reserveMany() beyond capacity", () => {
    const [tx] = channel<number>(1);
    return () => tx.reserveMany(2);
  }],
  ["Receiver.recvMany() with a limit out of range", () => {
    const [_tx, rx] = channel<number>(1);
    return () => rx.recvMany([], -1);
  }],
];

Deno.test("budget: a loop of calls that reject at once lets a zero-delay timer fire", async (t) => {
  for (const [name, setup] of REJECTING_CALLS) {
    await t.step(name, () => rejectsUntilTimerFires(setup()));
  }
});

Deno.test("rejectCharged() rejects at once while the slice has room", async () => {
  await startFreshRun();
  const error = new Error("failed");
  const rejecting = rejectCharged(error);
  rejecting.catch(() => {});
  assertStrictEquals(await settlesWithoutYield(rejecting), true);
  assertStrictEquals(await assertRejects(() => rejecting), error);
});

Deno.test("rejectCharged() rejects after the event loop's turn once the slice is spent, in call order", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(1);
  await startFreshRun();
  spendBudget();
  const order: string[] = [];
  const receiving = rx.recv().then((v) => order.push(`recv ${v}`));
  const error = new Error("failed");
  const rejecting = rejectCharged(error).catch((e) => {
    assertStrictEquals(e, error);
    order.push("rejected");
  });
  assertStrictEquals(await settlesWithoutYield(rejecting), false);
  await Promise.all([receiving, rejecting]);
  assertEquals(order, ["recv 1", "rejected"]);
  tx.dispose();
  rx.dispose();
});

/** Runs `op` until a `setTimeout(0)` fires; fails after `limit` rounds. */
async function untilTimerFires(
  op: () => Promise<unknown>,
  limit = 2_000_000,
): Promise<number> {
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  let rounds = 0;
  try {
    while (!fired && rounds < limit) {
      rounds++;
      await op().catch(() => {});
    }
  } finally {
    clearTimeout(timer);
  }
  assert(fired, `a timer never fired in ${rounds} operations`);
  return rounds;
}

Deno.test("Sender.closed() on a closed channel is charged to the budget", async () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  await untilTimerFires(() => tx.closed());
  tx.dispose();
});

Deno.test("Sender.reserveMany() beyond capacity is charged to the budget", async () => {
  const [tx, rx] = channel<number>(1);
  await untilTimerFires(() => tx.reserveMany(2));
  tx.dispose();
  rx.dispose();
});

/**
 * Calls that reject at once for a reason of the caller's (a disposed
 * handle, a bad argument, an already aborted signal). Every call is
 * charged, so a retry loop around one still lets the event loop run.
 */
const FAILING_AT_ONCE: [string, () => () => Promise<unknown>][] = [
  ["Sender.send() on a disposed sender", () => {
    const [tx] = channel<number>(1);
    tx.dispose();
    return () => tx.send(1);
  }],
  ["Sender.send() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.send(1, { signal });
  }],
  ["Sender.sendTimeout() with a negative ms", () => {
    const [tx] = channel<number>(1);
    return () => tx.sendTimeout(1, -1);
  }],
  ["Sender.reserve() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.reserve({ signal });
  }],
  ["Sender.closed() with an aborted signal", () => {
    const [tx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => tx.closed({ signal });
  }],
  ["Receiver.recv() on a disposed receiver", () => {
    const [, rx] = channel<number>(1);
    rx.dispose();
    return () => rx.recv();
  }],
  ["Receiver.recvMany() with a bad buffer", () => {
    const [, rx] = channel<number>(1);
    return () => rx.recvMany(null as unknown as number[], 1);
  }],
  ["UnboundedReceiver.recv() with an aborted signal", () => {
    const [, rx] = unboundedChannel<number>();
    const signal = AbortSignal.abort();
    return () => rx.recv({ signal });
  }],
  ["a values() iterator's next() with an aborted signal", () => {
    const [, rx] = unboundedChannel<number>();
    const iterator = rx.values({ signal: AbortSignal.abort() });
    return () => iterator.next();
  }],
  ["select() over a disposed receiver", () => {
    const [, rx] = channel<number>(1);
    rx.dispose();
    return () => select({ rx });
  }],
  ["select() with an aborted signal", () => {
    const [, rx] = channel<number>(1);
    const signal = AbortSignal.abort();
    return () => select({ rx }, { signal });
  }],
];

Deno.test("Every call that rejects at once is charged: a loop of them lets a zero-delay timer fire", async (t) => {
  for (const [name, setup] of FAILING_AT_ONCE) {
    await t.step(name, () => rejectsUntilTimerFires(setup()));
  }
});

// -- Budget yields and handle lifetime --

Deno.test("Sender.send() yielding for the budget keeps a disposed sender counted until it sends", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const sending = tx.send(1);
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.isClosed(), false);
  assertStrictEquals(await settlesWithoutYield(sending), false);
  await sending;
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.send() yielding for the budget and aborted meanwhile sends nothing", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const controller = new AbortController();
  const sending = tx.send(1, { signal: controller.signal });
  tx.dispose();
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => sending),
    controller.signal.reason,
  );
  assertStrictEquals(rx.len(), 0);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.reserve() yielding for the budget and aborted meanwhile holds no permit", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const controller = new AbortController();
  const reserving = tx.reserveMany(2, { signal: controller.signal });
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reserving),
    controller.signal.reason,
  );
  assertStrictEquals(tx.capacity(), 4);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveOwned() yielding for the budget and aborted meanwhile disposes its sender", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const controller = new AbortController();
  const reserving = tx.reserveOwned({ signal: controller.signal });
  assertStrictEquals(rx.senderStrongCount(), 1);
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reserving),
    controller.signal.reason,
  );
  assertStrictEquals(rx.capacity(), 4);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.send() yielding for the budget fails with SendError if closed meanwhile", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const sending = tx.send(1);
  rx.close();
  const error = await assertRejects(() => sending, SendError);
  assertStrictEquals(error.name, "SendError");
  assertStrictEquals(error.value, 1);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() yielding for the budget ends with undefined if the receiver is disposed meanwhile", async () => {
  const [tx, rx] = channel<number>(4);
  tx.trySend(1);
  spendBudget();
  const receiving = rx.recv();
  rx.dispose();
  assertStrictEquals(await receiving, undefined);
  tx.dispose();
});

Deno.test("Receiver.recv() called twice while the budget is spent completes both calls", async () => {
  const [tx, rx] = channel<number>(4);
  tx.trySend(1);
  tx.trySend(2);
  spendBudget();
  // The signal is only there to end the calls if they never complete.
  const controller = new AbortController();
  const { signal } = controller;
  const receiving = Promise.all([rx.recv({ signal }), rx.recv({ signal })]);
  const settled = await settlesWithin(receiving, 100);
  controller.abort();
  assert(settled, "both receives still pending after 100 macrotasks");
  assertEquals(await receiving, [1, 2]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() calls keep call order across a budget yield", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const controller = new AbortController();
  const { signal } = controller;
  const receiving = Promise.all([
    rx.recv({ signal }),
    rx.recv({ signal }),
    rx.recvMany([], 1, { signal }),
    rx.recv({ signal }),
  ]);
  tx.trySend(1);
  tx.trySend(2);
  tx.trySend(3);
  tx.dispose();
  const settled = await settlesWithin(receiving, 100);
  controller.abort();
  assert(settled, "receives still pending after 100 macrotasks");
  assertEquals(await receiving, [1, 2, 1, undefined]);
  rx.dispose();
});

Deno.test("Receiver.recv() aborted while it yields to the event loop takes no message", async () => {
  const [tx, rx] = channel<number>(4);
  await tx.send(1);
  spendBudget();
  const controller = new AbortController();
  const reason = new Error("during the yield");
  const first = rx.recv({ signal: controller.signal });
  const second = rx.recv();
  // The abort settles the parked call at once; watch it before awaiting.
  const rejected = assertRejects(() => first).then((e) =>
    assertStrictEquals(e, reason)
  );
  controller.abort(reason);
  await rejected;
  assertStrictEquals(await second, 1);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.send() aborted while it yields to the event loop sends nothing", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const controller = new AbortController();
  const reason = new Error("during the yield");
  const first = tx.send(1, { signal: controller.signal });
  const second = tx.send(2);
  // A call that is yielding has not been granted: the abort wins.
  const rejected = assertRejects(() => first).then((e) =>
    assertStrictEquals(e, reason)
  );
  controller.abort(reason);
  await rejected;
  await second;
  const buffer: number[] = [];
  await rx.recvMany(buffer, 4);
  assertEquals(buffer, [2]);
  assertStrictEquals(rx.capacity(), 4);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve*() and Receiver.recvMany() aborted while they yield hold nothing", async () => {
  const [tx, rx] = channel<number>(4);
  await tx.send(7);
  const owner = tx.clone();
  spendBudget();
  const controller = new AbortController();
  const reason = new Error("during the yield");
  const signal = controller.signal;
  const buffer: number[] = [];
  const calls = [
    tx.reserve({ signal }),
    tx.reserveMany(2, { signal }),
    owner.reserveOwned({ signal }),
    rx.recvMany(buffer, 4, { signal }),
  ];
  const rejected = calls.map((call) =>
    assertRejects(() => call).then((e) => assertStrictEquals(e, reason))
  );
  controller.abort(reason);
  await Promise.all(rejected);
  assertEquals(buffer, []);
  // The consumed sender is disposed; nothing else is held.
  assertStrictEquals(tx.strongCount(), 1);
  assertStrictEquals(tx.capacity(), 3);
  assertStrictEquals(await rx.recv(), 7);
  assertStrictEquals(rx.capacity(), 4);
  tx.dispose();
  rx.dispose();
});

// -- Order and room across a budget yield --

/**
 * Starts from a fresh turn, then marks its slice spent: the next operation
 * that counts has to yield.
 */
async function spendFreshSlice(): Promise<void> {
  await nextMacrotask();
  spendBudget();
}

Deno.test("Sender.send() calls keep their order across a budget yield", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendFreshSlice();
  const first = tx.send(1);
  const second = tx.send(2);
  await first;
  const third = tx.send(3);
  await Promise.all([second, third]);
  const got: number[] = [];
  await rx.recvMany(got, 10);
  assertEquals(got, [1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() calls keep their order across a budget yield", async () => {
  const [tx, rx] = channel<string>(1000);
  await spendFreshSlice();
  const first = tx.reserve();
  const second = tx.reserve();
  (await first).send("first");
  const third = tx.reserve();
  (await second).send("second");
  (await third).send("third");
  const got: string[] = [];
  await rx.recvMany(got, 10);
  assertEquals(got, ["first", "second", "third"]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout(v, 0) succeeds after a budget yield when there was room", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendFreshSlice();
  await tx.sendTimeout(7, 0);
  assertStrictEquals(rx.tryRecv(), 7);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.trySend() reports full while a send is parked by the budget", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendFreshSlice();
  const parked = tx.send(1);
  const sendError = assertThrows(() => tx.trySend(2), TrySendError);
  assertStrictEquals(sendError.name, "TrySendError");
  assertStrictEquals(sendError.kind, "full");
  const reserveError = assertThrows(() => tx.tryReserve(), TrySendError);
  assertStrictEquals(reserveError.kind, "full");
  await parked;
  tx.trySend(3);
  const got: number[] = [];
  await rx.recvMany(got, 10);
  assertEquals(got, [1, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() parked by the budget with a buffer that refuses rejects instead of escaping the refill", async () => {
  const [tx, rx] = channel<number>(2);
  tx.trySend(1);
  spendBudget();
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 2);
  Object.freeze(buffer);
  await assertRejects(() => receiving, TypeError);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("Receiver.tryRecv() does not overtake a recv() parked by the budget", async () => {
  const [tx, rx] = channel<number>(4);
  spendBudget();
  const receiving = rx.recv();
  tx.trySend(1);
  tx.trySend(2);
  const error = assertThrows(() => rx.tryRecv(), TryRecvError);
  assertStrictEquals(error.kind, "empty");
  assertStrictEquals(await receiving, 1);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

Deno.test("budget: a resumed receive whose message's then getter aborts a parked receive does not break the refill", async () => {
  const controller = new AbortController();
  const [tx, rx] = channel<unknown>(4);
  const message = {
    get then() {
      controller.abort(new Error("aborted from then"));
      return undefined;
    },
  };
  tx.trySend(message);
  spendBudget();
  const first = rx.recv();
  const second = rx.recv({ signal: controller.signal });
  assertStrictEquals(await first, message);
  await assertRejects(() => second, Error, "aborted from then");
  tx.trySend(2);
  assertStrictEquals(await rx.recv(), 2);
  tx.dispose();
});

// -- What the budget is for --

Deno.test("budget: a zero-delay timer fires during a busy loop of ready operations", async (t) => {
  const loops: [string, () => () => Promise<unknown>][] = [
    ["a recv() drain", () => {
      const [tx, rx] = unboundedChannel<number>();
      return async () => {
        tx.send(1);
        await rx.recv();
      };
    }],
    ["send() and recv() in turn", () => {
      const [tx, rx] = channel<number>(64);
      return async () => {
        await tx.send(1);
        await rx.recv();
      };
    }],
    ["recvMany() of one", () => {
      const [tx, rx] = channel<number>(64);
      const buffer: number[] = [];
      return async () => {
        tx.trySend(1);
        await rx.recvMany(buffer, 1);
        buffer.length = 0;
      };
    }],
  ];
  for (const [name, setup] of loops) {
    await t.step(name, async () => {
      const op = setup();
      let fired = false;
      const timer = setTimeout(() => fired = true, 0);
      let rounds = 0;
      while (!fired && rounds < 5_000_000) {
        await op();
        rounds++;
      }
      clearTimeout(timer);
      assert(fired, `the timer never fired in ${rounds} operations`);
    });
  }
});

Deno.test("budget: a 1 ms interval keeps ticking through a ping-pong", async () => {
  const [pingTx, pingRx] = channel<number>(1);
  const [pongTx, pongRx] = channel<number>(1);
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  const echo = (async () => {
    for await (const n of pingRx) await pongTx.send(n);
    pongTx.dispose();
  })();
  // Wall time, not a count: the guarantee is that timers run while the
  // loop does, however fast the machine. 50 ms leaves room for many ticks;
  // asking for a few keeps a loaded machine from failing the test.
  const end = performance.now() + 50;
  let rounds = 0;
  while (performance.now() < end) {
    await pingTx.send(rounds);
    assertStrictEquals(await pongRx.recv(), rounds);
    rounds++;
  }
  const seen = ticks;
  clearInterval(interval);
  pingTx.dispose();
  await echo;
  assert(seen >= 3, `the interval ticked ${seen} times in 50 ms`);
});

Deno.test("budget: a 1 ms interval keeps ticking through a ping-pong over unbounded channels", async () => {
  // Unbounded sends are not charged: the receives, which wait each round,
  // are the only calls that can yield.
  const [pingTx, pingRx] = unboundedChannel<number>();
  const [pongTx, pongRx] = unboundedChannel<number>();
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  const echo = (async () => {
    for await (const n of pingRx) pongTx.send(n);
    pongTx.dispose();
  })();
  const end = performance.now() + 50;
  let rounds = 0;
  while (performance.now() < end) {
    pingTx.send(rounds);
    assertStrictEquals(await pongRx.recv(), rounds);
    rounds++;
  }
  const seen = ticks;
  clearInterval(interval);
  pingTx.dispose();
  await echo;
  assert(seen >= 3, `the interval ticked ${seen} times in 50 ms`);
});

/** The median of `values`, which must not be empty. */
function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

/**
 * Runs `work` while a 1 ms interval ticks, and returns how many units of
 * work (`done()` calls) ran between one tick and the next, counting from
 * the start and to the end, and the gaps' lengths in milliseconds (for the
 * messages only: tests never assert timings).
 *
 * Units, not milliseconds, because this machine is shared: a stalled
 * process stretches every gap in wall time, but the budget measures its
 * slice by the same wall clock, so a stall only ever lowers the units per
 * tick. Each unit below costs a fixed amount of work, so the contract's
 * "median gap at most 1.5 ms" is a median of units per tick.
 */
async function unitsBetweenTicks(
  work: (done: () => void) => Promise<void>,
): Promise<{ units: number[]; ms: number[] }> {
  let done = 0;
  const marks = [0];
  const times = [performance.now()];
  const interval = setInterval(() => {
    marks.push(done);
    times.push(performance.now());
  }, 1);
  try {
    await work(() => done++);
  } finally {
    clearInterval(interval);
  }
  marks.push(done);
  times.push(performance.now());
  const units: number[] = [];
  const ms: number[] = [];
  for (let i = 1; i < marks.length; i++) {
    units.push(marks[i]! - marks[i - 1]!);
    ms.push(times[i]! - times[i - 1]!);
  }
  return { units, ms };
}

/**
 * Asserts that a 1 ms interval ticked at least every `medianAtMost` units
 * (median) and never waited more than `maxAtMost` units.
 */
function assertTicks(
  { units, ms }: { units: number[]; ms: number[] },
  medianAtMost: number,
  maxAtMost: number,
): void {
  const seen = `units between ticks: median ${median(units)}, most ${
    Math.max(...units)
  } (median gap ${median(ms).toFixed(2)} ms, longest ${
    Math.max(...ms).toFixed(2)
  } ms)`;
  assert(median(units) <= medianAtMost, seen);
  assert(Math.max(...units) <= maxAtMost, seen);
}

// The consumers below work 20 µs a message, or 1 ms a batch. A turn that
// counted 128 operations between looks at the clock, from its first look,
// ran 128 to 255 of them whatever they cost: 2.5 to 5 ms of work at 20 µs
// (medians of 190-255 messages a tick were measured), 128 ms at 1 ms. The
// budget must end the turn after about a slice: about 50 messages or one
// batch. The bounds leave room for two turns per tick.
const WORK_PER_MESSAGE_MS = 0.02;
const MESSAGES_PER_TICK = 120;
const MOST_MESSAGES_PER_TICK = 50 / WORK_PER_MESSAGE_MS; // 50 ms of work

Deno.test("budget: a 1 ms interval keeps ticking through a consumer that works 20 µs a message", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 3_000; i++) tx.send(i);
  tx.dispose();
  const ticks = await unitsBetweenTicks(async (done) => {
    while (await rx.recv() !== undefined) {
      spin(WORK_PER_MESSAGE_MS);
      done();
    }
  });
  assertTicks(ticks, MESSAGES_PER_TICK, MOST_MESSAGES_PER_TICK);
});

Deno.test("budget: a 1 ms interval keeps ticking through a consumer that works 1 ms a recvMany() batch", async () => {
  const BATCH = 256;
  const BATCHES = 80;
  const [tx, rx] = channel<number>(BATCH * BATCHES);
  for (let i = 0; i < BATCH * BATCHES; i++) tx.trySend(i);
  tx.dispose();
  const buffer: number[] = [];
  const ticks = await unitsBetweenTicks(async (done) => {
    while (await rx.recvMany(buffer, BATCH) > 0) {
      buffer.length = 0;
      spin(1);
      done();
    }
  });
  // About one batch a tick; never 50 ms of batches without one.
  assertTicks(ticks, 4, 40);
});

Deno.test("budget: a 1 ms interval keeps ticking through a toReadableStream() reader with a large highWaterMark", async () => {
  const [tx, rx] = channel<number>(16);
  const producer = (async () => {
    for (let i = 0; i < 3_000; i++) await tx.send(i);
    tx.dispose();
  })();
  const stream = toReadableStream(rx, { highWaterMark: Infinity });
  const ticks = await unitsBetweenTicks(async (done) => {
    for await (const _ of stream) {
      spin(WORK_PER_MESSAGE_MS);
      done();
    }
  });
  await producer;
  assertTicks(ticks, MESSAGES_PER_TICK, MOST_MESSAGES_PER_TICK);
});

Deno.test("budget: a 1 ms interval keeps ticking through a toReadableStream() reader of a full channel with an infinite highWaterMark", async () => {
  // Every message is queued before the reader starts, so each pull finds a
  // whole batch ready: the stream's own queue, which the budget does not
  // see, must not fill with more than the reader can work through in a
  // slice or two between the pulls that are charged.
  const MESSAGES = 12_000;
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < MESSAGES; i++) tx.send(i);
  tx.dispose();
  const stream = toReadableStream(rx, { highWaterMark: Infinity });
  const ticks = await unitsBetweenTicks(async (done) => {
    for await (const _ of stream) {
      spin(WORK_PER_MESSAGE_MS);
      done();
    }
  });
  assertEquals(ticks.units.reduce((a, b) => a + b, 0), MESSAGES);
  assertTicks(ticks, MESSAGES_PER_TICK, MOST_MESSAGES_PER_TICK);
});

Deno.test("setBudgetEnabled(false) lets ready operations run without yielding", async () => {
  const COUNT = 10_000;
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < COUNT; i++) tx.send(i);
  setBudgetEnabled(false);
  try {
    let received = 0;
    let firedAt: number | undefined;
    const fired = new Promise<void>((resolve) => {
      setTimeout(() => {
        firedAt = received;
        resolve();
      }, 0);
    });
    spin(5);
    assertEquals(
      await yieldingCalls(CHECK_EVERY * 2, async () => {
        assertStrictEquals(await rx.recv(), received);
        received++;
      }),
      [],
    );
    while (received < COUNT) {
      assertStrictEquals(await rx.recv(), received);
      received++;
    }
    assertStrictEquals(firedAt, undefined, "nothing let the timer run");
    await fired;
    assertStrictEquals(firedAt, COUNT);
  } finally {
    setBudgetEnabled(true);
  }
  tx.dispose();
  rx.dispose();
});

Deno.test("setBudgetEnabled(true) turns the budget back on", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < CHECK_EVERY * 3; i++) tx.send(i);
  setBudgetEnabled(false);
  try {
    spendBudget(); // does nothing while the budget is off
    assertEquals(await yieldingCalls(CHECK_EVERY * 2, () => rx.recv()), []);
  } finally {
    setBudgetEnabled(true);
  }
  await startFreshRun();
  spendBudget();
  assertEquals(await yieldingCalls(1, () => rx.recv()), [0]);
  tx.dispose();
  rx.dispose();
});

/** Sends and receives in a loop until `fired()`; returns the count received. */
async function pingPong(
  tx: { send(v: number): unknown },
  rx: AsyncIterable<number>,
  fired: () => boolean,
): Promise<number> {
  let received = 0;
  const producer = (async () => {
    for (let i = 0; !fired() && i < 1_000_000; i++) await tx.send(i);
  })();
  for await (const _ of rx) {
    received++;
    if (fired()) break;
  }
  await producer;
  return received;
}

Deno.test("channel() and unboundedChannel() ping-pong still lets a timer fire", async (t) => {
  const makers = {
    "channel(1)": () => channel<number>(1),
    "unboundedChannel()": () => unboundedChannel<number>(),
  };
  for (const [name, make] of Object.entries(makers)) {
    await t.step(name, async () => {
      const [tx, rx] = make();
      let fired = false;
      const timer = setTimeout(() => fired = true, 0);
      const received = await pingPong(tx, rx, () => fired);
      clearTimeout(timer);
      assert(fired, "the timer never fired");
      assert(received < 1_000_000);
      tx.dispose();
      rx.dispose();
    });
  }
});

// -- Calls aborted while parked --

/**
 * Calls that wait and are aborted in a microtask, so that once the slice is
 * spent they park and fail before the budget's turn. An aborted parked call
 * rejects on that turn, so a loop of them still lets timers run.
 */
const ABORTED_WHILE_WAITING: [
  string,
  () => (signal: AbortSignal) => Promise<unknown>,
][] = [
  ["Receiver.recv() on an empty channel", () => {
    const [tx, rx] = channel<number>(1);
    tx.clone(); // keeps the channel open for the whole loop
    return (signal) => rx.recv({ signal });
  }],
  ["Receiver.recvMany() on an empty channel", () => {
    const [, rx] = unboundedChannel<number>();
    const buffer: number[] = [];
    return (signal) => rx.recvMany(buffer, 4, { signal });
  }],
  ["Sender.send() on a full channel", () => {
    const [tx] = channel<number>(1);
    tx.trySend(0);
    return (signal) => tx.send(1, { signal });
  }],
  ["Sender.reserve() on a full channel", () => {
    const [tx] = channel<number>(1);
    tx.trySend(0);
    return (signal) => tx.reserve({ signal });
  }],
  ["Sender.closed() on an open channel", () => {
    const [tx, _rx] = channel<number>(1);
    return (signal) => tx.closed({ signal });
  }],
  ["select() over an empty receiver", () => {
    const [_tx, rx] = channel<number>(1);
    return (signal) => select({ rx }, { signal });
  }],
];

Deno.test("A loop of calls aborted while they wait lets a setTimeout(0) fire", async (t) => {
  for (const [name, make] of ABORTED_WHILE_WAITING) {
    await t.step(name, async () => {
      const call = make();
      await untilTimerFires(() => {
        const controller = new AbortController();
        const pending = call(controller.signal);
        queueMicrotask(() => controller.abort());
        return pending;
      }, 200_000);
    });
  }
});
