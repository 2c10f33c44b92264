// Copyright 2026 the @seed/mpsc authors. MIT license.
// What bounded and unbounded channels share, tested on both kinds.

import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  fail,
} from "@std/assert";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  channel,
  type Receiver,
  type Sender,
  SendError,
  unboundedChannel,
  type UnboundedSender,
} from "../mod.ts";
import {
  type AnySender,
  type Kind,
  type KindName,
  kindsTest,
} from "./_kinds.ts";
import { assertThrowsTryRecvError, stateOf } from "./_util.ts";

/**
 * Queues `count` fresh objects without waiting; returns weak references to
 * them. A function of its own, so no local keeps one alive.
 */
function sendTracked(
  kind: Kind,
  tx: AnySender<object>,
  count: number,
): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const message = { payload: new Array(100).fill(i) };
    refs.push(new WeakRef(message));
    kind.put(tx, message);
  }
  return refs;
}

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

// -- Disposal --

kindsTest({
  bounded: "Sender.dispose() and [Symbol.dispose]() dispose once, idempotently",
  unbounded:
    "UnboundedSender.dispose() and [Symbol.dispose]() dispose once, idempotently",
}, ({ make }) => {
  const [tx, rx] = make<number>();
  const clone = tx.clone();
  assertStrictEquals(rx.senderStrongCount(), 2);
  clone[Symbol.dispose]();
  clone.dispose();
  clone.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
  tx[Symbol.dispose]();
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.isClosed(), true);
  rx.dispose();
});

