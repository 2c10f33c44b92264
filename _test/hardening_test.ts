// Copyright 2026 the @seed/mpsc authors. MIT license.
// Regression tests for hostile and careless inputs: user code that runs
// inside the channel (a message's `then`, a buffer's `push`), fake signals,
// barging, stream cancellation, the budget's blind spots, types and
// inspection. Each failed on 0.1.0.

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  channel,
  type Permit,
  type Receiver,
  type Sender,
  SendError,
  TryRecvError,
  unboundedChannel,
  type UnboundedSender,
  type WeakSender,
} from "../mod.ts";
import { toReadableStream } from "../stream.ts";
import { spendBudget } from "../budget.ts";

/** Lets pending microtasks (and promise chains) run. */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Waits for one macrotask: the budget's refill has run after it. */
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A buffer whose `push` throws, as a proxy or a subclass might. */
function refusingBuffer<T>(): T[] {
  const buffer: T[] = [];
  Object.defineProperty(buffer, "push", {
    value() {
      throw new Error("push refused");
    },
  });
  return buffer;
}

// -- A recvMany buffer that refuses the messages --

Deno.test("Receiver.recvMany() with a buffer frozen while it waits rejects and leaves the message first", async () => {
  const [tx, rx] = channel<string>(1);
  const buffer: string[] = [];
  const receiving = rx.recvMany(buffer, 10);
  Object.freeze(buffer);
  tx.trySend("x"); // must not throw: the send is delivered
  const error = await assertRejects(() => receiving, TypeError);
  assertStringIncludes(error.message, "buffer");
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(await rx.recv(), "x");
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("Receiver.recvMany() with a read-only length keeps all three queued messages in order", async () => {
  const [tx, rx] = channel<number>(4);
  for (let i = 1; i <= 3; i++) tx.trySend(i);
  const buffer: number[] = [];
  Object.defineProperty(buffer, "length", { writable: false });
  await assertRejects(() => rx.recvMany(buffer, 10), TypeError);
  assertStrictEquals(rx.len(), 3);
  const out: number[] = [];
  assertStrictEquals(await rx.recvMany(out, 10), 3);
  assertEquals(out, [1, 2, 3]);
  tx.dispose();
});

Deno.test("Receiver.recvMany() into an array at the maximum length rejects and loses nothing", async () => {
  const [tx, rx] = channel<number>(2);
  tx.trySend(7);
  const buffer: number[] = [];
  buffer.length = 2 ** 32 - 1;
  await assertRejects(() => rx.recvMany(buffer, 1), TypeError);
  assertStrictEquals(rx.tryRecv(), 7);
  tx.dispose();
});

Deno.test("Permit.send() to a waiting recvMany() whose push throws neither throws nor leaks the sender", async () => {
  const [tx, rx] = channel<number>(1);
  const permit = await tx.reserve();
  const receiving = rx.recvMany(refusingBuffer<number>(), 4);
  permit.send(1);
  await assertRejects(() => receiving, TypeError);
  tx.dispose();
  assertStrictEquals(await rx.recv(), 1);
  // The sender's count was released once: the stream ends.
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("UnboundedSender.send() to a waiting recvMany() whose buffer was frozen does not throw", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 4);
  Object.freeze(buffer);
  tx.send(1);
  tx.send(2);
  await assertRejects(() => receiving, TypeError);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
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

Deno.test("Receiver.recvMany() whose push receives from the same channel keeps the order", async () => {
  const [tx, rx] = channel<number>(4);
  const seen: unknown[] = [];
  const buffer: number[] = [];
  Object.defineProperty(buffer, "push", {
    value(value: number) {
      // User code inside delivery: a later receive waits its turn, and a
      // tryRecv does not overtake the call being served.
      seen.push(value);
      assertThrows(() => rx.tryRecv(), TryRecvError);
      seen.push(rx.recv());
      throw new Error("refused after all");
    },
  });
  tx.trySend(1);
  tx.trySend(2);
  await assertRejects(() => rx.recvMany(buffer, 1), TypeError);
  // The refused message went back first; the receive made inside `push`
  // got it, in order.
  assertStrictEquals(await seen[1], 1);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

// -- A message whose `then` getter runs code --

Deno.test("Sender.send() of a message whose then getter aborts the send is delivered once and resolves", async () => {
  const [tx, rx] = channel<unknown>(1);
  const permit = await tx.reserve();
  const receiving = rx.recv();
  const controller = new AbortController();
  const message = {
    get then() {
      controller.abort(new Error("late"));
      return undefined;
    },
  };
  const sending = tx.send(message, { signal: controller.signal });
  permit.dispose();
  assertStrictEquals(await receiving, message);
  await sending; // delivered, so it resolves
  assertStrictEquals(tx.isClosed(), false);
  assertStrictEquals(tx.strongCount(), 1);
  await tx.send(2);
  assertStrictEquals(await rx.recv(), 2);
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("Sender.trySend() counts stay exact when a message's then getter sends again", async () => {
  const [tx, rx] = channel<unknown>(1);
  const other = tx.clone();
  const receiving = rx.recv();
  let inner: unknown;
  const message = {
    get then() {
      try {
        other.trySend("inner");
      } catch (error) {
        inner = error;
      }
      return undefined;
    },
  };
  tx.trySend(message);
  assertStrictEquals(await receiving, message);
  // The first message was handed over, so the slot was free for the inner
  // send, and only that one.
  assertStrictEquals(inner, undefined);
  assertThrows(() => tx.trySend("third"));
  assertStrictEquals(rx.tryRecv(), "inner");
  tx.dispose();
  other.dispose();
});

// -- Fake signals --

Deno.test("AbortSignal look-alikes are rejected with a TypeError naming signal, and hold nothing", async (t) => {
  const fake = Object.create(AbortSignal.prototype) as AbortSignal;
  const [tx, rx] = channel<number>(1);
  // Bad arguments fail before the call consumes anything: the clone is
  // still this test's to dispose.
  const clone = tx.clone();
  const cases: [string, () => Promise<unknown>][] = [
    ["Sender.send()", () => tx.send(1, { signal: fake })],
    ["Sender.sendTimeout()", () => tx.sendTimeout(1, 10, { signal: fake })],
    ["Sender.reserve()", () => tx.reserve({ signal: fake })],
    ["Sender.reserveMany()", () => tx.reserveMany(1, { signal: fake })],
    ["Sender.reserveOwned()", () => clone.reserveOwned({ signal: fake })],
    ["Sender.closed()", () => tx.closed({ signal: fake })],
    ["Receiver.recv()", () => rx.recv({ signal: fake })],
    ["Receiver.recvMany()", () => rx.recvMany([], 1, { signal: fake })],
  ];
  for (const [name, call] of cases) {
    await t.step(name, async () => {
      // A method that returns a promise never throws: this call would.
      const pending = call();
      const error = await assertRejects(() => pending, TypeError);
      assertStringIncludes(error.message, "signal");
    });
  }
  assertThrows(() => rx.values({ signal: fake }), TypeError, "signal");
  tx.dispose();
  clone.dispose();
  // No call kept a hold on the sender: the channel ends.
  assertStrictEquals(await rx.recv(), undefined);
});

// -- No barging past a parked receive --

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

Deno.test("Receiver.tryRecv() does not overtake a waiting recv() with a signal", async () => {
  const [tx, rx] = channel<number>(4);
  const controller = new AbortController();
  const receiving = rx.recv({ signal: controller.signal });
  const second = rx.recv();
  tx.trySend(1);
  tx.trySend(2);
  assertStrictEquals(await receiving, 1);
  assertStrictEquals(await second, 2);
  tx.dispose();
});

// -- Stream cancellation --

Deno.test("toReadableStream() with keepOpen gives back a message its cancelled pull had taken", async () => {
  const [tx, rx] = channel<string>(2);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const reading = reader.read();
  await settle(); // the pull now waits in recvMany
  tx.trySend("kept");
  await reader.cancel();
  await reading;
  await settle();
  assertStrictEquals(rx.tryRecv(), "kept");
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

// -- The budget counts every operation that completes at once --

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

// -- Types --

Deno.test("handles are invariant in their message type", () => {
  const [tx, rx] = channel<number>(1);
  const [utx, urx] = unboundedChannel<number>();
  // @ts-expect-error: a Sender<number> must not accept strings.
  const wide: Sender<number | string> = tx;
  // @ts-expect-error: nor a Receiver<number> promise strings.
  const narrow: Receiver<string> = rx;
  // @ts-expect-error: nor an UnboundedSender<number> accept strings.
  const wideUnbounded: UnboundedSender<number | string> = utx;
  const weak = tx.downgrade();
  // @ts-expect-error: nor a WeakSender<number> upgrade to a wider sender.
  const wideWeak: WeakSender<number | string> = weak;
  const permit = tx.tryReserve();
  // @ts-expect-error: nor a Permit<number> send strings.
  const widePermit: Permit<number | string> = permit;
  void [wide, narrow, wideUnbounded, wideWeak, widePermit];
  permit.dispose();
  weak.dispose();
  tx.dispose();
  rx.dispose();
  utx.dispose();
  urx.dispose();
});

// -- Inspection --

Deno.test("Deno.inspect() shows a handle's state and never a message", () => {
  const [tx, rx] = channel<string>(4);
  tx.trySend("secret");
  const shown = Deno.inspect([tx, rx]);
  assertMatch(
    shown,
    /Sender \{ capacity: 3, maxCapacity: 4, strongCount: 1, closed: false \}/,
  );
  assertMatch(
    shown,
    /Receiver \{ len: 1, capacity: 3, maxCapacity: 4, closed: false \}/,
  );
  assertNotMatch(shown, /secret/);
  tx.dispose();
  assertStrictEquals(Deno.inspect(tx), "Sender { disposed: true }");
  rx.dispose();
  assertStrictEquals(Deno.inspect(rx), "Receiver { disposed: true }");
  const [utx, urx] = unboundedChannel<string>();
  utx.send("secret");
  assertNotMatch(Deno.inspect([utx, urx, utx.downgrade()]), /secret/);
  assertNotMatch(Deno.inspect(new SendError("secret")), /secret/);
  utx.dispose();
  urx.dispose();
});

// -- Messages that say what happened --

Deno.test("Sender.reserveMany() beyond capacity names the capacity", async () => {
  const [tx, rx] = channel<number>(2);
  const error = await assertRejects(() => tx.reserveMany(3), SendError);
  assertStringIncludes(error.message, "capacity is 2");
  assertNotMatch(error.message, /closed/);
  tx.dispose();
  rx.dispose();
});

Deno.test("Permit.send() used twice says it was used, not disposed", () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  permit.send(1);
  const error = assertThrows(() => permit.send(2), ReferenceError);
  assertStringIncludes(error.message, "already used");
  tx.dispose();
  rx.dispose();
});

Deno.test("argument errors describe undefined as undefined", async () => {
  const [tx, rx] = channel<number>(2);
  const error = await assertRejects(
    () => tx.reserveMany(undefined as unknown as number),
    TypeError,
  );
  assertStringIncludes(error.message, "received undefined");
  assertInstanceOf(error, TypeError);
  tx.dispose();
  rx.dispose();
});

// -- Cancellable iteration --

Deno.test("Receiver.values() stops on an abort and takes nothing", async () => {
  const [tx, rx] = channel<number>(4);
  const controller = new AbortController();
  const got: number[] = [];
  const loop = (async () => {
    for await (const n of rx.values({ signal: controller.signal })) got.push(n);
  })();
  await tx.send(1);
  await settle();
  controller.abort(new Error("stop"));
  await assertRejects(() => loop, Error, "stop");
  await tx.send(2);
  assertEquals(got, [1]);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

Deno.test("UnboundedReceiver.values() stops on an abort and takes nothing", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const controller = new AbortController();
  const iterator = rx.values({ signal: controller.signal });
  const step = iterator.next();
  controller.abort(new Error("stop"));
  await assertRejects(() => step, Error, "stop");
  tx.send(1);
  assertStrictEquals(rx.tryRecv(), 1);
  await nextMacrotask();
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

Deno.test("toReadableStream() with keepOpen puts a taken message back before a message sent right after the cancel", async () => {
  const [tx, rx] = channel<string>(4);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const reading = reader.read();
  await settle();
  tx.trySend("first");
  const cancelling = reader.cancel();
  tx.trySend("second");
  assertStrictEquals(rx.tryRecv(), "first");
  assertStrictEquals(rx.tryRecv(), "second");
  await cancelling;
  await reading;
  tx.dispose();
  rx.dispose();
});
