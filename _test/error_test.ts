// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  channel,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
  unboundedChannel,
} from "../mod.ts";

// A message that must never show up in printed output.
const SECRET = "s3cr3t-payload-7f1c";

/** Asserts the parts every error of the module shares. */
function assertWellFormed(error: unknown, name: string): void {
  assert(error instanceof Error, `${name} extends Error`);
  assertStrictEquals(error.name, name);
  assertStrictEquals(error.constructor.name, name);
  assertStrictEquals(typeof error.stack, "string");
  // House style: sentence case, action first, no trailing period.
  assertMatch(error.message, /^[A-Z][^:.]*: \S/);
  assertNotMatch(error.message, /\.$/);
  assertStrictEquals(String(error), `${name}: ${error.message}`);
}

/** Asserts that no printed form of `error` reveals the carried value. */
function assertValueHidden(error: unknown): void {
  assert(error instanceof Error);
  assert(!Deno.inspect(error).includes(SECRET), "Deno.inspect");
  assert(
    !Deno.inspect(error, { depth: Infinity }).includes(SECRET),
    "Deno.inspect with unlimited depth",
  );
  assert(!String(error).includes(SECRET), "String()");
  assert(!error.message.includes(SECRET), "message");
  assert(!Object.keys(error).includes("value"), "own enumerable keys");
  assert(!JSON.stringify(error).includes(SECRET), "JSON.stringify()");
}

// -- SendError --

Deno.test("SendError has its name, a house-style message and hides its value", () => {
  const error = new SendError(SECRET);
  assertWellFormed(error, "SendError");
  assertMatch(error.message, /closed/);
  assertStrictEquals(error.value, SECRET);
  assertValueHidden(error);
});

Deno.test("SendError is the rejection of Sender.send() on a closed channel", async () => {
  const [tx, rx] = channel<string>(1);
  rx.close();
  const value = { text: SECRET };
  const closed = await assertRejects(() => tx.send(SECRET), SendError);
  assertStrictEquals(closed.value, SECRET);
  assertWellFormed(closed, "SendError");
  assertValueHidden(closed);
  const [otx, orx] = channel<{ text: string }>(1);
  orx.dispose();
  const disposed = await assertRejects(() => otx.send(value), SendError);
  assertStrictEquals(disposed.value, value);
  assertValueHidden(disposed);
  tx.dispose();
  otx.dispose();
});

Deno.test("SendError is thrown by UnboundedSender.send() on a closed channel", () => {
  const [tx, rx] = unboundedChannel<string>();
  rx.dispose();
  const error = assertThrows(() => tx.send(SECRET), SendError);
  assertStrictEquals(error.value, SECRET);
  assertWellFormed(error, "SendError");
  assertValueHidden(error);
  tx.dispose();
});

Deno.test("SendError carries undefined when a reservation fails", async () => {
  const [tx, rx] = channel<number>(2);
  rx.close();
  for (
    const call of [
      () => tx.reserve(),
      () => tx.reserveMany(1),
      () => tx.clone().reserveOwned(),
    ]
  ) {
    const error = await assertRejects(call, SendError);
    assertStrictEquals(error.value, undefined);
    assertWellFormed(error, "SendError");
  }
  tx.dispose();
});

// -- TrySendError --

Deno.test("TrySendError has its name, a kind, a house-style message and hides its value", () => {
  for (const kind of ["full", "closed"] as const) {
    const error = new TrySendError(kind, SECRET);
    assertWellFormed(error, "TrySendError");
    assertStrictEquals(error.kind, kind);
    assertMatch(error.message, new RegExp(kind));
    assertStrictEquals(error.value, SECRET);
    assertValueHidden(error);
  }
});

Deno.test('TrySendError.kind is "full" or "closed" from Sender.trySend()', () => {
  const [tx, rx] = channel<string>(1);
  tx.trySend("first");
  const full = assertThrows(() => tx.trySend(SECRET), TrySendError);
  assertStrictEquals(full.kind, "full");
  assertStrictEquals(full.value, SECRET);
  assertValueHidden(full);
  rx.close();
  const closed = assertThrows(() => tx.trySend(SECRET), TrySendError);
  assertStrictEquals(closed.kind, "closed");
  assertStrictEquals(closed.value, SECRET);
  assertValueHidden(closed);
  tx.dispose();
  rx.dispose();
});

