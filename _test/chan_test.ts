// Copyright 2026 the @seed/mpsc authors. MIT license.
// Regression tests for the channel core found in review: budget starvation,
// call order across budget yields, closed() waiters, unusable buffers.
import assert from "node:assert/strict";
import FakeTimers from "npm:@sinonjs/fake-timers@14.0.0";
import {
  channel,
  type Receiver,
  type Sender,
  unboundedChannel,
} from "../mod.ts";

// -- Cooperative budget --

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
      assert.ok(fired, "the timer never fired");
      assert.ok(received < 1_000_000);
      tx.dispose();
      rx.dispose();
    });
  }
});

async function spendBudget(tx: Sender<number>, rx: Receiver<number>) {
  // 128 ready sends in this turn: the next call has to yield.
  for (let i = 0; i < 128; i++) await tx.send(-1);
  for (let i = 0; i < 128; i++) rx.tryRecv();
}

Deno.test("Sender.send() calls keep their order across a budget yield", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendBudget(tx, rx);
  const first = tx.send(1);
  const second = tx.send(2);
  await first;
  const third = tx.send(3);
  await Promise.all([second, third]);
  const got: number[] = [];
  await rx.recvMany(got, 10);
  assert.deepEqual(got, [1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() calls keep their order across a budget yield", async () => {
  const [tx, rx] = channel<string>(1000);
  await spendBudget(tx as unknown as Sender<number>, rx as never);
  const first = tx.reserve();
  const second = tx.reserve();
  (await first).send("first");
  const third = tx.reserve();
  (await second).send("second");
  (await third).send("third");
  const got: string[] = [];
  await rx.recvMany(got, 10);
  assert.deepEqual(got, ["first", "second", "third"]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout(v, 0) succeeds after a budget yield when there was room", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendBudget(tx, rx);
  await tx.sendTimeout(7, 0);
  assert.equal(rx.tryRecv(), 7);
  tx.dispose();
  rx.dispose();
});

// -- closed() --

Deno.test("Sender.closed() without a signal leaves no waiter per call behind", async () => {
  const [tx, rx] = channel<number>(1);
  const [utx, urx] = unboundedChannel<number>();
  // Calls that lose a race are never awaited again: they share one promise,
  // so they cannot pile up until the channel closes.
  assert.equal(tx.closed(), tx.closed());
  assert.equal(utx.closed(), utx.closed());
  const signal = new AbortController().signal;
  assert.notEqual(tx.closed({ signal }), tx.closed());
  const pending = [tx.closed(), utx.closed()];
  rx.close();
  urx.close();
  await Promise.all(pending);
  assert.ok(tx.isClosed() && utx.isClosed());
  tx.dispose();
  utx.dispose();
  rx.dispose();
  urx.dispose();
});

// -- Buffers that cannot grow --

Deno.test("Receiver.recvMany() rejects a frozen buffer before taking anything", async () => {
  const [tx, rx] = channel<number>(2);
  await assert.rejects(
    rx.recvMany(Object.freeze([]) as unknown as number[], 4),
    {
      name: "TypeError",
      message: /buffer must be an extensible array/,
    },
  );
  await tx.send(1);
  const sealed = Object.seal([]) as number[];
  await assert.rejects(rx.recvMany(sealed, 4), TypeError);
  assert.equal(rx.len(), 1);
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.trySend() reports full while a send is parked by the budget", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendBudget(tx, rx);
  const parked = tx.send(1);
  assert.throws(() => tx.trySend(2), { name: "TrySendError", kind: "full" });
  assert.throws(() => tx.tryReserve(), { kind: "full" });
  await parked;
  tx.trySend(3);
  const got: number[] = [];
  await rx.recvMany(got, 10);
  assert.deepEqual(got, [1, 3]);
  tx.dispose();
  rx.dispose();
});

// -- Disposal --

Deno.test("[Symbol.dispose] is the very dispose() function on every handle and permit", async () => {
  const [tx, rx] = channel<number>(4);
  const [utx, urx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const uweak = utx.downgrade();
  const permit = await tx.reserve();
  const permits = await tx.reserveMany(1);
  const owned = await tx.clone().reserveOwned();
  const handles = [tx, rx, utx, urx, weak, uweak, permit, permits, owned];
  for (const handle of handles) {
    assert.equal(handle[Symbol.dispose], handle.dispose);
    handle[Symbol.dispose]();
  }
  assert.throws(() => tx.capacity(), ReferenceError);
  assert.throws(() => urx.len(), ReferenceError);
});

// -- Long time limits --

Deno.test("Sender.sendTimeout() waits out a limit longer than a timer can hold", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout"],
  });
  try {
    const [tx, rx] = channel<number>(1);
    tx.trySend(0);
    const limit = 2 ** 31 + 1_000; // over 24.8 days
    const outcomes: unknown[] = [];
    tx.sendTimeout(7, limit).catch((error) => outcomes.push(error));
    await clock.tickAsync(limit - 1);
    assert.equal(outcomes.length, 0, "timed out before the limit");
    await clock.tickAsync(1);
    assert.equal(outcomes.length, 1);
    assert.equal((outcomes[0] as { kind: string }).kind, "timeout");
    assert.equal(clock.countTimers(), 0);
    tx.dispose();
    rx.dispose();
  } finally {
    clock.uninstall();
  }
});
