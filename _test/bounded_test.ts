// Copyright 2026 the @seed/mpsc authors. MIT license.

import assert from "node:assert/strict";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { countListeners, is, stateOf } from "./_util.ts";
import FakeTimers from "npm:@sinonjs/fake-timers@14.0.0";
import {
  channel,
  MAX_BUFFER,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "../mod.ts";
import type { Permit, Receiver, Sender } from "../mod.ts";

/**
 * Sends `count` fresh objects through `tx` without waiting; returns weak
 * references to them. A function of its own, so no local keeps one alive.
 */
function sendTracked(tx: Sender<object>, count: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const message = { payload: new Array(100).fill(i) };
    refs.push(new WeakRef(message));
    tx.trySend(message);
  }
  return refs;
}

/** Fills the channel of `tx` with `count` messages, without waiting. */
function fill(tx: Sender<number>, count: number): void {
  for (let i = 0; i < count; i++) tx.trySend(i);
}

// -- channel() and MAX_BUFFER --

Deno.test("MAX_BUFFER is the largest safe integer", () => {
  assert.equal(MAX_BUFFER, Number.MAX_SAFE_INTEGER);
});

Deno.test("channel() accepts every buffer from 1 to MAX_BUFFER without allocating for it", () => {
  for (const buffer of [1, 2, 32, 33, 1_000_000, 2 ** 40, MAX_BUFFER]) {
    const [tx, rx] = channel<number>(buffer);
    assert.equal(tx.maxCapacity(), buffer);
    assert.equal(tx.capacity(), buffer);
    assert.equal(rx.maxCapacity(), buffer);
    assert.equal(rx.capacity(), buffer);
    tx.trySend(1);
    assert.equal(tx.capacity(), buffer - 1);
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
      assert.throws(() => channel(buffer), (error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, /buffer/);
        assert.ok(error.message.includes(String(MAX_BUFFER)), error.message);
        assert.ok(error.message.includes(String(buffer)), error.message);
        return true;
      });
    });
  }
});

Deno.test("channel() throws TypeError for a buffer that is not a number", async (t) => {
  for (const buffer of ["1", null, undefined, 1n, {}, [1], new Number(1)]) {
    await t.step(String(buffer), () => {
      assert.throws(() => channel(buffer as number), (error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /buffer/);
        return true;
      });
    });
  }
});

// -- Disposal --

Deno.test("Sender.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = channel<number>(1);
  const clone = tx.clone();
  assert.equal(rx.senderStrongCount(), 2);
  clone[Symbol.dispose]();
  clone.dispose();
  clone.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.isClosed(), false);
  tx.dispose();
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.isClosed(), true);
});

Deno.test("WeakSender.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  const other = weak.clone();
  assert.equal(rx.senderWeakCount(), 2);
  weak[Symbol.dispose]();
  weak.dispose();
  weak.dispose();
  assert.equal(rx.senderWeakCount(), 1);
  other.dispose();
  assert.equal(rx.senderWeakCount(), 0);
  assert.equal(rx.senderStrongCount(), 1);
  tx.dispose();
});

Deno.test("Receiver.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = channel<number>(1);
  rx[Symbol.dispose]();
  rx.dispose();
  rx.dispose();
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Permit.dispose() and [Symbol.dispose]() are idempotent and give the slot back once", () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  const other = tx.tryReserve();
  assert.equal(tx.capacity(), 0);
  permit[Symbol.dispose]();
  permit.dispose();
  permit.dispose();
  assert.equal(tx.capacity(), 1);
  other.send(1);
  other.dispose();
  assert.equal(tx.capacity(), 1);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.dispose() and [Symbol.dispose]() are idempotent and give back the rest once", () => {
  const [tx, rx] = channel<number>(4);
  const permits = tx.tryReserveMany(3);
  assert.equal(tx.capacity(), 1);
  const first = permits.next();
  assert.equal(first.done, false);
  permits[Symbol.dispose]();
  permits.dispose();
  permits.dispose();
  // The permit taken out is still held.
  assert.equal(tx.capacity(), 3);
  first.value!.dispose();
  assert.equal(tx.capacity(), 4);
  tx.dispose();
  rx.dispose();
});

Deno.test("OwnedPermit.dispose() and [Symbol.dispose]() are idempotent and release slot and sender once", () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.clone().tryReserveOwned();
  assert.equal(rx.senderStrongCount(), 2);
  assert.equal(tx.capacity(), 1);
  owned[Symbol.dispose]();
  owned.dispose();
  owned.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(tx.capacity(), 2);
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
    assert.equal(clone.strongCount(), 3);
    assert.equal(weak.weakCount(), 1);
    assert.equal(permits.len(), 2);
    assert.equal(owned.sameChannel(owned), true);
    assert.ok(permit);
    assert.equal(tx.capacity(), 4);
  }
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.senderWeakCount(), 0);
  assert.equal(tx.capacity(), 8);
  {
    using receiver = rx;
    assert.equal(receiver.isClosed(), false);
  }
  assert.equal(tx.isClosed(), true);
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
    assert.equal(clone.strongCount(), 3);
    assert.equal(weak.weakCount(), 1);
    assert.equal(permits.len(), 2);
    assert.equal(owned.sameChannelAsSender(tx), true);
    assert.ok(permit);
    assert.equal(tx.capacity(), 4);
  }
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.senderWeakCount(), 0);
  assert.equal(tx.capacity(), 8);
  {
    await using receiver = rx;
    assert.equal(receiver.isClosed(), false);
  }
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Permit disposed by using after send() has no further effect", () => {
  const [tx, rx] = channel<number>(1);
  {
    using permit = tx.tryReserve();
    permit.send(1);
  }
  assert.equal(rx.tryRecv(), 1);
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender throws or rejects ReferenceError from every method after dispose", async (t) => {
  const [tx, rx] = channel<number>(1);
  const other = tx.clone();
  tx.dispose();
  const sync: [string, () => unknown][] = [
    ["trySend", () => tx.trySend(1)],
    ["isClosed", () => tx.isClosed()],
    ["tryReserve", () => tx.tryReserve()],
    ["tryReserveMany", () => tx.tryReserveMany(1)],
    ["tryReserveOwned", () => tx.tryReserveOwned()],
    ["sameChannel", () => tx.sameChannel(other)],
    ["capacity", () => tx.capacity()],
    ["maxCapacity", () => tx.maxCapacity()],
    ["clone", () => tx.clone()],
    ["downgrade", () => tx.downgrade()],
    ["strongCount", () => tx.strongCount()],
    ["weakCount", () => tx.weakCount()],
  ];
  for (const [name, call] of sync) {
    await t.step(`${name}() throws`, () => assert.throws(call, ReferenceError));
  }
  const async: [string, () => Promise<unknown>][] = [
    ["send", () => tx.send(1)],
    ["sendTimeout", () => tx.sendTimeout(1, 10)],
    ["closed", () => tx.closed()],
    ["reserve", () => tx.reserve()],
    ["reserveMany", () => tx.reserveMany(1)],
    ["reserveOwned", () => tx.reserveOwned()],
  ];
  for (const [name, call] of async) {
    await t.step(`${name}() rejects`, async () => {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = call());
      await assert.rejects(promise!, ReferenceError);
    });
  }
  // Nothing of the above touched the channel.
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(other.capacity(), 1);
  other.dispose();
  rx.dispose();
});

