// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { assertThrowsTryRecvError, stateOf } from "./_util.ts";
import { SendError, TryRecvError, unboundedChannel } from "../mod.ts";

// -- unboundedChannel() --

Deno.test("unboundedChannel() returns a connected sender and receiver", () => {
  const [tx, rx] = unboundedChannel<number>();
  assertStrictEquals(tx.strongCount(), 1);
  assertStrictEquals(tx.weakCount(), 0);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.isEmpty(), true);
  assertStrictEquals(rx.len(), 0);
  assertStrictEquals(tx.isClosed(), false);
  assertStrictEquals(rx.isClosed(), false);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver has no capacity() or maxCapacity()", () => {
  const [tx, rx] = unboundedChannel<number>();
  assertStrictEquals("capacity" in rx, false);
  assertStrictEquals("maxCapacity" in rx, false);
  assertStrictEquals("capacity" in tx, false);
  tx.dispose();
  rx.dispose();
});

// -- UnboundedSender.send() --

Deno.test("UnboundedSender.send() is synchronous and returns undefined", () => {
  const [tx, rx] = unboundedChannel<number>();
  assertStrictEquals(tx.send(1), undefined);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.send() accepts undefined and null messages", async () => {
  const [tx, rx] = unboundedChannel<number | null | undefined>();
  tx.send(undefined);
  tx.send(null);
  tx.send(0);
  assertStrictEquals(rx.len(), 3);
  assertStrictEquals(rx.tryRecv(), undefined);
  assertStrictEquals(await rx.recv(), null);
  assertStrictEquals(await rx.recv(), 0);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.send() throws SendError carrying the value when closed", () => {
  const [tx, rx] = unboundedChannel<{ n: number }>();
  const value = { n: 1 };
  rx.close();
  const error = assertThrows(() => tx.send(value), SendError);
  assertStrictEquals(error.value, value);
  rx.dispose();
  assertThrows(() => tx.send(value), SendError);
  tx.dispose();
});

Deno.test("UnboundedSender.send() takes no limit on queued messages", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10_000; i++) tx.send(i);
  assertStrictEquals(rx.len(), 10_000);
  const buffer: number[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 20_000), 10_000);
  assertStrictEquals(buffer[9_999], 9_999);
  tx.dispose();
  rx.dispose();
});

// -- Disposal --

Deno.test("unboundedChannel() handles are disposed by using at the end of a block", () => {
  const [tx, rx] = unboundedChannel<number>();
  {
    using clone = tx.clone();
    using weak = tx.downgrade();
    assertStrictEquals(clone.strongCount(), 2);
    assertStrictEquals(weak.weakCount(), 1);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 0);
  {
    using receiver = rx;
    assertStrictEquals(receiver.isClosed(), false);
  }
  assertStrictEquals(tx.isClosed(), true);
  {
    using sender = tx;
    assertStrictEquals(sender.isClosed(), true);
  }
  assertThrows(() => tx.isClosed(), ReferenceError);
});

Deno.test("unboundedChannel() handles are disposed by await using at the end of a block", async () => {
  const [tx, rx] = unboundedChannel<number>();
  {
    await using clone = tx.clone();
    await using weak = tx.downgrade();
    assertStrictEquals(clone.strongCount(), 2);
    assertStrictEquals(weak.weakCount(), 1);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 0);
  {
    await using receiver = rx;
    assertStrictEquals(receiver.isClosed(), false);
  }
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

// -- Sender lifetime --

Deno.test("WeakUnboundedSender.upgrade() succeeds while a strong sender lives, never after", () => {
  const [tx, rx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const upgraded = weak.upgrade();
  assert(upgraded);
  assertStrictEquals(rx.senderStrongCount(), 2);
  tx.dispose();
  upgraded.send(1);
  upgraded.dispose();
  assertStrictEquals(weak.upgrade(), undefined);
  assertStrictEquals(rx.tryRecv(), 1);
  assertThrowsTryRecvError(() => rx.tryRecv(), "disconnected");
  // The count stays at zero for good.
  assertStrictEquals(weak.clone().upgrade(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.sameChannel() compares channels", () => {
  const [tx, rx] = unboundedChannel<number>();
  const [otherTx, otherRx] = unboundedChannel<number>();
  const clone = tx.clone();
  assertStrictEquals(tx.sameChannel(clone), true);
  assertStrictEquals(tx.sameChannel(tx), true);
  assertStrictEquals(tx.sameChannel(otherTx), false);
  for (const handle of [tx, rx, clone, otherTx, otherRx]) handle.dispose();
});

// -- Closing and draining --

Deno.test("UnboundedReceiver.close() keeps buffered messages receivable, then ends", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(1);
  tx.send(2);
  const closing = tx.closed();
  rx.close();
  rx.close();
  await closing;
  assertStrictEquals(tx.isClosed(), true);
  assertStrictEquals(rx.isClosed(), true);
  assertThrows(() => tx.send(3), SendError);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(rx.tryRecv(), 2);
  const error = assertThrows(() => rx.tryRecv(), TryRecvError);
  assertStrictEquals(error.kind, "disconnected");
  assertStrictEquals(await rx.recv(), undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.close() ends pending receives at once", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const buffer = [5];
  const receiving = [rx.recv(), rx.recvMany(buffer, 2)];
  assertStrictEquals(await stateOf(receiving[0]!), "pending");
  rx.close();
  assertEquals(await Promise.all(receiving), [undefined, 0]);
  assertEquals(buffer, [5]);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.dispose() discards buffered messages and ends pending receives", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const receiving = rx.recv();
  rx.dispose();
  assertStrictEquals(await receiving, undefined);
  assertStrictEquals(tx.isClosed(), true);
  await tx.closed();
  assertThrows(() => tx.send(1), SendError);
  tx.dispose();
});

// -- recvMany() edge cases --

Deno.test("UnboundedReceiver.recvMany() appends up to limit messages and returns how many", async () => {
  const [tx, rx] = unboundedChannel<string>();
  for (const value of ["a", "b", "c"]) tx.send(value);
  const buffer = ["x"];
  assertStrictEquals(await rx.recvMany(buffer, 2), 2);
  assertEquals(buffer, ["x", "a", "b"]);
  assertStrictEquals(await rx.recvMany(buffer, 0), 0);
  assertEquals(buffer, ["x", "a", "b"]);
  const waiting = rx.recvMany(buffer, 5);
  assertStrictEquals(await waiting, 1);
  const next = rx.recvMany(buffer, 5);
  assertStrictEquals(await stateOf(next), "pending");
  tx.send("d");
  assertStrictEquals(await next, 1);
  tx.dispose();
  assertStrictEquals(await rx.recvMany(buffer, 5), 0);
  assertEquals(buffer, ["x", "a", "b", "c", "d"]);
  rx.dispose();
});

// -- Debug output --

Deno.test("Deno.inspect() of unbounded handles never prints a message", () => {
  const secret = "s3cr3t-message-4b7a";
  const [tx, rx] = unboundedChannel<string>();
  tx.send(secret);
  const weak = tx.downgrade();
  for (const handle of [tx, rx, weak]) {
    const text = Deno.inspect(handle, { depth: Infinity });
    assert(!text.includes(secret), text);
  }
  assertStrictEquals(rx.tryRecv(), secret);
  weak.dispose();
  tx.dispose();
  rx.dispose();
});
