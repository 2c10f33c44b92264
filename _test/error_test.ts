// Copyright 2026 the @seed/mpsc authors. MIT license.

import assert from "node:assert/strict";
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
  assert.ok(error instanceof Error, `${name} extends Error`);
  assert.equal(error.name, name);
  assert.equal(error.constructor.name, name);
  assert.equal(typeof error.stack, "string");
  // House style: sentence case, action first, no trailing period.
  assert.match(error.message, /^[A-Z][^:.]*: \S/);
  assert.doesNotMatch(error.message, /\.$/);
  assert.equal(String(error), `${name}: ${error.message}`);
}

/** Asserts that no printed form of `error` reveals the carried value. */
function assertValueHidden(error: unknown): void {
  assert.ok(error instanceof Error);
  assert.ok(!Deno.inspect(error).includes(SECRET), "Deno.inspect");
  assert.ok(
    !Deno.inspect(error, { depth: Infinity }).includes(SECRET),
    "Deno.inspect with unlimited depth",
  );
  assert.ok(!String(error).includes(SECRET), "String()");
  assert.ok(!error.message.includes(SECRET), "message");
  assert.ok(!Object.keys(error).includes("value"), "own enumerable keys");
  assert.ok(!JSON.stringify(error).includes(SECRET), "JSON.stringify()");
}

// -- SendError --

Deno.test("SendError has its name, a house-style message and hides its value", () => {
  const error = new SendError(SECRET);
  assertWellFormed(error, "SendError");
  assert.match(error.message, /closed/);
  assert.equal(error.value, SECRET);
  assertValueHidden(error);
});

Deno.test("SendError is the rejection of Sender.send() on a closed channel", async () => {
  const [tx, rx] = channel<string>(1);
  rx.close();
  const value = { text: SECRET };
  await assert.rejects(tx.send(SECRET), (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, SECRET);
    assertWellFormed(error, "SendError");
    assertValueHidden(error);
    return true;
  });
  const [otx, orx] = channel<{ text: string }>(1);
  orx.dispose();
  await assert.rejects(otx.send(value), (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, value);
    assertValueHidden(error);
    return true;
  });
  tx.dispose();
  otx.dispose();
});

Deno.test("SendError is thrown by UnboundedSender.send() on a closed channel", () => {
  const [tx, rx] = unboundedChannel<string>();
  rx.dispose();
  assert.throws(() => tx.send(SECRET), (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, SECRET);
    assertWellFormed(error, "SendError");
    assertValueHidden(error);
    return true;
  });
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
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof SendError);
      assert.equal(error.value, undefined);
      assertWellFormed(error, "SendError");
      return true;
    });
  }
  tx.dispose();
});

// -- TrySendError --

Deno.test("TrySendError has its name, a kind, a house-style message and hides its value", () => {
  for (const kind of ["full", "closed"] as const) {
    const error = new TrySendError(kind, SECRET);
    assertWellFormed(error, "TrySendError");
    assert.equal(error.kind, kind);
    assert.match(error.message, new RegExp(kind));
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
  }
});

Deno.test('TrySendError.kind is "full" or "closed" from Sender.trySend()', () => {
  const [tx, rx] = channel<string>(1);
  tx.trySend("first");
  assert.throws(() => tx.trySend(SECRET), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "full");
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
    return true;
  });
  rx.close();
  assert.throws(() => tx.trySend(SECRET), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "closed");
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
    return true;
  });
  tx.dispose();
  rx.dispose();
});

Deno.test("TrySendError carries undefined from Sender.tryReserve() and tryReserveMany()", () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  for (const call of [() => tx.tryReserve(), () => tx.tryReserveMany(1)]) {
    assert.throws(call, (error) => {
      assert.ok(error instanceof TrySendError);
      assert.equal(error.kind, "full");
      assert.equal(error.value, undefined);
      return true;
    });
  }
  rx.close();
  for (const call of [() => tx.tryReserve(), () => tx.tryReserveMany(1)]) {
    assert.throws(call, (error) => {
      assert.ok(error instanceof TrySendError);
      assert.equal(error.kind, "closed");
      assert.equal(error.value, undefined);
      return true;
    });
  }
  tx.dispose();
  rx.dispose();
});

Deno.test("TrySendError from Sender.tryReserveOwned() hands the sender back unprinted", () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  assert.throws(() => tx.tryReserveOwned(), (error) => {
    assert.ok(error instanceof TrySendError);
    assert.equal(error.kind, "full");
    assert.equal(error.value, tx);
    assert.ok(!Object.keys(error).includes("value"));
    return true;
  });
  tx.dispose();
  rx.dispose();
});

// -- TryRecvError --

Deno.test("TryRecvError has its name, a kind and a house-style message", () => {
  for (const kind of ["empty", "disconnected"] as const) {
    const error = new TryRecvError(kind);
    assertWellFormed(error, "TryRecvError");
    assert.equal(error.kind, kind);
    assert.match(error.message, new RegExp(kind));
  }
});

Deno.test('TryRecvError.kind is "empty" or "disconnected" from Receiver.tryRecv()', () => {
  const [tx, rx] = channel<number>(1);
  assert.throws(() => rx.tryRecv(), (error) => {
    assert.ok(error instanceof TryRecvError);
    assertWellFormed(error, "TryRecvError");
    assert.equal(error.kind, "empty");
    return true;
  });
  tx.dispose();
  assert.throws(() => rx.tryRecv(), (error) => {
    assert.ok(error instanceof TryRecvError);
    assert.equal(error.kind, "disconnected");
    return true;
  });
  rx.dispose();
});

// -- SendTimeoutError --

Deno.test("SendTimeoutError has its name, a kind, a house-style message and hides its value", () => {
  for (const kind of ["timeout", "closed"] as const) {
    const error = new SendTimeoutError(kind, SECRET);
    assertWellFormed(error, "SendTimeoutError");
    assert.equal(error.kind, kind);
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
  }
  assert.match(new SendTimeoutError("closed", 0).message, /closed/);
  assert.match(new SendTimeoutError("timeout", 0).message, /time/);
});

Deno.test('SendTimeoutError.kind is "timeout" or "closed" from Sender.sendTimeout()', async () => {
  const [tx, rx] = channel<string>(1);
  tx.trySend("first");
  await assert.rejects(tx.sendTimeout(SECRET, 1), (error) => {
    assert.ok(error instanceof SendTimeoutError);
    assert.equal(error.kind, "timeout");
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
    return true;
  });
  rx.close();
  await assert.rejects(tx.sendTimeout(SECRET, 1), (error) => {
    assert.ok(error instanceof SendTimeoutError);
    assert.equal(error.kind, "closed");
    assert.equal(error.value, SECRET);
    assertValueHidden(error);
    return true;
  });
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
      assert.equal(
        error instanceof cls,
        i === j,
        `${error.name} vs ${cls.name}`,
      );
    }
  }
});