Deno.test("Receiver throws or rejects ReferenceError from every method after dispose", async (t) => {
  const [tx, rx] = channel<number>(1);
  rx.dispose();
  const sync: [string, () => unknown][] = [
    ["tryRecv", () => rx.tryRecv()],
    ["close", () => rx.close()],
    ["isClosed", () => rx.isClosed()],
    ["isEmpty", () => rx.isEmpty()],
    ["len", () => rx.len()],
    ["capacity", () => rx.capacity()],
    ["maxCapacity", () => rx.maxCapacity()],
    ["senderStrongCount", () => rx.senderStrongCount()],
    ["senderWeakCount", () => rx.senderWeakCount()],
  ];
  for (const [name, call] of sync) {
    await t.step(`${name}() throws`, () => assert.throws(call, ReferenceError));
  }
  const async: [string, () => Promise<unknown>][] = [
    ["recv", () => rx.recv()],
    ["recvMany", () => rx.recvMany([], 1)],
  ];
  for (const [name, call] of async) {
    await t.step(`${name}() rejects`, async () => {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = call());
      await assert.rejects(promise!, ReferenceError);
    });
  }
  await t.step("for await rejects", async () => {
    await assert.rejects(async () => {
      for await (const _ of rx) assert.fail("no message expected");
    }, ReferenceError);
  });
  tx.dispose();
});

Deno.test("WeakSender throws ReferenceError from every method after dispose", () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  weak.dispose();
  assert.throws(() => weak.upgrade(), ReferenceError);
  assert.throws(() => weak.strongCount(), ReferenceError);
  assert.throws(() => weak.weakCount(), ReferenceError);
  assert.throws(() => weak.clone(), ReferenceError);
  assert.equal(rx.senderWeakCount(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Permit.send() throws ReferenceError after dispose or a first send", () => {
  const [tx, rx] = channel<number>(2);
  const disposed = tx.tryReserve();
  disposed.dispose();
  assert.throws(() => disposed.send(1), ReferenceError);
  const used = tx.tryReserve();
  assert.equal(used.send(2), undefined);
  assert.throws(() => used.send(3), ReferenceError);
  assert.equal(rx.tryRecv(), 2);
  assert.throws(() => rx.tryRecv(), TryRecvError);
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.len() throws ReferenceError after dispose", () => {
  const [tx, rx] = channel<number>(2);
  const permits = tx.tryReserveMany(2);
  permits.dispose();
  assert.throws(() => permits.len(), ReferenceError);
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.next() throws ReferenceError after dispose", () => {
  const [tx, rx] = channel<number>(2);
  const permits = tx.tryReserveMany(2);
  permits.dispose();
  assert.throws(() => permits.next(), ReferenceError);
  assert.equal(tx.capacity(), 2);
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
    assert.throws(() => permit.send(1), ReferenceError);
    assert.throws(() => permit.release(), ReferenceError);
    assert.throws(() => permit.sameChannel(live), ReferenceError);
    assert.throws(() => permit.sameChannelAsSender(tx), ReferenceError);
    permit.dispose();
  }
  assert.equal(rx.senderStrongCount(), 2);
  assert.equal(tx.capacity(), 1);
  live.dispose();
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("channel() handles and permits have no then member", async () => {
  const [tx, rx] = channel<number>(4);
  const handles: object[] = [
    tx,
    rx,
    tx.downgrade(),
    await tx.reserve(),
    await tx.reserveMany(1),
    await tx.clone().reserveOwned(),
    rx[Symbol.asyncIterator](),
  ];
  for (const handle of handles) assert.equal("then" in handle, false);
  tx.dispose();
  rx.dispose();
});

// -- Sender lifetime --

Deno.test("Sender.dispose() keeps the channel open while a Permit from it is outstanding", async () => {
  const [tx, rx] = channel<number>(2);
  const weak = tx.downgrade();
  const permit = await tx.reserve();
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(weak.strongCount(), 1);
  assert.equal(rx.isClosed(), false);
  const upgraded = weak.upgrade();
  assert.ok(upgraded !== undefined);
  upgraded.dispose();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  permit.send(7);
  assert.equal(await received, 7);
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.isClosed(), true);
  assert.equal(weak.upgrade(), undefined);
  assert.equal(await rx.recv(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open until its disposed Permit is disposed", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  tx.dispose();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  permit.dispose();
  assert.equal(await received, undefined);
  assert.equal(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open while a PermitIterator from it is outstanding", async () => {
  const [tx, rx] = channel<number>(3);
  const permits = await tx.reserveMany(2);
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  const first = permits.next().value!;
  first.send(1);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 1);
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  permits.dispose();
  assert.equal(await received, undefined);
  assert.equal(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("Sender.dispose() keeps the channel open while a Permit taken from a PermitIterator is outstanding", async () => {
  const [tx, rx] = channel<number>(3);
  const permits = tx.tryReserveMany(2);
  const [first, second] = [...permits];
  tx.dispose();
  permits.dispose();
  first!.send(1);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 1);
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  second!.send(2);
  assert.equal(await received, 2);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() lets a pending send() complete and counts the sender until then", async () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  fill(tx, 1);
  const sending = tx.send(2);
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.isClosed(), false);
  const upgraded = weak.upgrade();
  assert.ok(upgraded);
  upgraded.dispose();
  assert.equal(await rx.recv(), 0);
  await sending;
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), undefined);
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
  assert.equal(rx.senderStrongCount(), 2);
  assert.equal(await rx.recv(), 0);
  const permit = await reserving;
  assert.equal(rx.senderStrongCount(), 2);
  permit.send(1);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 1);
  const permits = await reservingMany;
  assert.equal(permits.len(), 1);
  assert.equal(rx.senderStrongCount(), 1);
  const last = permits.next().value!;
  assert.equal(rx.senderStrongCount(), 1);
  last.send(2);
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() releases the count once its pending send() is aborted", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const sending = tx.send(2, { signal: controller.signal });
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  controller.abort();
  await assert.rejects(sending, is(controller.signal.reason));
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.isClosed(), true);
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.dispose() releases the count once its pending reserve() fails on close", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserve();
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  rx.close();
  await assert.rejects(reserving, SendError);
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

// -- reserveOwned() and tryReserveOwned() --

Deno.test("Sender.reserveOwned() consumes the sender at the call", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserveOwned();
  assert.throws(() => tx.capacity(), ReferenceError);
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 0);
  const owned = await reserving;
  assert.equal(rx.senderStrongCount(), 1);
  const sender = owned.send(5);
  assert.equal(sender.strongCount(), 1);
  assert.equal(sender.capacity(), 0);
  assert.equal(await rx.recv(), 5);
  sender.dispose();
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when the channel is closed", async () => {
  const [tx, rx] = channel<number>(1);
  const clone = tx.clone();
  rx.close();
  await assert.rejects(clone.reserveOwned(), SendError);
  assert.equal(tx.strongCount(), 1);
  clone.dispose();
  assert.equal(tx.strongCount(), 1);
  assert.throws(() => clone.trySend(1), ReferenceError);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when closed while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.clone().reserveOwned();
  assert.equal(tx.strongCount(), 2);
  rx.close();
  await assert.rejects(reserving, SendError);
  assert.equal(tx.strongCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveOwned() disposes the sender it consumed when aborted while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserveOwned({ signal: controller.signal });
  assert.equal(rx.senderStrongCount(), 1);
  controller.abort(new Error("stop"));
  await assert.rejects(reserving, is(controller.signal.reason));
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.isClosed(), true);
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() consumes the sender only on success", () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  assert.throws(() => tx.trySend(1), ReferenceError);
  assert.equal(rx.senderStrongCount(), 1);
  const sender = owned.release();
  assert.equal(sender.capacity(), 1);
  assert.equal(rx.senderStrongCount(), 1);
  sender.dispose();
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() hands the same usable sender back when full", () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  assert.throws(() => tx.tryReserveOwned(), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "full");
    assert.equal(error.value, tx);
    return true;
  });
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(tx.capacity(), 0);
  assert.equal(rx.tryRecv(), 0);
  const owned = tx.tryReserveOwned();
  owned.send(1).dispose();
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.isClosed(), true);
  rx.dispose();
});

