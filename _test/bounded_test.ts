// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { assertSpyCall, assertSpyCalls, spy } from "@std/testing/mock";
import { FakeTime } from "@std/testing/time";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  assertRejectsSendTimeoutError,
  assertThrowsTryRecvError,
  assertThrowsTrySendError,
  stateOf,
} from "./_util.ts";
import {
  channel,
  MAX_BUFFER,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "../mod.ts";
import type { Permit, Sender } from "../mod.ts";

/** Fills the channel of `tx` with `count` messages, without waiting. */
function fill(tx: Sender<number>, count: number): void {
  for (let i = 0; i < count; i++) tx.trySend(i);
}

// -- channel() and MAX_BUFFER --

Deno.test("MAX_BUFFER is the largest safe integer", () => {
  assertStrictEquals(MAX_BUFFER, Number.MAX_SAFE_INTEGER);
});

Deno.test("channel() accepts every buffer from 1 to MAX_BUFFER without allocating for it", () => {
  for (const buffer of [1, 2, 32, 33, 1_000_000, 2 ** 40, MAX_BUFFER]) {
    const [tx, rx] = channel<number>(buffer);
    assertStrictEquals(tx.maxCapacity(), buffer);
    assertStrictEquals(tx.capacity(), buffer);
    assertStrictEquals(rx.maxCapacity(), buffer);
    assertStrictEquals(rx.capacity(), buffer);
    tx.trySend(1);
    assertStrictEquals(tx.capacity(), buffer - 1);
    rx.dispose();
    tx.dispose();
  }
});

Deno.test("channel() throws RangeError for a buffer out of range, naming buffer, range and value", async (t) => {
  for (
    const buffer of [
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      -Infinity,
      MAX_BUFFER + 1,
      2 ** 53,
      -0.5,
    ]
  ) {
    await t.step(String(buffer), () => {
      const error = assertThrows(() => channel(buffer), RangeError);
      assertMatch(error.message, /buffer/);
      assertStringIncludes(error.message, String(MAX_BUFFER));
      assertStringIncludes(error.message, String(buffer));
    });
  }
});

Deno.test("channel() throws TypeError for a buffer that is not a number", async (t) => {
  for (const buffer of ["1", null, undefined, 1n, {}, [1], new Number(1)]) {
    await t.step(String(buffer), () => {
      const error = assertThrows(() => channel(buffer as number), TypeError);
      assertMatch(error.message, /buffer/);
    });
  }
});

// -- Disposal --

Deno.test("Permit.dispose() and [Symbol.dispose]() are idempotent and give the slot back once", () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  const other = tx.tryReserve();
  assertStrictEquals(tx.capacity(), 0);
  permit[Symbol.dispose]();
  permit.dispose();
  permit.dispose();
  assertStrictEquals(tx.capacity(), 1);
  other.send(1);
  other.dispose();
  assertStrictEquals(tx.capacity(), 1);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.dispose() and [Symbol.dispose]() are idempotent and give back the rest once", () => {
  const [tx, rx] = channel<number>(4);
  const permits = tx.tryReserveMany(3);
  assertStrictEquals(tx.capacity(), 1);
  const first = permits.next();
  assertStrictEquals(first.done, false);
  permits[Symbol.dispose]();
  permits.dispose();
  permits.dispose();
  // The permit taken out is still held.
  assertStrictEquals(tx.capacity(), 3);
  first.value!.dispose();
  assertStrictEquals(tx.capacity(), 4);
  tx.dispose();
  rx.dispose();
});

