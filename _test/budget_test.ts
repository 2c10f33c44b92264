// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { setBudgetEnabled } from "../budget.ts";
import { channel, SendError, unboundedChannel } from "../mod.ts";

// Tokio's per-task budget, which the contract keeps.
const BUDGET = 128;

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
 * receive that has to wait, completed from a later macrotask.
 */
async function startFreshRun(): Promise<void> {
  const [tx, rx] = unboundedChannel<number>();
  const received = rx.recv();
  await nextMacrotask();
  tx.send(1);
  assertStrictEquals(await received, 1);
  tx.dispose();
  rx.dispose();
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

Deno.test("budget: the 129th ready operation of every kind yields to the event loop", async (t) => {
  const OPS = BUDGET + 1;
  const cases: [string, () => (i: number) => Promise<unknown>][] = [
    ["Receiver.recv()", () => {
      const [tx, rx] = channel<number>(OPS);
      for (let i = 0; i < OPS; i++) tx.trySend(i);
      return async (i) => assertStrictEquals(await rx.recv(), i);
    }],
    ["Receiver.recvMany()", () => {
      const [tx, rx] = channel<number>(OPS);
      for (let i = 0; i < OPS; i++) tx.trySend(i);
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
      const [tx, rx] = channel<number>(OPS);
      for (let i = 0; i < OPS; i++) tx.trySend(i);
      const iterator = rx[Symbol.asyncIterator]();
      return async (i) =>
        assertEquals(await iterator.next(), { value: i, done: false });
    }],
    ["Sender.send()", () => {
      const [tx, rx] = channel<number>(OPS);
      return async (i) => {
        await tx.send(i);
        assertStrictEquals(rx.len(), i + 1);
      };
    }],
    ["Sender.sendTimeout()", () => {
      const [tx, rx] = channel<number>(OPS);
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
    ["Sender.reserveOwned()", () => {
      let [tx] = channel<number>(1);
      return async () => {
        tx = (await tx.reserveOwned()).release();
      };
    }],
    ["UnboundedReceiver.recv()", () => {
      const [tx, rx] = unboundedChannel<number>();
      for (let i = 0; i < OPS; i++) tx.send(i);
      return async (i) => assertStrictEquals(await rx.recv(), i);
    }],
    ["UnboundedReceiver.recvMany()", () => {
      const [tx, rx] = unboundedChannel<number>();
      for (let i = 0; i < OPS; i++) tx.send(i);
      return async (i) => {
        const buffer: number[] = [];
        assertStrictEquals(await rx.recvMany(buffer, 1), 1);
        assertEquals(buffer, [i]);
      };
    }],
  ];
  for (const [name, setup] of cases) {
    await t.step(name, async () => {
      const op = setup();
      await startFreshRun();
      assertEquals(await yieldingCalls(OPS, op), [BUDGET]);
    });
  }
});

Deno.test("budget: ready operations on different channels share one budget", async () => {
  const [tx, rx] = channel<number>(BUDGET);
  const [utx, urx] = unboundedChannel<number>();
  for (let i = 0; i < BUDGET; i++) utx.send(i);
  await startFreshRun();
  const yielded = await yieldingCalls(BUDGET + 1, (i) => {
    if (i % 2 === 0) return tx.send(i);
    return urx.recv();
  });
  assertEquals(yielded, [BUDGET]);
  assert(rx.len() > 0);
});

Deno.test("budget: try* methods neither spend the budget nor yield", async () => {
  let [tx, rx] = channel<number>(BUDGET);
  await startFreshRun();
  const before = await yieldingCalls(BUDGET - 1, (i) => tx.send(i));
  assertEquals(before, []);
  for (let i = 0; i < 1_000; i++) {
    assertStrictEquals(rx.tryRecv(), i % (BUDGET - 1));
    tx.trySend(i % (BUDGET - 1));
    tx.tryReserve().dispose();
    tx.tryReserveMany(1).dispose();
    tx = tx.tryReserveOwned().release();
  }
  // The 128th ready operation is still within the budget, the 129th is not.
  const after = await yieldingCalls(2, () => rx.recv());
  assertEquals(after, [1]);
});

Deno.test("budget: a waiting operation ends the run of ready operations", async () => {
  const [tx, rx] = unboundedChannel<number>();
  await startFreshRun();
  for (let i = 0; i < BUDGET - 1; i++) tx.send(i);
  assertEquals(await yieldingCalls(BUDGET - 1, () => rx.recv()), []);
  // This receive waits, which refills the budget.
  const waiting = rx.recv();
  await nextMacrotask();
  tx.send(-1);
  assertStrictEquals(await waiting, -1);
  for (let i = 0; i < BUDGET + 1; i++) tx.send(i);
  assertEquals(await yieldingCalls(BUDGET + 1, () => rx.recv()), [BUDGET]);
});

Deno.test("budget: a long run of ready operations yields once every 128 or so", async () => {
  const COUNT = BUDGET * 8;
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < COUNT; i++) tx.send(i);
  await startFreshRun();
  const yielded = await yieldingCalls(COUNT, async (i) => {
    assertStrictEquals(await rx.recv(), i);
  });
  assertStrictEquals(yielded[0], BUDGET);
  assert(yielded.length >= 7, `${yielded.length} yields`);
  for (let i = 1; i < yielded.length; i++) {
    const gap = yielded[i]! - yielded[i - 1]!;
    // The yielding call may count as the first of the next run, or not.
    assert(gap === BUDGET || gap === BUDGET + 1, `gap ${gap}`);
  }
});

Deno.test("budget: a yielding receive still honours an abort that came meanwhile", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < BUDGET + 1; i++) tx.send(i);
  await startFreshRun();
  for (let i = 0; i < BUDGET; i++) assertStrictEquals(await rx.recv(), i);
  const controller = new AbortController();
  const reason = new Error("stop");
  const received = rx.recv({ signal: controller.signal });
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => received), reason);
  // The aborted call took no message.
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), BUDGET);
});