Deno.test("Sender.tryReserveOwned() hands the same usable sender back when closed", () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  assert.throws(() => tx.tryReserveOwned(), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "closed");
    assert.equal(error.value, tx);
    return true;
  });
  assert.equal(tx.isClosed(), true);
  assert.equal(rx.senderStrongCount(), 1);
  tx.dispose();
  assert.equal(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("OwnedPermit.send() returns the sender and consumes the permit", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = await tx.reserveOwned();
  const sender = owned.send(1);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(sender.capacity(), 1);
  owned.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 1);
  sender.dispose();
  assert.equal(rx.senderStrongCount(), 0);
  rx.dispose();
});

Deno.test("OwnedPermit.release() gives the slot back and returns the sender", () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  assert.equal(rx.capacity(), 0);
  const sender = owned.release();
  assert.equal(rx.capacity(), 1);
  assert.equal(rx.senderStrongCount(), 1);
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  sender.trySend(1);
  assert.equal(rx.tryRecv(), 1);
  sender.dispose();
  rx.dispose();
});

Deno.test("OwnedPermit.dispose() closes the channel when it owns the last sender", async () => {
  const [tx, rx] = channel<number>(1);
  const owned = tx.tryReserveOwned();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  owned.dispose();
  assert.equal(await received, undefined);
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.capacity(), 1);
  rx.dispose();
});

Deno.test("OwnedPermit.sameChannel() and sameChannelAsSender() compare channels", () => {
  const [tx, rx] = channel<number>(4);
  const [otherTx, otherRx] = channel<number>(4);
  const a = tx.clone().tryReserveOwned();
  const b = tx.clone().tryReserveOwned();
  const c = otherTx.clone().tryReserveOwned();
  assert.equal(a.sameChannel(b), true);
  assert.equal(a.sameChannel(a), true);
  assert.equal(a.sameChannel(c), false);
  assert.equal(a.sameChannelAsSender(tx), true);
  assert.equal(a.sameChannelAsSender(otherTx), false);
  assert.equal(c.sameChannelAsSender(otherTx), true);
  assert.equal(tx.sameChannel(otherTx), false);
  assert.equal(tx.sameChannel(tx.clone()), true);
  for (const handle of [a, b, c, tx, rx, otherTx, otherRx]) handle.dispose();
});

// -- AbortSignal --

Deno.test("AbortSignal already aborted makes every waiting method reject with its reason and change nothing", async (t) => {
  const reason = new Error("aborted before the call");
  const signal = AbortSignal.abort(reason);
  const cases: [
    string,
    (tx: Sender<number>, rx: Receiver<number>) => Promise<unknown>,
  ][] = [
    ["Sender.send()", (tx) => tx.send(9, { signal })],
    ["Sender.sendTimeout()", (tx) => tx.sendTimeout(9, 1_000, { signal })],
    [
      "Sender.sendTimeout() with ms 0",
      (tx) => tx.sendTimeout(9, 0, { signal }),
    ],
    ["Sender.reserve()", (tx) => tx.reserve({ signal })],
    ["Sender.reserveMany()", (tx) => tx.reserveMany(2, { signal })],
    ["Sender.reserveMany(0)", (tx) => tx.reserveMany(0, { signal })],
    ["Sender.closed()", (tx) => tx.closed({ signal })],
    ["Receiver.recv()", (_, rx) => rx.recv({ signal })],
    ["Receiver.recvMany()", (_, rx) => rx.recvMany([], 4, { signal })],
    [
      "Receiver.recvMany() with limit 0",
      (_, rx) => rx.recvMany([], 0, { signal }),
    ],
  ];
  for (const closed of [false, true]) {
    for (const [name, call] of cases) {
      await t.step(
        `${name} on ${closed ? "a closed" : "an open"} channel`,
        async () => {
          const [tx, rx] = channel<number>(4);
          fill(tx, 1);
          if (closed) rx.close();
          await assert.rejects(call(tx, rx), is(reason));
          assert.equal(rx.len(), 1);
          assert.equal(tx.capacity(), 3);
          assert.equal(rx.isClosed(), closed);
          assert.equal(rx.tryRecv(), 0);
          tx.dispose();
          rx.dispose();
        },
      );
    }
  }
  await t.step("Receiver.recv() on a finished channel", async () => {
    const [tx, rx] = channel<number>(1);
    tx.dispose();
    await assert.rejects(rx.recv({ signal }), is(reason));
    await assert.rejects(rx.recvMany([], 1, { signal }), is(reason));
    rx.dispose();
  });
  await t.step(
    "Sender.reserveOwned() leaves the channel's capacity alone",
    async () => {
      const [tx, rx] = channel<number>(2);
      await assert.rejects(tx.clone().reserveOwned({ signal }), is(reason));
      assert.equal(tx.capacity(), 2);
      assert.equal(rx.senderStrongCount(), 1);
      tx.dispose();
      rx.dispose();
    },
  );
  await t.step("rejects with the default AbortError reason too", async () => {
    const [tx, rx] = channel<number>(1);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      tx.send(1, { signal: controller.signal }),
      is(controller.signal.reason),
    );
    await assert.rejects(
      rx.recv({ signal: controller.signal }),
      is(controller.signal.reason),
    );
    tx.dispose();
    rx.dispose();
  });
});