Deno.test("TrySendError carries undefined from Sender.tryReserve() and tryReserveMany()", () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  for (const call of [() => tx.tryReserve(), () => tx.tryReserveMany(1)]) {
    const error = assertThrows(call, TrySendError);
    assertStrictEquals(error.kind, "full");
    assertStrictEquals(error.value, undefined);
  }
  rx.close();
  for (const call of [() => tx.tryReserve(), () => tx.tryReserveMany(1)]) {
    const error = assertThrows(call, TrySendError);
    assertStrictEquals(error.kind, "closed");
    assertStrictEquals(error.value, undefined);
  }
  tx.dispose();
  rx.dispose();
});

Deno.test("TrySendError from Sender.tryReserveOwned() hands the sender back unprinted", () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  const error = assertThrows(() => tx.tryReserveOwned(), TrySendError);
  assertStrictEquals(error.kind, "full");
  assertStrictEquals(error.value, tx);
  assert(!Object.keys(error).includes("value"));
  tx.dispose();
  rx.dispose();
});

// -- TryRecvError --

Deno.test("TryRecvError has its name, a kind and a house-style message", () => {
  for (const kind of ["empty", "disconnected"] as const) {
    const error = new TryRecvError(kind);
    assertWellFormed(error, "TryRecvError");
    assertStrictEquals(error.kind, kind);
    assertMatch(error.message, new RegExp(kind));
  }
});

Deno.test('TryRecvError.kind is "empty" or "disconnected" from Receiver.tryRecv()', () => {
  const [tx, rx] = channel<number>(1);
  const empty = assertThrows(() => rx.tryRecv(), TryRecvError);
  assertWellFormed(empty, "TryRecvError");
  assertStrictEquals(empty.kind, "empty");
  tx.dispose();
  const disconnected = assertThrows(() => rx.tryRecv(), TryRecvError);
  assertStrictEquals(disconnected.kind, "disconnected");
  rx.dispose();
});

// -- SendTimeoutError --

Deno.test("SendTimeoutError has its name, a kind, a house-style message and hides its value", () => {
  for (const kind of ["timeout", "closed"] as const) {
    const error = new SendTimeoutError(kind, SECRET);
    assertWellFormed(error, "SendTimeoutError");
    assertStrictEquals(error.kind, kind);
    assertStrictEquals(error.value, SECRET);
    assertValueHidden(error);
  }
  assertMatch(new SendTimeoutError("closed", 0).message, /closed/);
  assertMatch(new SendTimeoutError("timeout", 0).message, /time/);
});

Deno.test('SendTimeoutError.kind is "timeout" or "closed" from Sender.sendTimeout()', async () => {
  const [tx, rx] = channel<string>(1);
  tx.trySend("first");
  const timeout = await assertRejects(
    () => tx.sendTimeout(SECRET, 1),
    SendTimeoutError,
  );
  assertStrictEquals(timeout.kind, "timeout");
  assertStrictEquals(timeout.value, SECRET);
  assertValueHidden(timeout);
  rx.close();
  const closed = await assertRejects(
    () => tx.sendTimeout(SECRET, 1),
    SendTimeoutError,
  );
  assertStrictEquals(closed.kind, "closed");
  assertStrictEquals(closed.value, SECRET);
  assertValueHidden(closed);
  tx.dispose();
  rx.dispose();
});

// -- Class identity --

Deno.test("SendError, TrySendError, TryRecvError and SendTimeoutError are distinct classes", () => {
  const errors = [
    new SendError(1),
    new TrySendError("full", 1),
    new TryRecvError("empty"),
    new SendTimeoutError("timeout", 1),
  ];
  const classes = [SendError, TrySendError, TryRecvError, SendTimeoutError];
  for (const [i, error] of errors.entries()) {
    for (const [j, cls] of classes.entries()) {
      assertStrictEquals(
        error instanceof cls,
        i === j,
        `${error.name} vs ${cls.name}`,
      );
    }
  }
});
