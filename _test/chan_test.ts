// Copyright 2026 the @seed/mpsc authors. MIT license.
// Regression tests for the channel core found in review: budget starvation,
// call order across budget yields, closed() waiters, unusable buffers.
import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { spy } from "@std/testing/mock";
import { FakeTime } from "@std/testing/time";
import { spendBudget as spendSlice } from "../budget.ts";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  channel,
  type Receiver,
  type Sender,
  SendTimeoutError,
  TrySendError,
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
      assert(fired, "the timer never fired");
      assert(received < 1_000_000);
      tx.dispose();
      rx.dispose();
    });
  }
});

async function spendBudget(tx: Sender<number>, rx: Receiver<number>) {
  // Start from a fresh turn, then mark its slice spent: the next operation
  // that counts has to yield.
  await nextMacrotask();
  assertStrictEquals(tx.capacity() >= 0 && !rx.isClosed(), true);
  spendSlice();
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
  assertEquals(got, [1, 2, 3]);
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
  assertEquals(got, ["first", "second", "third"]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout(v, 0) succeeds after a budget yield when there was room", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendBudget(tx, rx);
  await tx.sendTimeout(7, 0);
  assertStrictEquals(rx.tryRecv(), 7);
  tx.dispose();
  rx.dispose();
});

// -- closed() --

Deno.test("Sender.closed() without a signal leaves no waiter per call behind", async () => {
  const [tx, rx] = channel<number>(1);
  const [utx, urx] = unboundedChannel<number>();
  // Calls that lose a race are never awaited again: they share one promise,
  // so they cannot pile up until the channel closes.
  assertStrictEquals(tx.closed(), tx.closed());
  assertStrictEquals(utx.closed(), utx.closed());
  const signal = new AbortController().signal;
  assertNotStrictEquals(tx.closed({ signal }), tx.closed());
  const pending = [tx.closed(), utx.closed()];
  rx.close();
  urx.close();
  await Promise.all(pending);
  assert(tx.isClosed() && utx.isClosed());
  tx.dispose();
  utx.dispose();
  rx.dispose();
  urx.dispose();
});

// -- Buffers that cannot grow --

Deno.test("Receiver.recvMany() rejects a frozen buffer before taking anything", async () => {
  const [tx, rx] = channel<number>(2);
  const frozen = await assertRejects(
    () => rx.recvMany(Object.freeze([]) as unknown as number[], 4),
    TypeError,
    "buffer must be an extensible array",
  );
  assertStrictEquals(frozen.name, "TypeError");
  await tx.send(1);
  const sealed = Object.seal([]) as number[];
  await assertRejects(() => rx.recvMany(sealed, 4), TypeError);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.trySend() reports full while a send is parked by the budget", async () => {
  const [tx, rx] = channel<number>(1000);
  await spendBudget(tx, rx);
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
    assertStrictEquals(handle[Symbol.dispose], handle.dispose);
    handle[Symbol.dispose]();
  }
  assertThrows(() => tx.capacity(), ReferenceError);
  assertThrows(() => urx.len(), ReferenceError);
});

// -- Long time limits --

/** The longest delay a real `setTimeout` takes without firing at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

Deno.test("Sender.sendTimeout() waits out a limit longer than a timer can hold", async () => {
  using time = new FakeTime();
  // A real timer asked for more than 2^31 - 1 ms fires at once. FakeTime
  // keeps any delay as given, so it would not catch a limit passed on to one
  // timer unsplit: the spy records every delay the channel asks for instead.
  using setTimeoutSpy = spy(globalThis, "setTimeout");
  const [tx, rx] = channel<number>(1);
  tx.trySend(0);
  const limit = 2 ** 31 + 1_000; // over 24.8 days
  const outcomes: unknown[] = [];
  tx.sendTimeout(7, limit).catch((error) => outcomes.push(error));
  // tickAsync() would not do: it reinstalls FakeTime's own setTimeout over
  // the spy. tick() fires the due timers at once, and a real macrotask
  // (setImmediate, which FakeTime leaves alone) lets promises settle.
  await nextMacrotask();
  time.tick(limit - 1);
  await nextMacrotask();
  assertStrictEquals(outcomes.length, 0, "timed out before the limit");
  time.tick(1);
  await nextMacrotask();
  assertStrictEquals(outcomes.length, 1);
  assertInstanceOf(outcomes[0], SendTimeoutError);
  assertStrictEquals(outcomes[0].kind, "timeout");
  const delays = setTimeoutSpy.calls.map((call) => call.args[1] ?? 0);
  assert(delays.length >= 2, "the limit was waited out in one timer");
  assert(
    delays.every((ms) => ms <= MAX_TIMER_MS),
    `a timer longer than a real one can hold: ${delays.join(", ")}`,
  );
  assertStrictEquals(delays.reduce((sum, ms) => sum + ms, 0), limit);
  // FakeTime has no count of pending timers (sinon's countTimers()); next()
  // finds none left when it reports that no timer is scheduled.
  assertFalse(time.next(), "a timer is still pending");
  tx.dispose();
  rx.dispose();
});