Deno.test("Sender.send() aborted while waiting rejects with the reason and sends nothing", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reason = new Error("stop");
  const sending = tx.send(1, { signal: controller.signal });
  assert.equal(await stateOf(sending), "pending");
  controller.abort(reason);
  await assert.rejects(sending, is(reason));
  assert.equal(await rx.recv(), 0);
  // The aborted waiter is gone: the freed slot is free for anyone.
  assert.equal(tx.capacity(), 1);
  tx.trySend(2);
  assert.equal(await rx.recv(), 2);
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() aborted while waiting rejects with the reason and sends nothing", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reason = new Error("stop");
  const sending = tx.sendTimeout(1, 60_000, { signal: controller.signal });
  assert.equal(await stateOf(sending), "pending");
  controller.abort(reason);
  await assert.rejects(sending, is(reason));
  assert.equal(await rx.recv(), 0);
  assert.equal(tx.capacity(), 1);
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() aborted while waiting holds no permit", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserve({ signal: controller.signal });
  const next = tx.reserve();
  assert.equal(await stateOf(reserving), "pending");
  controller.abort();
  await assert.rejects(reserving, is(controller.signal.reason));
  assert.equal(await rx.recv(), 0);
  // The slot went to the next waiter, not to the aborted one.
  const permit = await next;
  permit.send(1);
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted while waiting gives back what it collected", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const controller = new AbortController();
  const reserving = tx.reserveMany(3, { signal: controller.signal });
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity(), 0);
  assert.equal(await stateOf(reserving), "pending");
  controller.abort();
  await assert.rejects(reserving, is(controller.signal.reason));
  assert.equal(tx.capacity(), 2);
  assert.equal(rx.len(), 1);
  tx.tryReserveMany(2).dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted while waiting hands its permits on to the next waiter", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const controller = new AbortController();
  const reservingMany = tx.reserveMany(2, { signal: controller.signal });
  const reserving = tx.reserve();
  assert.equal(await rx.recv(), 0);
  assert.equal(await stateOf(reserving), "pending");
  controller.abort();
  await assert.rejects(reservingMany, is(controller.signal.reason));
  const permit = await reserving;
  assert.equal(tx.capacity(), 0);
  permit.dispose();
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.closed() aborted while waiting rejects with the reason", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  const closing = tx.closed({ signal: controller.signal });
  const other = tx.closed();
  assert.equal(await stateOf(closing), "pending");
  controller.abort();
  await assert.rejects(closing, is(controller.signal.reason));
  rx.close();
  await other;
  assert.equal(tx.isClosed(), true);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() aborted while waiting takes no message", async () => {
  const [tx, rx] = channel<number>(2);
  const controller = new AbortController();
  const aborted = rx.recv({ signal: controller.signal });
  assert.equal(await stateOf(aborted), "pending");
  controller.abort();
  await assert.rejects(aborted, is(controller.signal.reason));
  tx.trySend(1);
  assert.equal(rx.len(), 1);
  assert.equal(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() aborted while waiting takes no message and leaves the buffer alone", async () => {
  const [tx, rx] = channel<number>(2);
  const controller = new AbortController();
  const buffer = [-1];
  const aborted = rx.recvMany(buffer, 2, { signal: controller.signal });
  assert.equal(await stateOf(aborted), "pending");
  controller.abort();
  await assert.rejects(aborted, is(controller.signal.reason));
  tx.trySend(1);
  assert.deepEqual(buffer, [-1]);
  assert.equal(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() aborted in the middle of a queue of receives leaves the others in order", async () => {
  const [tx, rx] = channel<string>(4);
  const controller = new AbortController();
  const first = rx.recv();
  const second = rx.recv({ signal: controller.signal });
  const third = rx.recv();
  controller.abort();
  await assert.rejects(second, is(controller.signal.reason));
  tx.trySend("a");
  tx.trySend("b");
  assert.equal(await first, "a");
  assert.equal(await third, "b");
  tx.dispose();
  rx.dispose();
});

Deno.test("AbortSignal keeps no listener of a waiting method once the call settles", async (t) => {
  const cases: [
    string,
    (signal: AbortSignal, listeners: () => number) => Promise<void>,
  ][] = [
    ["Sender.send() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.send(1, { signal });
      assert.ok(listeners() > 0);
      await rx.recv();
      await sending;
      rx.dispose();
    }],
    ["Sender.send() rejected by close", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.send(1, { signal });
      assert.ok(listeners() > 0);
      rx.close();
      await assert.rejects(sending, SendError);
    }],
    ["Sender.sendTimeout() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, 60_000, { signal });
      assert.ok(listeners() > 0);
      await rx.recv();
      await sending;
      rx.dispose();
    }],
    ["Sender.sendTimeout() timed out", async (signal, listeners) => {
      const [tx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, 1, { signal });
      assert.ok(listeners() > 0);
      await assert.rejects(sending, { kind: "timeout" });
    }],
    ["Sender.reserve() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const reserving = tx.reserve({ signal });
      assert.ok(listeners() > 0);
      await rx.recv();
      (await reserving).dispose();
    }],
    [
      "Sender.reserveMany() resolved after collecting",
      async (signal, listeners) => {
        const [tx, rx] = channel<number>(2);
        fill(tx, 2);
        const reserving = tx.reserveMany(2, { signal });
        assert.ok(listeners() > 0);
        await rx.recv();
        await rx.recv();
        (await reserving).dispose();
      },
    ],
    [
      "Sender.reserveOwned() rejected by receiver dispose",
      async (signal, listeners) => {
        const [tx, rx] = channel<number>(1);
        fill(tx, 1);
        const reserving = tx.reserveOwned({ signal });
        assert.ok(listeners() > 0);
        rx.dispose();
        await assert.rejects(reserving, SendError);
      },
    ],
    ["Sender.closed() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      const closing = tx.closed({ signal });
      assert.ok(listeners() > 0);
      rx.close();
      await closing;
      tx.dispose();
    }],
    ["Receiver.recv() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      const receiving = rx.recv({ signal });
      assert.ok(listeners() > 0);
      tx.trySend(1);
      assert.equal(await receiving, 1);
      tx.dispose();
    }],
    ["Receiver.recv() ended by the last sender", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      const receiving = rx.recv({ signal });
      assert.ok(listeners() > 0);
      tx.dispose();
      assert.equal(await receiving, undefined);
    }],
    ["Receiver.recv() ended by receiver dispose", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      const receiving = rx.recv({ signal });
      assert.ok(listeners() > 0);
      rx.dispose();
      assert.equal(await receiving, undefined);
      tx.dispose();
    }],
    ["Receiver.recvMany() resolved", async (signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      const receiving = rx.recvMany([], 4, { signal });
      assert.ok(listeners() > 0);
      tx.trySend(1);
      assert.equal(await receiving, 1);
      tx.dispose();
    }],
    ["ready calls", async (signal, listeners) => {
      const [tx, rx] = channel<number>(4);
      await tx.send(1, { signal });
      await tx.sendTimeout(2, 10, { signal });
      (await tx.reserve({ signal })).dispose();
      (await tx.reserveMany(1, { signal })).dispose();
      assert.equal(await rx.recv({ signal }), 1);
      assert.equal(await rx.recvMany([], 1, { signal }), 1);
      assert.equal(listeners(), 0);
      tx.dispose();
      rx.dispose();
    }],
  ];
  for (const [name, scenario] of cases) {
    await t.step(name, async () => {
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      await scenario(controller.signal, listeners);
      assert.equal(listeners(), 0);
      // A late abort has nothing to act on.
      controller.abort();
    });
  }
});