kindsTest({
  bounded:
    "WeakSender.dispose() and [Symbol.dispose]() dispose once, idempotently",
  unbounded:
    "WeakUnboundedSender.dispose() and [Symbol.dispose]() dispose once, idempotently",
}, ({ make }) => {
  const [tx, rx] = make<number>();
  const weak = tx.downgrade();
  const other = weak.clone();
  assertStrictEquals(rx.senderWeakCount(), 2);
  weak[Symbol.dispose]();
  weak.dispose();
  weak.dispose();
  assertStrictEquals(rx.senderWeakCount(), 1);
  other.dispose();
  assertStrictEquals(rx.senderWeakCount(), 0);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded:
    "Receiver.dispose() and [Symbol.dispose]() dispose once, idempotently",
  unbounded:
    "UnboundedReceiver.dispose() and [Symbol.dispose]() dispose once, idempotently",
}, ({ make }) => {
  const [tx, rx] = make<number>();
  rx[Symbol.dispose]();
  rx.dispose();
  rx.dispose();
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

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

// Rows of a table that name a kind run on that kind only; the others on
// both.

kindsTest({
  bounded:
    "Sender throws or rejects ReferenceError from every method after dispose",
  unbounded:
    "UnboundedSender throws or rejects ReferenceError from every method after dispose",
}, async (kind, t) => {
  const [tx, rx] = kind.make<number>(1);
  const other = tx.clone();
  tx.dispose();
  // The calls only one kind has, through that kind's type.
  const b = tx as Sender<number>;
  const u = tx as UnboundedSender<number>;
  const sync: [string, () => unknown, KindName?][] = [
    ["send", () => u.send(1), "unbounded"],
    ["trySend", () => b.trySend(1), "bounded"],
    ["isClosed", () => tx.isClosed()],
    ["tryReserve", () => b.tryReserve(), "bounded"],
    ["tryReserveMany", () => b.tryReserveMany(1), "bounded"],
    ["tryReserveOwned", () => b.tryReserveOwned(), "bounded"],
    ["sameChannel", () => b.sameChannel(other as Sender<number>)],
    ["capacity", () => b.capacity(), "bounded"],
    ["maxCapacity", () => b.maxCapacity(), "bounded"],
    ["clone", () => tx.clone()],
    ["downgrade", () => tx.downgrade()],
    ["strongCount", () => tx.strongCount()],
    ["weakCount", () => tx.weakCount()],
  ];
  for (const [name, call, only] of sync) {
    if (only !== undefined && only !== kind.name) continue;
    await t.step(`${name}() throws`, () => {
      assertThrows(call, ReferenceError);
    });
  }
  const async: [string, () => Promise<unknown>, KindName?][] = [
    ["send", () => b.send(1), "bounded"],
    ["sendTimeout", () => b.sendTimeout(1, 10), "bounded"],
    ["reserve", () => b.reserve(), "bounded"],
    ["reserveMany", () => b.reserveMany(1), "bounded"],
    ["reserveOwned", () => b.reserveOwned(), "bounded"],
  ];
  for (const [name, call, only] of async) {
    if (only !== undefined && only !== kind.name) continue;
    await t.step(`${name}() rejects`, async () => {
      // A synchronous throw fails the test: the call must reject instead.
      const promise = call();
      await assertRejects(() => promise, ReferenceError);
    });
  }
  await t.step("closed() rejects", async () => {
    const promise = tx.closed();
    await assertRejects(() => promise, ReferenceError);
  });
  // Nothing of the above touched the channel.
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.len(), 0);
  if (kind.name === "bounded") {
    assertStrictEquals((other as Sender<number>).capacity(), 1);
  }
  other.dispose();
  rx.dispose();
});

kindsTest({
  bounded:
    "Receiver throws or rejects ReferenceError from every method after dispose",
  unbounded:
    "UnboundedReceiver throws or rejects ReferenceError from every method after dispose",
}, async (kind, t) => {
  const [tx, rx] = kind.make<number>(1);
  rx.dispose();
  const b = rx as Receiver<number>;
  const sync: [string, () => unknown, KindName?][] = [
    ["tryRecv", () => rx.tryRecv()],
    ["close", () => rx.close()],
    ["isClosed", () => rx.isClosed()],
    ["isEmpty", () => rx.isEmpty()],
    ["len", () => rx.len()],
    ["capacity", () => b.capacity(), "bounded"],
    ["maxCapacity", () => b.maxCapacity(), "bounded"],
    ["senderStrongCount", () => rx.senderStrongCount()],
    ["senderWeakCount", () => rx.senderWeakCount()],
  ];
  for (const [name, call, only] of sync) {
    if (only !== undefined && only !== kind.name) continue;
    await t.step(`${name}() throws`, () => {
      assertThrows(call, ReferenceError);
    });
  }
  const async: [string, () => Promise<unknown>][] = [
    ["recv", () => rx.recv()],
    ["recvMany", () => rx.recvMany([], 1)],
  ];
  for (const [name, call] of async) {
    await t.step(`${name}() rejects`, async () => {
      // A synchronous throw fails the test: the call must reject instead.
      const promise = call();
      await assertRejects(() => promise, ReferenceError);
    });
  }
  await t.step("for await rejects", async () => {
    await assertRejects(async () => {
      for await (const _ of rx) fail("no message expected");
    }, ReferenceError);
  });
  tx.dispose();
});

kindsTest({
  bounded: "WeakSender throws ReferenceError from every method after dispose",
  unbounded:
    "WeakUnboundedSender throws ReferenceError from every method after dispose",
}, ({ make }) => {
  const [tx, rx] = make<number>(1);
  const weak = tx.downgrade();
  weak.dispose();
  assertThrows(() => weak.upgrade(), ReferenceError);
  assertThrows(() => weak.strongCount(), ReferenceError);
  assertThrows(() => weak.weakCount(), ReferenceError);
  assertThrows(() => weak.clone(), ReferenceError);
  assertStrictEquals(rx.senderWeakCount(), 0);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded: "channel() handles and permits have no then member",
  unbounded: "unboundedChannel() handles have no then member",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(4);
  const handles: object[] = [
    tx,
    rx,
    tx.downgrade(),
    rx[Symbol.asyncIterator](),
  ];
  if (kind.name === "bounded") {
    const b = tx as Sender<number>;
    handles.push(
      await b.reserve(),
      await b.reserveMany(1),
      await b.clone().reserveOwned(),
    );
  }
  for (const handle of handles) assertStrictEquals("then" in handle, false);
  tx.dispose();
  rx.dispose();
});

// -- Sender lifetime --

kindsTest({
  bounded: "WeakSender does not keep the channel open",
  unbounded: "WeakUnboundedSender does not keep the channel open",
}, async ({ make }) => {
  const [tx, rx] = make<number>();
  const weak = tx.downgrade();
  const received = rx.recv();
  tx.dispose();
  assertStrictEquals(await received, undefined);
  assertStrictEquals(weak.upgrade(), undefined);
  assertStrictEquals(weak.strongCount(), 0);
  assertStrictEquals(weak.weakCount(), 1);
  weak.dispose();
  rx.dispose();
});

kindsTest({
  bounded:
    "Sender.dispose() of the last strong sender closes at once; buffered messages stay receivable",
  unbounded:
    "UnboundedSender.dispose() of the last strong sender closes at once; buffered messages stay receivable",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(4);
  const weak = tx.downgrade();
  kind.put(tx, 0);
  kind.put(tx, 1);
  tx.dispose();
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(weak.upgrade(), undefined);
  assertStrictEquals(rx.tryRecv(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  assertStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(weak.upgrade(), undefined);
  weak.dispose();
  rx.dispose();
});

// -- Concurrent receivers --

kindsTest({
  bounded: "Receiver.recv() serves concurrent calls in call order",
  unbounded: "UnboundedReceiver.recv() serves concurrent calls in call order",
}, async (kind) => {
  const [tx, rx] = kind.make<string>();
  const controller = new AbortController();
  const first = rx.recv();
  const second = rx.recv({ signal: controller.signal });
  const third = rx.recv();
  const fourth = rx.recv();
  // An aborted call leaves the line; the others keep their places.
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => second),
    controller.signal.reason,
  );
  kind.put(tx, "a");
  const late = rx.recv();
  kind.put(tx, "b");
  kind.put(tx, "c");
  assertStrictEquals(await first, "a");
  assertStrictEquals(await third, "b");
  assertStrictEquals(await fourth, "c");
  assertStrictEquals(await stateOf(late), "pending");
  tx.dispose();
  assertStrictEquals(await late, undefined);
  rx.dispose();
});

// -- Async iteration --

kindsTest({
  bounded:
    "Receiver[Symbol.asyncIterator]() does not close the receiver when the loop is left early",
  unbounded:
    "UnboundedReceiver[Symbol.asyncIterator]() does not close the receiver when the loop is left early",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(8);
  for (let i = 0; i < 3; i++) kind.put(tx, i);
  for await (const value of rx) {
    assertStrictEquals(value, 0);
    break;
  }
  assertStrictEquals(rx.isClosed(), false);
  assertStrictEquals(tx.isClosed(), false);
  kind.put(tx, 3);
  const rest: number[] = [];
  for await (const value of rx) {
    rest.push(value);
    if (value === 3) break;
  }
  assertEquals(rest, [1, 2, 3]);
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded:
    "Receiver[Symbol.asyncIterator]() ends a pending step when the receiver is disposed",
  unbounded:
    "UnboundedReceiver[Symbol.asyncIterator]() ends a pending step when the receiver is disposed",
}, async ({ make }) => {
  const [tx, rx] = make<number>(1);
  const iterator = rx[Symbol.asyncIterator]();
  const step = iterator.next();
  assertStrictEquals(await stateOf(step), "pending");
  rx.dispose();
  assertEquals(await step, { value: undefined, done: true });
  tx.dispose();
});

// -- Closing and draining --

kindsTest({
  bounded:
    "Receiver.dispose() lets the garbage collector reclaim the buffered messages",
  unbounded:
    "UnboundedReceiver.dispose() lets the garbage collector reclaim the buffered messages",
}, async (kind) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert(gc, "run with --v8-flags=--expose-gc");
  const [tx, rx] = kind.make<object>(64);
  const refs = sendTracked(kind, tx, 40);
  rx.dispose();
  // WeakRef targets live until the current job ends.
  await nextMacrotask();
  gc();
  assertEquals(refs.map((ref) => ref.deref()), refs.map(() => undefined));
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

// -- recvMany() edge cases --

kindsTest({
  bounded:
    "Receiver.recvMany() rejects with RangeError or TypeError for a bad limit",
  unbounded:
    "UnboundedReceiver.recvMany() rejects with RangeError or TypeError for a bad limit",
}, async (kind, t) => {
  const cases: [unknown, ErrorConstructor][] = [
    [-1, RangeError],
    [0.5, RangeError],
    [1.5, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    [2 ** 53, RangeError],
    ["1", TypeError],
    ["2", TypeError],
    [undefined, TypeError],
  ];
  for (const [limit, expected] of cases) {
    await t.step(String(limit), async () => {
      const [tx, rx] = kind.make<number>(2);
      kind.put(tx, 1);
      const buffer: number[] = [];
      // A synchronous throw fails the test: the call must reject instead.
      const promise = rx.recvMany(buffer, limit as number);
      const error = await assertRejects(() => promise, expected);
      assertMatch(error.message, /limit/);
      assertEquals(buffer, []);
      assertStrictEquals(rx.len(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
});

// -- Debug output --

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