Deno.test("OwnedPermit.dispose() and [Symbol.dispose]() are idempotent and release slot and sender once", () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.clone().tryReserveOwned();
  assertStrictEquals(rx.senderStrongCount(), 2);
  assertStrictEquals(tx.capacity(), 1);
  owned[Symbol.dispose]();
  owned.dispose();
  owned.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("channel() handles and permits are disposed by using at the end of a block", () => {
  const [tx, rx] = channel<number>(8);
  {
    using clone = tx.clone();
    using weak = tx.downgrade();
    using permit = tx.tryReserve();
    using permits = tx.tryReserveMany(2);
    using owned = tx.clone().tryReserveOwned();
    assertStrictEquals(clone.strongCount(), 3);
    assertStrictEquals(weak.weakCount(), 1);
    assertStrictEquals(permits.len(), 2);
    assertStrictEquals(owned.sameChannel(owned), true);
    assert(permit);
    assertStrictEquals(tx.capacity(), 4);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 0);
  assertStrictEquals(tx.capacity(), 8);
  {
    using receiver = rx;
    assertStrictEquals(receiver.isClosed(), false);
  }
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("channel() handles and permits are disposed by await using at the end of a block", async () => {
  const [tx, rx] = channel<number>(8);
  {
    await using clone = tx.clone();
    await using weak = tx.downgrade();
    await using permit = await tx.reserve();
    await using permits = await tx.reserveMany(2);
    await using owned = await tx.clone().reserveOwned();
    assertStrictEquals(clone.strongCount(), 3);
    assertStrictEquals(weak.weakCount(), 1);
    assertStrictEquals(permits.len(), 2);
    assertStrictEquals(owned.sameChannelAsSender(tx), true);
    assert(permit);
    assertStrictEquals(tx.capacity(), 4);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 0);
  assertStrictEquals(tx.capacity(), 8);
  {
    await using receiver = rx;
    assertStrictEquals(receiver.isClosed(), false);
  }
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Permit disposed by using after send() has no further effect", () => {
  const [tx, rx] = channel<number>(1);
  {
    using permit = tx.tryReserve();
    permit.send(1);
  }
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Permit.send() throws ReferenceError after dispose or a first send", () => {
  const [tx, rx] = channel<number>(2);
  const disposed = tx.tryReserve();
  disposed.dispose();
  assertThrows(() => disposed.send(1), ReferenceError);
  const used = tx.tryReserve();
  assertStrictEquals(used.send(2), undefined);
  assertThrows(() => used.send(3), ReferenceError);
  assertStrictEquals(rx.tryRecv(), 2);
  assertThrows(() => rx.tryRecv(), TryRecvError);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.len() throws ReferenceError after dispose", () => {
  const [tx, rx] = channel<number>(2);
  const permits = tx.tryReserveMany(2);
  permits.dispose();
  assertThrows(() => permits.len(), ReferenceError);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.next() throws ReferenceError after dispose", () => {
  const [tx, rx] = channel<number>(2);
  const permits = tx.tryReserveMany(2);
  permits.dispose();
  assertThrows(() => permits.next(), ReferenceError);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("OwnedPermit throws ReferenceError from every method once disposed, sent or released", () => {
  const [tx, rx] = channel<number>(3);
  const disposed = tx.clone().tryReserveOwned();
  disposed.dispose();
  const sent = tx.clone().tryReserveOwned();
  sent.send(1).dispose();
  const released = tx.clone().tryReserveOwned();
  released.release().dispose();
  const live = tx.clone().tryReserveOwned();
  for (const permit of [disposed, sent, released]) {
    assertThrows(() => permit.send(1), ReferenceError);
    assertThrows(() => permit.release(), ReferenceError);
    assertThrows(() => permit.sameChannel(live), ReferenceError);
    assertThrows(() => permit.sameChannelAsSender(tx), ReferenceError);
    permit.dispose();
  }
  assertStrictEquals(rx.senderStrongCount(), 2);
  assertStrictEquals(tx.capacity(), 1);
  live.dispose();
  assertStrictEquals(tx.capacity(), 2);
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

// -- Sender lifetime --

Deno.test("Sender.dispose() keeps the channel open while a Permit from it is outstanding", async () => {
  const [tx, rx] = channel<number>(2);
  const weak = tx.downgrade();
  const permit = await tx.reserve();
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(weak.strongCount(), 1);
  assertStrictEquals(rx.isClosed(), false);
  const upgraded = weak.upgrade();
  assert(upgraded !== undefined);
  upgraded.dispose();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  permit.send(7);
  assertStrictEquals(await received, 7);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(weak.upgrade(), undefined);
  assertStrictEquals(await rx.recv(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open until its disposed Permit is disposed", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  tx.dispose();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  permit.dispose();
  assertStrictEquals(await received, undefined);
  assertStrictEquals(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open while a PermitIterator from it is outstanding", async () => {
  const [tx, rx] = channel<number>(3);
  const permits = await tx.reserveMany(2);
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  const first = permits.next().value!;
  first.send(1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 1);
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  permits.dispose();
  assertStrictEquals(await received, undefined);
  assertStrictEquals(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open while a Permit taken from a PermitIterator is outstanding", async () => {
  const [tx, rx] = channel<number>(3);
  const permits = tx.tryReserveMany(2);
  const [first, second] = [...permits];
  tx.dispose();
  permits.dispose();
  first!.send(1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 1);
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  second!.send(2);
  assertStrictEquals(await received, 2);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() lets a pending send() complete and counts the sender until then", async () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  fill(tx, 1);
  const sending = tx.send(2);
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.isClosed(), false);
  const upgraded = weak.upgrade();
  assert(upgraded);
  upgraded.dispose();
  assertStrictEquals(await rx.recv(), 0);
  await sending;
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 2);
  assertStrictEquals(await rx.recv(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("Sender.dispose() lets a pending reserve() complete with a usable Permit", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserve();
  const clone = tx.clone();
  const reservingMany = clone.reserveMany(1);
  clone.dispose();
  tx.dispose();
  // Each disposed sender still counts: each has a call pending.
  assertStrictEquals(rx.senderStrongCount(), 2);
  assertStrictEquals(await rx.recv(), 0);
  const permit = await reserving;
  assertStrictEquals(rx.senderStrongCount(), 2);
  permit.send(1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 1);
  const permits = await reservingMany;
  assertStrictEquals(permits.len(), 1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  const last = permits.next().value!;
  assertStrictEquals(rx.senderStrongCount(), 1);
  last.send(2);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 2);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() releases the count once its pending send() is aborted", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const sending = tx.send(2, { signal: controller.signal });
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => sending),
    controller.signal.reason,
  );
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() releases the count once its pending reserve() fails on close", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserve();
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  rx.close();
  await assertRejects(() => reserving, SendError);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

// -- reserveOwned() and tryReserveOwned() --

Deno.test("Sender.reserveOwned() consumes the sender at the call", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserveOwned();
  assertThrows(() => tx.capacity(), ReferenceError);
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 0);
  const owned = await reserving;
  assertStrictEquals(rx.senderStrongCount(), 1);
  const sender = owned.send(5);
  assertStrictEquals(sender.strongCount(), 1);
  assertStrictEquals(sender.capacity(), 0);
  assertStrictEquals(await rx.recv(), 5);
  sender.dispose();
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when the channel is closed", async () => {
  const [tx, rx] = channel<number>(1);
  const clone = tx.clone();
  rx.close();
  await assertRejects(() => clone.reserveOwned(), SendError);
  assertStrictEquals(tx.strongCount(), 1);
  clone.dispose();
  assertStrictEquals(tx.strongCount(), 1);
  assertThrows(() => clone.trySend(1), ReferenceError);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when closed while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.clone().reserveOwned();
  assertStrictEquals(tx.strongCount(), 2);
  rx.close();
  await assertRejects(() => reserving, SendError);
  assertStrictEquals(tx.strongCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when aborted while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserveOwned({ signal: controller.signal });
  assertStrictEquals(rx.senderStrongCount(), 1);
  controller.abort(new Error("stop"));
  assertStrictEquals(
    await assertRejects(() => reserving),
    controller.signal.reason,
  );
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() consumes the sender only on success", () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  assertThrows(() => tx.trySend(1), ReferenceError);
  assertStrictEquals(rx.senderStrongCount(), 1);
  const sender = owned.release();
  assertStrictEquals(sender.capacity(), 1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  sender.dispose();
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() hands the same usable sender back when full", () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const error = assertThrows(() => tx.tryReserveOwned(), TrySendError);
  assertStrictEquals(error.kind, "full");
  assertStrictEquals(error.value, tx);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(rx.tryRecv(), 0);
  const owned = tx.tryReserveOwned();
  owned.send(1).dispose();
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(rx.isClosed(), true);
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() hands the same usable sender back when closed", () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  const error = assertThrows(() => tx.tryReserveOwned(), TrySendError);
  assertStrictEquals(error.kind, "closed");
  assertStrictEquals(error.value, tx);
  assertStrictEquals(tx.isClosed(), true);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("OwnedPermit.send() returns the sender and consumes the permit", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = await tx.reserveOwned();
  const sender = owned.send(1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(sender.capacity(), 1);
  owned.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 1);
  sender.dispose();
  assertStrictEquals(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("OwnedPermit.release() gives the slot back and returns the sender", () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  assertStrictEquals(rx.capacity(), 0);
  const sender = owned.release();
  assertStrictEquals(rx.capacity(), 1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  sender.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  sender.dispose();
  rx.dispose();
});

Deno.test("OwnedPermit.dispose() closes the channel when it owns the last sender", async () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  owned.dispose();
  assertStrictEquals(await received, undefined);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.capacity(), 1);
  rx.dispose();
});

Deno.test("OwnedPermit.sameChannel() and sameChannelAsSender() compare channels", () => {
  const [tx, rx] = channel<number>(4);
  const [otherTx, otherRx] = channel<number>(4);
  const a = tx.clone().tryReserveOwned();
  const b = tx.clone().tryReserveOwned();
  const c = otherTx.clone().tryReserveOwned();
  assertStrictEquals(a.sameChannel(b), true);
  assertStrictEquals(a.sameChannel(a), true);
  assertStrictEquals(a.sameChannel(c), false);
  assertStrictEquals(a.sameChannelAsSender(tx), true);
  assertStrictEquals(a.sameChannelAsSender(otherTx), false);
  assertStrictEquals(c.sameChannelAsSender(otherTx), true);
  assertStrictEquals(tx.sameChannel(otherTx), false);
  assertStrictEquals(tx.sameChannel(tx.clone()), true);
  for (const handle of [a, b, c, tx, rx, otherTx, otherRx]) handle.dispose();
});

// -- Concurrent receivers --

Deno.test("Receiver.recv() does not let a later call take a message owed to a waiting one", async () => {
  const [tx, rx] = channel<string>(8);
  const first = rx.recv();
  tx.trySend("a");
  const second = rx.recv();
  tx.trySend("b");
  assertStrictEquals(await first, "a");
  assertStrictEquals(await second, "b");
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() and recvMany() called concurrently lose and repeat nothing", async () => {
  const [tx, rx] = channel<number>(16);
  const buffer: number[] = [];
  const first = rx.recv();
  const many = rx.recvMany(buffer, 3);
  const last = rx.recv();
  for (let i = 0; i < 6; i++) tx.trySend(i);
  tx.dispose();
  const [a, count, z] = await Promise.all([first, many, last]);
  assertStrictEquals(a, 0);
  assertStrictEquals(count, buffer.length);
  assert(count >= 1 && count <= 3);
  const rest: number[] = [];
  await rx.recvMany(rest, 16);
  const all = [a, ...buffer, z, ...rest].sort((x, y) => x! - y!);
  assertEquals(all, [0, 1, 2, 3, 4, 5]);
  assertEquals(buffer, Array.from(buffer, (_, i) => i + 1));
  rx.dispose();
});

Deno.test("Receiver.recv() settles every concurrent call once the channel is finished", async () => {
  const [tx, rx] = channel<number>(2);
  const receiving = [rx.recv(), rx.recv(), rx.recvMany([], 2), rx.recv()];
  tx.trySend(1);
  tx.dispose();
  assertEquals(await Promise.all(receiving), [1, undefined, 0, undefined]);
  rx.dispose();
});

// -- Async iteration --

Deno.test("Receiver[Symbol.asyncIterator]() does not close the receiver when the loop throws", async () => {
  const [tx, rx] = channel<number>(8);
  fill(tx, 2);
  const error = await assertRejects(async () => {
    for await (const _ of rx) throw new Error("boom");
  }, Error);
  assertStrictEquals(error.message, "boom");
  assertStrictEquals(rx.isClosed(), false);
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() ends after close() once drained", async () => {
  const [tx, rx] = channel<number>(8);
  fill(tx, 2);
  rx.close();
  const received: number[] = [];
  for await (const value of rx) received.push(value);
  assertEquals(received, [0, 1]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() waits for messages and ends with the last sender", async () => {
  const [tx, rx] = channel<number>(1);
  const received: number[] = [];
  const consuming = (async () => {
    for await (const value of rx) received.push(value);
  })();
  for (let i = 0; i < 5; i++) await tx.send(i);
  tx.dispose();
  await consuming;
  assertEquals(received, [0, 1, 2, 3, 4]);
  rx.dispose();
});

// -- Closing and draining --

Deno.test("Receiver.close() fails later sends and reservations but keeps buffered messages", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(tx.isClosed(), true);
  const error = await assertRejects(() => tx.send(9), SendError);
  assertStrictEquals(error.value, 9);
  assertThrowsTrySendError(() => tx.trySend(9), { kind: "closed" });
  await assertRejects(() => tx.reserve(), SendError);
  await assertRejects(() => tx.reserveMany(1), SendError);
  await assertRejectsSendTimeoutError(tx.sendTimeout(9, 10), {
    kind: "closed",
  });
  assertThrowsTrySendError(() => tx.tryReserve(), { kind: "closed" });
  assertThrowsTrySendError(() => tx.tryReserveMany(1), { kind: "closed" });
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(await rx.recv(), undefined);
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() is idempotent", async () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  rx.close();
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(await rx.recv(), undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() fails queued waiters oldest first", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const order: string[] = [];
  const waiters = [
    tx.send(1).catch((e) => order.push(`send ${e.name} ${e.value}`)),
    tx.reserve().catch((e) => order.push(`reserve ${e.name}`)),
    tx.reserveMany(1).catch((e) => order.push(`reserveMany ${e.name}`)),
    tx.sendTimeout(2, 60_000).catch((e) =>
      order.push(`sendTimeout ${e.kind} ${e.value}`)
    ),
    tx.clone().reserveOwned().catch((e) =>
      order.push(`reserveOwned ${e.name}`)
    ),
  ];
  assertStrictEquals(await stateOf(waiters[0]!), "pending");
  rx.close();
  await Promise.all(waiters);
  assertEquals(order, [
    "send SendError 1",
    "reserve SendError",
    "reserveMany SendError",
    "sendTimeout closed 2",
    "reserveOwned SendError",
  ]);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() resolves every closed() promise", async () => {
  const [tx, rx] = channel<number>(1);
  const clone = tx.clone();
  const closing = [tx.closed(), tx.closed(), clone.closed()];
  assertStrictEquals(await stateOf(closing[0]!), "pending");
  rx.close();
  await Promise.all(closing);
  await tx.closed();
  assertStrictEquals(clone.isClosed(), true);
  tx.dispose();
  clone.dispose();
  rx.dispose();
});

Deno.test("Sender.closed() resolves when the receiver is disposed", async () => {
  const [tx, rx] = channel<number>(1);
  const closing = tx.closed();
  rx.dispose();
  await closing;
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Receiver.close() lets a Permit obtained before it send, and recv() gets the message", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = await tx.reserve();
  rx.close();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  permit.send(5);
  assertStrictEquals(await received, 5);
  assertStrictEquals(await rx.recv(), undefined);
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() after close() waits for an outstanding Permit to be disposed", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  rx.close();
  tx.dispose();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  permit.dispose();
  assertStrictEquals(await received, undefined);
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  rx.dispose();
});

Deno.test("Receiver.recvMany() after close() waits for an outstanding PermitIterator", async () => {
  const [tx, rx] = channel<number>(4);
  const permits = tx.tryReserveMany(3);
  rx.close();
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 4);
  assertStrictEquals(await stateOf(receiving), "pending");
  permits.next().value!.send(1);
  assertStrictEquals(await receiving, 1);
  const next = rx.recvMany(buffer, 4);
  assertStrictEquals(await stateOf(next), "pending");
  // Leaving a for...of over the iterator early gives the rest back.
  for (const permit of permits) {
    permit.send(2);
    break;
  }
  assertStrictEquals(await next, 1);
  assertStrictEquals(await rx.recvMany(buffer, 4), 0);
  assertEquals(buffer, [1, 2]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() after close() waits for an outstanding OwnedPermit", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.clone().tryReserveOwned();
  const other = tx.clone().tryReserveOwned();
  rx.close();
  const received = rx.recv();
  assertStrictEquals(await stateOf(received), "pending");
  const sender = owned.send(1);
  assertStrictEquals(await received, 1);
  const next = rx.recv();
  assertStrictEquals(await stateOf(next), "pending");
  const released = other.release();
  assertStrictEquals(await next, undefined);
  assertStrictEquals(released.isClosed(), true);
  for (const handle of [tx, rx, sender, released]) handle.dispose();
});

Deno.test("Receiver.close() fails a partially collected reserveMany() and gives its permits back", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const reserving = tx.reserveMany(3);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 0);
  rx.close();
  await assertRejects(() => reserving, SendError);
  assertStrictEquals(tx.capacity(), 2);
  // Nothing is outstanding, so the receiver does not wait after the drain.
  assertStrictEquals(await rx.recv(), 2);
  const ended = rx.recv();
  assertStrictEquals(await stateOf(ended), "fulfilled");
  assertStrictEquals(await ended, undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() ends a pending recv() unless a permit is outstanding", async () => {
  const [tx, rx] = channel<number>(2);
  const idle = rx.recv();
  rx.close();
  assertStrictEquals(await idle, undefined);
  const [tx2, rx2] = channel<number>(2);
  const permit = tx2.tryReserve();
  const waiting = rx2.recv();
  rx2.close();
  assertStrictEquals(await stateOf(waiting), "pending");
  permit.send(1);
  assertStrictEquals(await waiting, 1);
  assertStrictEquals(await rx2.recv(), undefined);
  for (const handle of [tx, rx, tx2, rx2]) handle.dispose();
});

Deno.test("Receiver.close() lets an OwnedPermit obtained before it send", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.tryReserveOwned();
  rx.close();
  const sender = owned.send(1);
  assertStrictEquals(sender.isClosed(), true);
  assertStrictEquals(await rx.recv(), 1);
  // A live sender is not a permit: a closed channel ends when drained.
  assertStrictEquals(await rx.recv(), undefined);
  sender.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() with waiting senders leaves the receiver free to drain and end", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sends = [tx.send(1), tx.send(2)];
  rx.close();
  for (const sending of sends) await assertRejects(() => sending, SendError);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.dispose() discards buffered messages and settles pending calls", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const sending = tx.send(3);
  const reserving = tx.reserve();
  rx.dispose();
  assertStrictEquals(tx.isClosed(), true);
  const error = await assertRejects(() => sending, SendError);
  assertStrictEquals(error.value, 3);
  await assertRejects(() => reserving, SendError);
  await tx.closed();
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
});

Deno.test("Receiver.dispose() settles pending recv() with undefined and recvMany() with 0", async () => {
  const [tx, rx] = channel<number>(2);
  const buffer = [7];
  const receiving = rx.recv();
  const receivingMany = rx.recvMany(buffer, 2);
  assertStrictEquals(await stateOf(receiving), "pending");
  rx.dispose();
  assertStrictEquals(await receiving, undefined);
  assertStrictEquals(await receivingMany, 0);
  assertEquals(buffer, [7]);
  tx.dispose();
});

Deno.test("Receiver.dispose() lets an outstanding Permit send, discards the message and keeps its slot", () => {
  const [tx, rx] = channel<{ n: number }>(2);
  const permit = tx.tryReserve();
  const permits = tx.tryReserveMany(1);
  assertStrictEquals(tx.capacity(), 0);
  rx.dispose();
  permit.send({ n: 1 });
  permits.next().value!.send({ n: 2 });
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Receiver.tryRecv() reports empty while a sender or a permit is alive", () => {
  const [tx, rx] = channel<number>(2);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  const weak = tx.downgrade();
  const permit = tx.tryReserve();
  tx.dispose();
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  permit.dispose();
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  weak.dispose();
  rx.dispose();
});

Deno.test("WeakSender.upgrade() succeeds while only an OwnedPermit holds the channel", () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  const owned = tx.tryReserveOwned();
  assertStrictEquals(weak.strongCount(), 1);
  const upgraded = weak.upgrade();
  assert(upgraded);
  assertStrictEquals(upgraded.strongCount(), 2);
  upgraded.dispose();
  owned.dispose();
  assertStrictEquals(weak.upgrade(), undefined);
  assertStrictEquals(rx.isClosed(), true);
  weak.dispose();
  rx.dispose();
});

// -- Capacity --

Deno.test("Sender.capacity() subtracts buffered messages and every kind of held permit", () => {
  const [tx, rx] = channel<number>(6);
  tx.trySend(1);
  assertStrictEquals(tx.capacity(), 5);
  const permit = tx.tryReserve();
  assertStrictEquals(tx.capacity(), 4);
  const permits = tx.tryReserveMany(2);
  assertStrictEquals(tx.capacity(), 2);
  const owned = tx.clone().tryReserveOwned();
  assertStrictEquals(tx.capacity(), 1);
  assertStrictEquals(rx.capacity(), 1);
  assertStrictEquals(tx.maxCapacity(), 6);
  assertStrictEquals(rx.maxCapacity(), 6);
  permit.dispose();
  permits.next().value!.dispose();
  assertStrictEquals(tx.capacity(), 3);
  permits.dispose();
  owned.release().dispose();
  assertStrictEquals(tx.capacity(), 5);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(tx.capacity(), 6);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.capacity() counts what a queued reserveMany() has collected so far", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const reserving = tx.reserveMany(3);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await stateOf(reserving), "pending");
  // No barging: the slots it holds are not up for grabs.
  assertThrowsTrySendError(() => tx.trySend(9), { kind: "full" });
  assertStrictEquals(await rx.recv(), 2);
  const permits = await reserving;
  assertStrictEquals(permits.len(), 3);
  assertStrictEquals(tx.capacity(), 0);
  permits.dispose();
  assertStrictEquals(tx.capacity(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("Permit.send() order decides message order, not reservation order", async () => {
  const [tx, rx] = channel<string>(4);
  const first = await tx.reserve();
  const second = await tx.reserve();
  const permits = tx.tryReserveMany(2);
  const [third, fourth] = [...permits];
  fourth!.send("d");
  second.send("b");
  first.send("a");
  third!.send("c");
  const received: string[] = [];
  assertStrictEquals(await rx.recvMany(received, 4), 4);
  assertEquals(received, ["d", "b", "a", "c"]);
  tx.dispose();
  rx.dispose();
});

// -- Fairness --

Deno.test("Sender.send() serves waiting senders first come, first served", async () => {
  const [tx, rx] = channel<string>(1);
  tx.trySend("0");
  const clone = tx.clone();
  const sends = [tx.send("a"), clone.send("b"), tx.send("c")];
  const received: string[] = [];
  for (let i = 0; i < 4; i++) received.push((await rx.recv())!);
  await Promise.all(sends);
  assertEquals(received, ["0", "a", "b", "c"]);
  tx.dispose();
  clone.dispose();
  rx.dispose();
});

Deno.test("Sender.trySend() and tryReserve*() do not barge past a waiting sender", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.send(1);
  // The slot this frees belongs to the waiting send.
  assertStrictEquals(rx.tryRecv(), 0);
  const error = assertThrows(() => tx.trySend(2), TrySendError);
  assertStrictEquals(error.kind, "full");
  assertStrictEquals(error.value, 2);
  assertThrowsTrySendError(() => tx.tryReserve(), { kind: "full" });
  assertThrowsTrySendError(() => tx.tryReserveMany(1), { kind: "full" });
  assertThrowsTrySendError(() => tx.tryReserveOwned(), {
    kind: "full",
    value: tx,
  });
  await sending;
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() that has to wait holds the free slots, so try*() report full", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  const reserving = tx.reserveMany(3);
  assertStrictEquals(tx.capacity(), 0);
  assertThrowsTrySendError(() => tx.trySend(9), { kind: "full", value: 9 });
  assertThrowsTrySendError(() => tx.tryReserve(), { kind: "full" });
  assertThrowsTrySendError(() => tx.tryReserveMany(1), { kind: "full" });
  assertStrictEquals(await stateOf(reserving), "pending");
  assertStrictEquals(await rx.recv(), 0);
  const permits = await reserving;
  assertStrictEquals(permits.len(), 3);
  assertStrictEquals(rx.len(), 1);
  permits.dispose();
  assertStrictEquals(tx.capacity(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted hands the free slots it held on to later waiters", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  const controller = new AbortController();
  const reservingMany = tx.reserveMany(3, { signal: controller.signal });
  const reserving = tx.reserve();
  assertStrictEquals(await stateOf(reserving), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reservingMany),
    controller.signal.reason,
  );
  const permit = await reserving;
  assertStrictEquals(tx.capacity(), 1);
  permit.dispose();
  assertStrictEquals(tx.capacity(), 2);
  assertStrictEquals(rx.len(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() at the head of the queue is served before smaller later requests", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const order: string[] = [];
  const many = tx.reserveMany(2).then((p) => (order.push("many"), p));
  const one = tx.reserve().then((p) => (order.push("one"), p));
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await stateOf(one), "pending");
  assertStrictEquals(await rx.recv(), 1);
  const permits = await many;
  assertStrictEquals(await stateOf(one), "pending");
  permits.dispose();
  (await one).dispose();
  assertEquals(order, ["many", "one"]);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() that timed out hands its place on", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const timingOut = tx.sendTimeout(1, 1);
  const sending = tx.send(2);
  await assertRejectsSendTimeoutError(timingOut, { kind: "timeout", value: 1 });
  assertStrictEquals(await rx.recv(), 0);
  await sending;
  assertStrictEquals(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

// -- reserveMany() edge cases --

Deno.test("Sender.reserveMany(0) and tryReserveMany(0) succeed at once with an empty iterator, even when full", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserveMany(0);
  assertStrictEquals(await stateOf(reserving), "fulfilled");
  for (const permits of [await reserving, tx.tryReserveMany(0)]) {
    assertStrictEquals(permits.len(), 0);
    assertEquals(permits.next(), { value: undefined, done: true });
    assertEquals([...permits], []);
    permits.dispose();
  }
  assertStrictEquals(tx.capacity(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany(0) and tryReserveMany(0) fail when closed", async () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  await assertRejects(() => tx.reserveMany(0), SendError);
  assertThrowsTrySendError(() => tx.tryReserveMany(0), { kind: "closed" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() beyond maxCapacity() rejects with SendError; tryReserveMany() throws full even when closed", async () => {
  const [tx, rx] = channel<number>(3);
  await assertRejects(() => tx.reserveMany(4), SendError);
  assertThrowsTrySendError(() => tx.tryReserveMany(4), { kind: "full" });
  assertStrictEquals(tx.capacity(), 3);
  rx.close();
  await assertRejects(() => tx.reserveMany(4), SendError);
  assertThrowsTrySendError(() => tx.tryReserveMany(4), { kind: "full" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany(maxCapacity()) succeeds on an empty channel", async () => {
  const [tx, rx] = channel<number>(40);
  const permits = await tx.reserveMany(40);
  assertStrictEquals(permits.len(), 40);
  assertStrictEquals(tx.capacity(), 0);
  let i = 0;
  for (const permit of permits) permit.send(i++);
  assertStrictEquals(permits.len(), 0);
  const received: number[] = [];
  assertStrictEquals(await rx.recvMany(received, 100), 40);
  assertEquals(received, Array.from({ length: 40 }, (_, i) => i));
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() rejects and tryReserveMany() throws RangeError for a bad count", async (t) => {
  for (
    const n of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, MAX_BUFFER + 2]
  ) {
    await t.step(String(n), async () => {
      const [tx, rx] = channel<number>(2);
      // A synchronous throw fails the test: the call must reject instead.
      const promise = tx.reserveMany(n);
      const error = await assertRejects(() => promise, RangeError);
      assertStringIncludes(error.message, String(n));
      assertThrows(() => tx.tryReserveMany(n), RangeError);
      assertStrictEquals(tx.capacity(), 2);
      tx.dispose();
      rx.dispose();
    });
  }
});

Deno.test("Sender.reserveMany() rejects and tryReserveMany() throws TypeError for a count that is not a number", async () => {
  const [tx, rx] = channel<number>(2);
  await assertRejects(
    () => tx.reserveMany("1" as unknown as number),
    TypeError,
  );
  assertThrows(() => tx.tryReserveMany(1n as unknown as number), TypeError);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator yields its permits, counts down and gives back the rest on an early break", async () => {
  const [tx, rx] = channel<number>(5);
  const permits = tx.tryReserveMany(4);
  assertStrictEquals(permits[Symbol.iterator](), permits);
  assertStrictEquals(permits.len(), 4);
  let sent = 0;
  for (const permit of permits) {
    permit.send(sent++);
    if (sent === 2) break;
  }
  assertStrictEquals(tx.capacity(), 3);
  const received: number[] = [];
  assertStrictEquals(await rx.recvMany(received, 5), 2);
  assertEquals(received, [0, 1]);
  assertStrictEquals(tx.capacity(), 5);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.return() gives back the permits not taken and ends the iterator", () => {
  const [tx, rx] = channel<number>(3);
  const permits = tx.tryReserveMany(3);
  const first = permits.next().value!;
  assertStrictEquals(permits.len(), 2);
  const result = permits.return!();
  assertStrictEquals(result.done, true);
  assertStrictEquals(tx.capacity(), 2);
  first.send(1);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(tx.capacity(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("Permit taken from a PermitIterator outlives the iterator", () => {
  const [tx, rx] = channel<number>(2);
  let kept: Permit<number> | undefined;
  {
    using permits = tx.tryReserveMany(2);
    kept = permits.next().value!;
  }
  assertStrictEquals(tx.capacity(), 1);
  kept.send(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

// -- recvMany() edge cases --

Deno.test("Receiver.recvMany() appends to the buffer and returns how many it appended", async () => {
  const [tx, rx] = channel<string>(8);
  for (const value of ["a", "b", "c"]) tx.trySend(value);
  const buffer = ["x"];
  assertStrictEquals(await rx.recvMany(buffer, 2), 2);
  assertEquals(buffer, ["x", "a", "b"]);
  assertStrictEquals(await rx.recvMany(buffer, 10), 1);
  assertEquals(buffer, ["x", "a", "b", "c"]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() waits for at least one message", async () => {
  const [tx, rx] = channel<number>(4);
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 4);
  assertStrictEquals(await stateOf(receiving), "pending");
  tx.trySend(1);
  assertStrictEquals(await receiving, 1);
  assertEquals(buffer, [1]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() with limit 0 returns 0 at once and takes nothing", async () => {
  const [tx, rx] = channel<number>(4);
  const buffer = [9];
  const empty = rx.recvMany(buffer, 0);
  assertStrictEquals(await stateOf(empty), "fulfilled");
  assertStrictEquals(await empty, 0);
  fill(tx, 2);
  assertStrictEquals(await rx.recvMany(buffer, 0), 0);
  assertEquals(buffer, [9]);
  assertStrictEquals(rx.len(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() returns 0 only once finished and leaves the buffer untouched", async () => {
  const [tx, rx] = channel<number | undefined>(4);
  tx.trySend(undefined);
  tx.trySend(undefined);
  tx.dispose();
  const buffer: (number | undefined)[] = [1];
  assertStrictEquals(await rx.recvMany(buffer, 4), 2);
  assertEquals(buffer, [1, undefined, undefined]);
  assertStrictEquals(await rx.recvMany(buffer, 4), 0);
  assertEquals(buffer, [1, undefined, undefined]);
  rx.dispose();
});

Deno.test("Receiver.recvMany() frees slots for waiting senders", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const sends = [tx.send(2), tx.send(3)];
  const buffer: number[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 2), 2);
  await Promise.all(sends);
  assertStrictEquals(await rx.recvMany(buffer, 2), 2);
  assertEquals(buffer, [0, 1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

// -- sendTimeout() --

Deno.test("Sender.sendTimeout() succeeds at once when there is room, even with ms 0", async () => {
  const [tx, rx] = channel<number>(2);
  const sending = tx.sendTimeout(1, 0);
  assertStrictEquals(await stateOf(sending), "fulfilled");
  await tx.sendTimeout(2, 0);
  assertStrictEquals(rx.len(), 2);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() rejects with timeout once ms have passed without room", async () => {
  using time = new FakeTime();
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.sendTimeout(7, 1_000);
  const outcomes: unknown[] = [];
  sending.catch((error) => outcomes.push(error));
  await time.tickAsync(999);
  assertStrictEquals(outcomes.length, 0);
  await time.tickAsync(1);
  const [outcome] = outcomes;
  assertInstanceOf(outcome, SendTimeoutError);
  assertStrictEquals(outcome.kind, "timeout");
  assertStrictEquals(outcome.value, 7);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 0);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() clears its timer when room comes in time", async () => {
  // FakeTime has no countTimers(). Spies on its setTimeout and clearTimeout
  // count the timers armed and cleared, and time.next(), which says whether
  // any timer is still pending, stands in for countTimers() === 0.
  using time = new FakeTime();
  using setTimeoutSpy = spy(globalThis, "setTimeout");
  using clearTimeoutSpy = spy(globalThis, "clearTimeout");
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.sendTimeout(7, 1_000);
  // One timer pending.
  assertSpyCalls(setTimeoutSpy, 1);
  assertSpyCalls(clearTimeoutSpy, 0);
  const timer = setTimeoutSpy.calls[0]!.returned;
  assertStrictEquals(await rx.recv(), 0);
  await sending;
  // None pending: the one timer was cleared, and no other was armed.
  assertSpyCall(clearTimeoutSpy, 0, { args: [timer] });
  assertSpyCalls(clearTimeoutSpy, 1);
  assertSpyCalls(setTimeoutSpy, 1);
  assertStrictEquals(time.next(), false);
  assertStrictEquals(await rx.recv(), 7);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() with ms 0 does not barge past a waiting sender", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.send(1);
  assertStrictEquals(rx.tryRecv(), 0);
  await assertRejectsSendTimeoutError(tx.sendTimeout(2, 0), {
    kind: "timeout",
    value: 2,
  });
  await sending;
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() with ms 0 and no room times out", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  await assertRejectsSendTimeoutError(tx.sendTimeout(1, 0), {
    kind: "timeout",
    value: 1,
  });
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() rejects with closed when closed, before or while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const waiting = tx.sendTimeout(1, 60_000);
  rx.close();
  await assertRejectsSendTimeoutError(waiting, { kind: "closed", value: 1 });
  await assertRejectsSendTimeoutError(tx.sendTimeout(2, 60_000), {
    kind: "closed",
    value: 2,
  });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() with ms Infinity or beyond a timer's range waits without limit", async (t) => {
  for (const ms of [Infinity, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
    await t.step(String(ms), async () => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, ms);
      assertStrictEquals(await stateOf(sending), "pending");
      assertStrictEquals(await rx.recv(), 0);
      await sending;
      assertStrictEquals(await rx.recv(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
});

Deno.test("Sender.sendTimeout() rejects with RangeError or TypeError for a bad ms", async (t) => {
  const cases: [unknown, ErrorConstructor][] = [
    [-1, RangeError],
    [-Infinity, RangeError],
    [NaN, RangeError],
    ["5", TypeError],
    [undefined, TypeError],
  ];
  for (const [ms, expected] of cases) {
    await t.step(String(ms), async () => {
      const [tx, rx] = channel<number>(1);
      // A synchronous throw fails the test: the call must reject instead.
      const promise = tx.sendTimeout(1, ms as number);
      await assertRejects(() => promise, expected);
      assertStrictEquals(rx.len(), 0);
      tx.dispose();
      rx.dispose();
    });
  }
});

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

// -- Debug output --

Deno.test("Deno.inspect() of bounded handles and permits never prints a message", async () => {
  const secret = "s3cr3t-message-9d2e";
  const [tx, rx] = channel<string>(4);
  tx.trySend(secret);
  const permit = await tx.reserve();
  const permits = await tx.reserveMany(1);
  const owned = await tx.clone().reserveOwned();
  const handles: unknown[] = [tx, rx, tx.downgrade(), permit, permits, owned];
  for (const handle of handles) {
    const text = Deno.inspect(handle, { depth: Infinity });
    assert(!text.includes(secret), text);
  }
  assertStrictEquals(rx.tryRecv(), secret);
  tx.dispose();
  rx.dispose();
});