Deno.test("AbortSignal shared by several waiting calls aborts them all and keeps no listener", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const { signal } = controller;
  const clone = tx.clone();
  const calls = [
    tx.send(1, { signal }),
    tx.reserve({ signal }),
    tx.reserveMany(1, { signal }),
    tx.sendTimeout(2, 60_000, { signal }),
    clone.reserveOwned({ signal }),
    tx.closed({ signal }),
  ];
  assert.equal(listeners(), calls.length);
  controller.abort();
  for (const call of calls) await assert.rejects(call, is(signal.reason));
  assert.equal(listeners(), 0);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(await rx.recv(), 0);
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() with ms 0 does not barge past a waiting sender", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.send(1);
  assert.equal(rx.tryRecv(), 0);
  await assert.rejects(tx.sendTimeout(2, 0), { kind: "timeout", value: 2 });
  await sending;
  assert.equal(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() granted before an abort keeps its permit", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserve({ signal: controller.signal });
  assert.equal(await rx.recv(), 0);
  controller.abort();
  // Either the grant stands, or the abort won and the slot is back: it is
  // never lost.
  try {
    const permit = await reserving;
    assert.equal(tx.capacity(), 0);
    permit.send(1);
    assert.equal(await rx.recv(), 1);
  } catch (error) {
    assert.equal(error, controller.signal.reason);
  }
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() granted before an abort keeps its message", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  const receiving = rx.recv({ signal: controller.signal });
  tx.trySend(1);
  controller.abort();
  try {
    assert.equal(await receiving, 1);
    assert.equal(rx.len(), 0);
  } catch (error) {
    assert.equal(error, controller.signal.reason);
    assert.equal(rx.tryRecv(), 1);
  }
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

// -- Concurrent receivers --

Deno.test("Receiver.recv() serves concurrent calls in call order", async () => {
  const [tx, rx] = channel<number>(8);
  const receiving = [rx.recv(), rx.recv(), rx.recv()];
  for (let i = 0; i < 3; i++) tx.trySend(i);
  assert.deepEqual(await Promise.all(receiving), [0, 1, 2]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() does not let a later call take a message owed to a waiting one", async () => {
  const [tx, rx] = channel<string>(8);
  const first = rx.recv();
  tx.trySend("a");
  const second = rx.recv();
  tx.trySend("b");
  assert.equal(await first, "a");
  assert.equal(await second, "b");
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
  assert.equal(a, 0);
  assert.equal(count, buffer.length);
  assert.ok(count >= 1 && count <= 3);
  const rest: number[] = [];
  await rx.recvMany(rest, 16);
  const all = [a, ...buffer, z, ...rest].sort((x, y) => x! - y!);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(buffer, Array.from(buffer, (_, i) => i + 1));
  rx.dispose();
});

Deno.test("Receiver.recv() settles every concurrent call once the channel is finished", async () => {
  const [tx, rx] = channel<number>(2);
  const receiving = [rx.recv(), rx.recv(), rx.recvMany([], 2), rx.recv()];
  tx.trySend(1);
  tx.dispose();
  assert.deepEqual(await Promise.all(receiving), [1, undefined, 0, undefined]);
  rx.dispose();
});

// -- Async iteration --

Deno.test("Receiver[Symbol.asyncIterator]() yields undefined and null messages faithfully", async () => {
  const [tx, rx] = channel<number | null | undefined>(8);
  for (const value of [undefined, null, 0, undefined]) tx.trySend(value);
  tx.dispose();
  const received: unknown[] = [];
  for await (const value of rx) received.push(value);
  assert.deepEqual(received, [undefined, null, 0, undefined]);
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() does not close the receiver when the loop is left early", async () => {
  const [tx, rx] = channel<number>(8);
  fill(tx, 3);
  for await (const value of rx) {
    assert.equal(value, 0);
    break;
  }
  assert.equal(rx.isClosed(), false);
  assert.equal(tx.isClosed(), false);
  tx.trySend(3);
  const rest: number[] = [];
  for await (const value of rx) {
    rest.push(value);
    if (value === 3) break;
  }
  assert.deepEqual(rest, [1, 2, 3]);
  assert.equal(rx.isClosed(), false);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() does not close the receiver when the loop throws", async () => {
  const [tx, rx] = channel<number>(8);
  fill(tx, 2);
  await assert.rejects(async () => {
    for await (const _ of rx) throw new Error("boom");
  }, { message: "boom" });
  assert.equal(rx.isClosed(), false);
  assert.equal(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() ends after close() once drained", async () => {
  const [tx, rx] = channel<number>(8);
  fill(tx, 2);
  rx.close();
  const received: number[] = [];
  for await (const value of rx) received.push(value);
  assert.deepEqual(received, [0, 1]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver[Symbol.asyncIterator]() ends a pending step when the receiver is disposed", async () => {
  const [tx, rx] = channel<number>(1);
  const iterator = rx[Symbol.asyncIterator]();
  const step = iterator.next();
  assert.equal(await stateOf(step), "pending");
  rx.dispose();
  assert.deepEqual(await step, { value: undefined, done: true });
  tx.dispose();
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
  assert.deepEqual(received, [0, 1, 2, 3, 4]);
  rx.dispose();
});

// -- Closing and draining --

Deno.test("Receiver.close() fails later sends and reservations but keeps buffered messages", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  rx.close();
  assert.equal(rx.isClosed(), true);
  assert.equal(tx.isClosed(), true);
  await assert.rejects(tx.send(9), (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, 9);
    return true;
  });
  assert.throws(() => tx.trySend(9), { name: "TrySendError", kind: "closed" });
  await assert.rejects(tx.reserve(), SendError);
  await assert.rejects(tx.reserveMany(1), SendError);
  await assert.rejects(tx.sendTimeout(9, 10), {
    name: "SendTimeoutError",
    kind: "closed",
  });
  assert.throws(() => tx.tryReserve(), { kind: "closed" });
  assert.throws(() => tx.tryReserveMany(1), { kind: "closed" });
  assert.equal(await rx.recv(), 0);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(await rx.recv(), undefined);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() is idempotent", async () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  rx.close();
  assert.equal(rx.isClosed(), true);
  assert.equal(await rx.recv(), undefined);
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
  assert.equal(await stateOf(waiters[0]!), "pending");
  rx.close();
  await Promise.all(waiters);
  assert.deepEqual(order, [
    "send SendError 1",
    "reserve SendError",
    "reserveMany SendError",
    "sendTimeout closed 2",
    "reserveOwned SendError",
  ]);
  assert.equal(rx.senderStrongCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() resolves every closed() promise", async () => {
  const [tx, rx] = channel<number>(1);
  const clone = tx.clone();
  const closing = [tx.closed(), tx.closed(), clone.closed()];
  assert.equal(await stateOf(closing[0]!), "pending");
  rx.close();
  await Promise.all(closing);
  await tx.closed();
  assert.equal(clone.isClosed(), true);
  tx.dispose();
  clone.dispose();
  rx.dispose();
});

Deno.test("Sender.closed() resolves when the receiver is disposed", async () => {
  const [tx, rx] = channel<number>(1);
  const closing = tx.closed();
  rx.dispose();
  await closing;
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Receiver.close() lets a Permit obtained before it send, and recv() gets the message", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = await tx.reserve();
  rx.close();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  permit.send(5);
  assert.equal(await received, 5);
  assert.equal(await rx.recv(), undefined);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() after close() waits for an outstanding Permit to be disposed", async () => {
  const [tx, rx] = channel<number>(2);
  const permit = tx.tryReserve();
  rx.close();
  tx.dispose();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  permit.dispose();
  assert.equal(await received, undefined);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  rx.dispose();
});

Deno.test("Receiver.recvMany() after close() waits for an outstanding PermitIterator", async () => {
  const [tx, rx] = channel<number>(4);
  const permits = tx.tryReserveMany(3);
  rx.close();
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 4);
  assert.equal(await stateOf(receiving), "pending");
  permits.next().value!.send(1);
  assert.equal(await receiving, 1);
  const next = rx.recvMany(buffer, 4);
  assert.equal(await stateOf(next), "pending");
  // Leaving a for...of over the iterator early gives the rest back.
  for (const permit of permits) {
    permit.send(2);
    break;
  }
  assert.equal(await next, 1);
  assert.equal(await rx.recvMany(buffer, 4), 0);
  assert.deepEqual(buffer, [1, 2]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() after close() waits for an outstanding OwnedPermit", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.clone().tryReserveOwned();
  const other = tx.clone().tryReserveOwned();
  rx.close();
  const received = rx.recv();
  assert.equal(await stateOf(received), "pending");
  const sender = owned.send(1);
  assert.equal(await received, 1);
  const next = rx.recv();
  assert.equal(await stateOf(next), "pending");
  const released = other.release();
  assert.equal(await next, undefined);
  assert.equal(released.isClosed(), true);
  for (const handle of [tx, rx, sender, released]) handle.dispose();
});

Deno.test("Receiver.close() fails a partially collected reserveMany() and gives its permits back", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const reserving = tx.reserveMany(3);
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity(), 0);
  rx.close();
  await assert.rejects(reserving, SendError);
  assert.equal(tx.capacity(), 2);
  // Nothing is outstanding, so the receiver does not wait after the drain.
  assert.equal(await rx.recv(), 2);
  const ended = rx.recv();
  assert.equal(await stateOf(ended), "fulfilled");
  assert.equal(await ended, undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() ends a pending recv() unless a permit is outstanding", async () => {
  const [tx, rx] = channel<number>(2);
  const idle = rx.recv();
  rx.close();
  assert.equal(await idle, undefined);
  const [tx2, rx2] = channel<number>(2);
  const permit = tx2.tryReserve();
  const waiting = rx2.recv();
  rx2.close();
  assert.equal(await stateOf(waiting), "pending");
  permit.send(1);
  assert.equal(await waiting, 1);
  assert.equal(await rx2.recv(), undefined);
  for (const handle of [tx, rx, tx2, rx2]) handle.dispose();
});

Deno.test("Receiver.close() lets an OwnedPermit obtained before it send", async () => {
  const [tx, rx] = channel<number>(2);
  const owned = tx.tryReserveOwned();
  rx.close();
  const sender = owned.send(1);
  assert.equal(sender.isClosed(), true);
  assert.equal(await rx.recv(), 1);
  // A live sender is not a permit: a closed channel ends when drained.
  assert.equal(await rx.recv(), undefined);
  sender.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() with waiting senders leaves the receiver free to drain and end", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sends = [tx.send(1), tx.send(2)];
  rx.close();
  for (const sending of sends) await assert.rejects(sending, SendError);
  assert.equal(await rx.recv(), 0);
  assert.equal(await rx.recv(), undefined);
  assert.equal(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.dispose() discards buffered messages and settles pending calls", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const sending = tx.send(3);
  const reserving = tx.reserve();
  rx.dispose();
  assert.equal(tx.isClosed(), true);
  await assert.rejects(sending, (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, 3);
    return true;
  });
  await assert.rejects(reserving, SendError);
  await tx.closed();
  assert.equal(tx.capacity(), 2);
  tx.dispose();
});

Deno.test("Receiver.dispose() settles pending recv() with undefined and recvMany() with 0", async () => {
  const [tx, rx] = channel<number>(2);
  const buffer = [7];
  const receiving = rx.recv();
  const receivingMany = rx.recvMany(buffer, 2);
  assert.equal(await stateOf(receiving), "pending");
  rx.dispose();
  assert.equal(await receiving, undefined);
  assert.equal(await receivingMany, 0);
  assert.deepEqual(buffer, [7]);
  tx.dispose();
});

Deno.test("Receiver.dispose() lets an outstanding Permit send, discards the message and keeps its slot", () => {
  const [tx, rx] = channel<{ n: number }>(2);
  const permit = tx.tryReserve();
  const permits = tx.tryReserveMany(1);
  assert.equal(tx.capacity(), 0);
  rx.dispose();
  permit.send({ n: 1 });
  permits.next().value!.send({ n: 2 });
  assert.equal(tx.capacity(), 0);
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Receiver.dispose() lets the garbage collector reclaim the buffered messages", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const [tx, rx] = channel<object>(64);
  const refs = sendTracked(tx, 40);
  rx.dispose();
  // WeakRef targets live until the current job ends.
  await nextMacrotask();
  gc();
  assert.deepEqual(refs.map((ref) => ref.deref()), refs.map(() => undefined));
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Sender.dispose() of the last strong sender closes at once; buffered messages stay receivable", async () => {
  const [tx, rx] = channel<number>(4);
  const weak = tx.downgrade();
  fill(tx, 2);
  tx.dispose();
  assert.equal(rx.isClosed(), true);
  assert.equal(weak.upgrade(), undefined);
  assert.equal(rx.tryRecv(), 0);
  assert.equal(await rx.recv(), 1);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  assert.equal(await rx.recv(), undefined);
  assert.equal(await rx.recv(), undefined);
  assert.equal(weak.upgrade(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("Receiver.tryRecv() reports empty while a sender or a permit is alive", () => {
  const [tx, rx] = channel<number>(2);
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  const weak = tx.downgrade();
  const permit = tx.tryReserve();
  tx.dispose();
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  permit.dispose();
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  weak.dispose();
  rx.dispose();
});

Deno.test("WeakSender does not keep the channel open", async () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  const received = rx.recv();
  tx.dispose();
  assert.equal(await received, undefined);
  assert.equal(weak.upgrade(), undefined);
  assert.equal(weak.strongCount(), 0);
  assert.equal(weak.weakCount(), 1);
  weak.dispose();
  rx.dispose();
});

Deno.test("WeakSender.upgrade() succeeds while only an OwnedPermit holds the channel", () => {
  const [tx, rx] = channel<number>(1);
  const weak = tx.downgrade();
  const owned = tx.tryReserveOwned();
  assert.equal(weak.strongCount(), 1);
  const upgraded = weak.upgrade();
  assert.ok(upgraded);
  assert.equal(upgraded.strongCount(), 2);
  upgraded.dispose();
  owned.dispose();
  assert.equal(weak.upgrade(), undefined);
  assert.equal(rx.isClosed(), true);
  weak.dispose();
  rx.dispose();
});

// -- Capacity --

Deno.test("Sender.capacity() subtracts buffered messages and every kind of held permit", () => {
  const [tx, rx] = channel<number>(6);
  tx.trySend(1);
  assert.equal(tx.capacity(), 5);
  const permit = tx.tryReserve();
  assert.equal(tx.capacity(), 4);
  const permits = tx.tryReserveMany(2);
  assert.equal(tx.capacity(), 2);
  const owned = tx.clone().tryReserveOwned();
  assert.equal(tx.capacity(), 1);
  assert.equal(rx.capacity(), 1);
  assert.equal(tx.maxCapacity(), 6);
  assert.equal(rx.maxCapacity(), 6);
  permit.dispose();
  permits.next().value!.dispose();
  assert.equal(tx.capacity(), 3);
  permits.dispose();
  owned.release().dispose();
  assert.equal(tx.capacity(), 5);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(tx.capacity(), 6);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.capacity() counts what a queued reserveMany() has collected so far", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const reserving = tx.reserveMany(3);
  assert.equal(await rx.recv(), 0);
  assert.equal(tx.capacity(), 0);
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity(), 0);
  assert.equal(rx.len(), 1);
  assert.equal(await stateOf(reserving), "pending");
  // No barging: the slots it holds are not up for grabs.
  assert.throws(() => tx.trySend(9), { kind: "full" });
  assert.equal(await rx.recv(), 2);
  const permits = await reserving;
  assert.equal(permits.len(), 3);
  assert.equal(tx.capacity(), 0);
  permits.dispose();
  assert.equal(tx.capacity(), 3);
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
  assert.equal(await rx.recvMany(received, 4), 4);
  assert.deepEqual(received, ["d", "b", "a", "c"]);
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
  assert.deepEqual(received, ["0", "a", "b", "c"]);
  tx.dispose();
  clone.dispose();
  rx.dispose();
});

Deno.test("Sender.trySend() and tryReserve*() do not barge past a waiting sender", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const sending = tx.send(1);
  // The slot this frees belongs to the waiting send.
  assert.equal(rx.tryRecv(), 0);
  assert.throws(() => tx.trySend(2), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "full");
    assert.equal(error.value, 2);
    return true;
  });
  assert.throws(() => tx.tryReserve(), { kind: "full" });
  assert.throws(() => tx.tryReserveMany(1), { kind: "full" });
  assert.throws(() => tx.tryReserveOwned(), { kind: "full", value: tx });
  await sending;
  assert.equal(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() that has to wait holds the free slots, so try*() report full", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  const reserving = tx.reserveMany(3);
  assert.equal(tx.capacity(), 0);
  assert.throws(() => tx.trySend(9), { kind: "full", value: 9 });
  assert.throws(() => tx.tryReserve(), { kind: "full" });
  assert.throws(() => tx.tryReserveMany(1), { kind: "full" });
  assert.equal(await stateOf(reserving), "pending");
  assert.equal(await rx.recv(), 0);
  const permits = await reserving;
  assert.equal(permits.len(), 3);
  assert.equal(rx.len(), 1);
  permits.dispose();
  assert.equal(tx.capacity(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted hands the free slots it held on to later waiters", async () => {
  const [tx, rx] = channel<number>(4);
  fill(tx, 2);
  const controller = new AbortController();
  const reservingMany = tx.reserveMany(3, { signal: controller.signal });
  const reserving = tx.reserve();
  assert.equal(await stateOf(reserving), "pending");
  controller.abort();
  await assert.rejects(reservingMany, is(controller.signal.reason));
  const permit = await reserving;
  assert.equal(tx.capacity(), 1);
  permit.dispose();
  assert.equal(tx.capacity(), 2);
  assert.equal(rx.len(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() at the head of the queue is served before smaller later requests", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const order: string[] = [];
  const many = tx.reserveMany(2).then((p) => (order.push("many"), p));
  const one = tx.reserve().then((p) => (order.push("one"), p));
  assert.equal(await rx.recv(), 0);
  assert.equal(await stateOf(one), "pending");
  assert.equal(await rx.recv(), 1);
  const permits = await many;
  assert.equal(await stateOf(one), "pending");
  permits.dispose();
  (await one).dispose();
  assert.deepEqual(order, ["many", "one"]);
  assert.equal(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() that timed out hands its place on", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const timingOut = tx.sendTimeout(1, 1);
  const sending = tx.send(2);
  await assert.rejects(timingOut, { kind: "timeout", value: 1 });
  assert.equal(await rx.recv(), 0);
  await sending;
  assert.equal(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

// -- reserveMany() edge cases --

Deno.test("Sender.reserveMany(0) and tryReserveMany(0) succeed at once with an empty iterator, even when full", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const reserving = tx.reserveMany(0);
  assert.equal(await stateOf(reserving), "fulfilled");
  for (const permits of [await reserving, tx.tryReserveMany(0)]) {
    assert.equal(permits.len(), 0);
    assert.deepEqual(permits.next(), { value: undefined, done: true });
    assert.deepEqual([...permits], []);
    permits.dispose();
  }
  assert.equal(tx.capacity(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany(0) and tryReserveMany(0) fail when closed", async () => {
  const [tx, rx] = channel<number>(1);
  rx.close();
  await assert.rejects(tx.reserveMany(0), SendError);
  assert.throws(() => tx.tryReserveMany(0), {
    name: "TrySendError",
    kind: "closed",
  });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() beyond maxCapacity() rejects with SendError; tryReserveMany() throws full even when closed", async () => {
  const [tx, rx] = channel<number>(3);
  await assert.rejects(tx.reserveMany(4), SendError);
  assert.throws(() => tx.tryReserveMany(4), {
    name: "TrySendError",
    kind: "full",
  });
  assert.equal(tx.capacity(), 3);
  rx.close();
  await assert.rejects(tx.reserveMany(4), SendError);
  assert.throws(() => tx.tryReserveMany(4), {
    name: "TrySendError",
    kind: "full",
  });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany(maxCapacity()) succeeds on an empty channel", async () => {
  const [tx, rx] = channel<number>(40);
  const permits = await tx.reserveMany(40);
  assert.equal(permits.len(), 40);
  assert.equal(tx.capacity(), 0);
  let i = 0;
  for (const permit of permits) permit.send(i++);
  assert.equal(permits.len(), 0);
  const received: number[] = [];
  assert.equal(await rx.recvMany(received, 100), 40);
  assert.deepEqual(received, Array.from({ length: 40 }, (_, i) => i));
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() rejects and tryReserveMany() throws RangeError for a bad count", async (t) => {
  for (
    const n of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, MAX_BUFFER + 2]
  ) {
    await t.step(String(n), async () => {
      const [tx, rx] = channel<number>(2);
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = tx.reserveMany(n));
      await assert.rejects(promise!, (error) => {
        assert.ok(error instanceof RangeError);
        assert.ok(error.message.includes(String(n)), error.message);
        return true;
      });
      assert.throws(() => tx.tryReserveMany(n), RangeError);
      assert.equal(tx.capacity(), 2);
      tx.dispose();
      rx.dispose();
    });
  }
});

Deno.test("Sender.reserveMany() rejects and tryReserveMany() throws TypeError for a count that is not a number", async () => {
  const [tx, rx] = channel<number>(2);
  await assert.rejects(tx.reserveMany("1" as unknown as number), TypeError);
  assert.throws(() => tx.tryReserveMany(1n as unknown as number), TypeError);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator yields its permits, counts down and gives back the rest on an early break", async () => {
  const [tx, rx] = channel<number>(5);
  const permits = tx.tryReserveMany(4);
  assert.equal(permits[Symbol.iterator](), permits);
  assert.equal(permits.len(), 4);
  let sent = 0;
  for (const permit of permits) {
    permit.send(sent++);
    if (sent === 2) break;
  }
  assert.equal(tx.capacity(), 3);
  const received: number[] = [];
  assert.equal(await rx.recvMany(received, 5), 2);
  assert.deepEqual(received, [0, 1]);
  assert.equal(tx.capacity(), 5);
  tx.dispose();
  rx.dispose();
});

Deno.test("PermitIterator.return() gives back the permits not taken and ends the iterator", () => {
  const [tx, rx] = channel<number>(3);
  const permits = tx.tryReserveMany(3);
  const first = permits.next().value!;
  assert.equal(permits.len(), 2);
  const result = permits.return!();
  assert.equal(result.done, true);
  assert.equal(tx.capacity(), 2);
  first.send(1);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(tx.capacity(), 3);
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
  assert.equal(tx.capacity(), 1);
  kept.send(1);
  assert.equal(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

// -- recvMany() edge cases --

Deno.test("Receiver.recvMany() appends to the buffer and returns how many it appended", async () => {
  const [tx, rx] = channel<string>(8);
  for (const value of ["a", "b", "c"]) tx.trySend(value);
  const buffer = ["x"];
  assert.equal(await rx.recvMany(buffer, 2), 2);
  assert.deepEqual(buffer, ["x", "a", "b"]);
  assert.equal(await rx.recvMany(buffer, 10), 1);
  assert.deepEqual(buffer, ["x", "a", "b", "c"]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() waits for at least one message", async () => {
  const [tx, rx] = channel<number>(4);
  const buffer: number[] = [];
  const receiving = rx.recvMany(buffer, 4);
  assert.equal(await stateOf(receiving), "pending");
  tx.trySend(1);
  assert.equal(await receiving, 1);
  assert.deepEqual(buffer, [1]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() with limit 0 returns 0 at once and takes nothing", async () => {
  const [tx, rx] = channel<number>(4);
  const buffer = [9];
  const empty = rx.recvMany(buffer, 0);
  assert.equal(await stateOf(empty), "fulfilled");
  assert.equal(await empty, 0);
  fill(tx, 2);
  assert.equal(await rx.recvMany(buffer, 0), 0);
  assert.deepEqual(buffer, [9]);
  assert.equal(rx.len(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() returns 0 only once finished and leaves the buffer untouched", async () => {
  const [tx, rx] = channel<number | undefined>(4);
  tx.trySend(undefined);
  tx.trySend(undefined);
  tx.dispose();
  const buffer: (number | undefined)[] = [1];
  assert.equal(await rx.recvMany(buffer, 4), 2);
  assert.deepEqual(buffer, [1, undefined, undefined]);
  assert.equal(await rx.recvMany(buffer, 4), 0);
  assert.deepEqual(buffer, [1, undefined, undefined]);
  rx.dispose();
});

Deno.test("Receiver.recvMany() frees slots for waiting senders", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const sends = [tx.send(2), tx.send(3)];
  const buffer: number[] = [];
  assert.equal(await rx.recvMany(buffer, 2), 2);
  await Promise.all(sends);
  assert.equal(await rx.recvMany(buffer, 2), 2);
  assert.deepEqual(buffer, [0, 1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() rejects with RangeError or TypeError for a bad limit", async (t) => {
  const cases: [unknown, new (...args: never[]) => Error][] = [
    [-1, RangeError],
    [1.5, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    [2 ** 53, RangeError],
    ["2", TypeError],
    [undefined, TypeError],
  ];
  for (const [limit, expected] of cases) {
    await t.step(String(limit), async () => {
      const [tx, rx] = channel<number>(2);
      fill(tx, 1);
      const buffer: number[] = [];
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = rx.recvMany(buffer, limit as number));
      await assert.rejects(promise!, (error) => {
        assert.ok(error instanceof expected);
        assert.match((error as Error).message, /limit/);
        return true;
      });
      assert.deepEqual(buffer, []);
      assert.equal(rx.len(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
});

// -- sendTimeout() --

Deno.test("Sender.sendTimeout() succeeds at once when there is room, even with ms 0", async () => {
  const [tx, rx] = channel<number>(2);
  const sending = tx.sendTimeout(1, 0);
  assert.equal(await stateOf(sending), "fulfilled");
  await tx.sendTimeout(2, 0);
  assert.equal(rx.len(), 2);
  assert.equal(await rx.recv(), 1);
  assert.equal(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() rejects with timeout once ms have passed without room", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout"],
  });
  try {
    const [tx, rx] = channel<number>(1);
    fill(tx, 1);
    const sending = tx.sendTimeout(7, 1_000);
    const outcomes: unknown[] = [];
    sending.catch((error) => outcomes.push(error));
    await clock.tickAsync(999);
    assert.equal(outcomes.length, 0);
    await clock.tickAsync(1);
    const [outcome] = outcomes;
    assert.ok(outcome instanceof SendTimeoutError);
    assert.equal(outcome.kind, "timeout");
    assert.equal(outcome.value, 7);
    assert.equal(rx.len(), 1);
    assert.equal(await rx.recv(), 0);
    assert.throws(() => rx.tryRecv(), { kind: "empty" });
    tx.dispose();
    rx.dispose();
  } finally {
    clock.uninstall();
  }
});

Deno.test("Sender.sendTimeout() clears its timer when room comes in time", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout"],
  });
  try {
    const [tx, rx] = channel<number>(1);
    fill(tx, 1);
    const sending = tx.sendTimeout(7, 1_000);
    assert.equal(clock.countTimers(), 1);
    assert.equal(await rx.recv(), 0);
    await sending;
    assert.equal(clock.countTimers(), 0);
    assert.equal(await rx.recv(), 7);
    tx.dispose();
    rx.dispose();
  } finally {
    clock.uninstall();
  }
});

Deno.test("Sender.sendTimeout() with ms 0 and no room times out", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  await assert.rejects(tx.sendTimeout(1, 0), {
    name: "SendTimeoutError",
    kind: "timeout",
    value: 1,
  });
  assert.equal(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() rejects with closed when closed, before or while waiting", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const waiting = tx.sendTimeout(1, 60_000);
  rx.close();
  await assert.rejects(waiting, {
    name: "SendTimeoutError",
    kind: "closed",
    value: 1,
  });
  await assert.rejects(tx.sendTimeout(2, 60_000), { kind: "closed", value: 2 });
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() with ms Infinity or beyond a timer's range waits without limit", async (t) => {
  for (const ms of [Infinity, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
    await t.step(String(ms), async () => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, ms);
      assert.equal(await stateOf(sending), "pending");
      assert.equal(await rx.recv(), 0);
      await sending;
      assert.equal(await rx.recv(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
});

Deno.test("Sender.sendTimeout() rejects with RangeError or TypeError for a bad ms", async (t) => {
  const cases: [unknown, new (...args: never[]) => Error][] = [
    [-1, RangeError],
    [-Infinity, RangeError],
    [NaN, RangeError],
    ["5", TypeError],
    [undefined, TypeError],
  ];
  for (const [ms, expected] of cases) {
    await t.step(String(ms), async () => {
      const [tx, rx] = channel<number>(1);
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = tx.sendTimeout(1, ms as number));
      await assert.rejects(promise!, expected);
      assert.equal(rx.len(), 0);
      tx.dispose();
      rx.dispose();
    });
  }
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
    assert.ok(!text.includes(secret), text);
  }
  assert.equal(rx.tryRecv(), secret);
  tx.dispose();
  rx.dispose();
});