// -- Budget yields and handle lifetime --

/** Runs `BUDGET` ready receives on a channel of their own. */
async function spendBudget(): Promise<void> {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < BUDGET; i++) tx.send(i);
  await startFreshRun();
  assertEquals(await yieldingCalls(BUDGET, () => rx.recv()), []);
  tx.dispose();
  rx.dispose();
}

Deno.test("Sender.send() yielding for the budget keeps a disposed sender counted until it sends", async () => {
  const [tx, rx] = channel<number>(4);
  await spendBudget();
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
  await spendBudget();
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
  await spendBudget();
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
  await spendBudget();
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
  await spendBudget();
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
  await spendBudget();
  const receiving = rx.recv();
  rx.dispose();
  assertStrictEquals(await receiving, undefined);
  tx.dispose();
});

Deno.test("Receiver.recv() called twice while the budget is spent completes both calls", async () => {
  const [tx, rx] = channel<number>(4);
  tx.trySend(1);
  tx.trySend(2);
  await spendBudget();
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
  await spendBudget();
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

// -- What the budget is for --

Deno.test("budget: a zero-delay timer fires while a consumer drains 10,000 ready messages", async () => {
  const COUNT = 10_000;
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < COUNT; i++) tx.send(i);
  let received = 0;
  let firedAt: number | undefined;
  const fired = new Promise<void>((resolve) => {
    setTimeout(() => {
      firedAt = received;
      resolve();
    }, 0);
  });
  spin(5);
  while (received < COUNT) {
    assertStrictEquals(await rx.recv(), received);
    received++;
  }
  assertNotStrictEquals(firedAt, undefined, "the timer fired during the drain");
  assert(firedAt! < COUNT);
  await fired;
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
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
      await yieldingCalls(BUDGET * 2, async () => {
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
  for (let i = 0; i < BUDGET * 3 + 1; i++) tx.send(i);
  setBudgetEnabled(false);
  try {
    assertEquals(await yieldingCalls(BUDGET * 2, () => rx.recv()), []);
  } finally {
    setBudgetEnabled(true);
  }
  await startFreshRun();
  assertEquals(await yieldingCalls(BUDGET, () => rx.recv()), []);
  assertEquals(await yieldingCalls(1, () => rx.recv()), [0]);
  tx.dispose();
  rx.dispose();
});
