// Copyright 2026 the @seed/mpsc authors. MIT license.

import assert from "node:assert/strict";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { countListeners, is, stateOf } from "./_util.ts";
import { SendError, TryRecvError, unboundedChannel } from "../mod.ts";
import type { UnboundedSender } from "../mod.ts";

/**
 * Sends `count` fresh objects through `tx`; returns weak references to
 * them. A function of its own, so no local keeps one alive.
 */
function sendTracked(
  tx: UnboundedSender<object>,
  count: number,
): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const message = { payload: new Array(100).fill(i) };
    refs.push(new WeakRef(message));
    tx.send(message);
  }
  return refs;
}

// -- unboundedChannel() --

Deno.test("unboundedChannel() returns a connected sender and receiver", () => {
  const [tx, rx] = unboundedChannel<number>();
  assert.equal(tx.strongCount(), 1);
  assert.equal(tx.weakCount(), 0);
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.isEmpty(), true);
  assert.equal(rx.len(), 0);
  assert.equal(tx.isClosed(), false);
  assert.equal(rx.isClosed(), false);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver has no capacity() or maxCapacity()", () => {
  const [tx, rx] = unboundedChannel<number>();
  assert.equal("capacity" in rx, false);
  assert.equal("maxCapacity" in rx, false);
  assert.equal("capacity" in tx, false);
  tx.dispose();
  rx.dispose();
});

// -- UnboundedSender.send() --

Deno.test("UnboundedSender.send() is synchronous and returns undefined", () => {
  const [tx, rx] = unboundedChannel<number>();
  assert.equal(tx.send(1), undefined);
  assert.equal(rx.len(), 1);
  assert.equal(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.send() accepts undefined and null messages", async () => {
  const [tx, rx] = unboundedChannel<number | null | undefined>();
  tx.send(undefined);
  tx.send(null);
  tx.send(0);
  assert.equal(rx.len(), 3);
  assert.equal(rx.tryRecv(), undefined);
  assert.equal(await rx.recv(), null);
  assert.equal(await rx.recv(), 0);
  assert.throws(() => rx.tryRecv(), { kind: "empty" });
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.send() throws SendError carrying the value when closed", () => {
  const [tx, rx] = unboundedChannel<{ n: number }>();
  const value = { n: 1 };
  rx.close();
  assert.throws(() => tx.send(value), (error) => {
    assert.ok(error instanceof SendError);
    assert.equal(error.value, value);
    return true;
  });
  rx.dispose();
  assert.throws(() => tx.send(value), SendError);
  tx.dispose();
});

Deno.test("UnboundedSender.send() takes no limit on queued messages", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 10_000; i++) tx.send(i);
  assert.equal(rx.len(), 10_000);
  const buffer: number[] = [];
  assert.equal(await rx.recvMany(buffer, 20_000), 10_000);
  assert.equal(buffer[9_999], 9_999);
  tx.dispose();
  rx.dispose();
});

// -- Disposal --

Deno.test("UnboundedSender.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = unboundedChannel<number>();
  const clone = tx.clone();
  assert.equal(rx.senderStrongCount(), 2);
  clone[Symbol.dispose]();
  clone.dispose();
  clone.dispose();
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.isClosed(), false);
  tx.dispose();
  tx[Symbol.dispose]();
  assert.equal(rx.senderStrongCount(), 0);
  assert.equal(rx.isClosed(), true);
  rx.dispose();
});

Deno.test("WeakUnboundedSender.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const other = weak.clone();
  assert.equal(rx.senderWeakCount(), 2);
  weak[Symbol.dispose]();
  weak.dispose();
  weak.dispose();
  assert.equal(rx.senderWeakCount(), 1);
  other.dispose();
  assert.equal(rx.senderWeakCount(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.dispose() and [Symbol.dispose]() dispose once, idempotently", () => {
  const [tx, rx] = unboundedChannel<number>();
  rx[Symbol.dispose]();
  rx.dispose();
  rx.dispose();
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("unboundedChannel() handles are disposed by using at the end of a block", () => {
  const [tx, rx] = unboundedChannel<number>();
  {
    using clone = tx.clone();
    using weak = tx.downgrade();
    assert.equal(clone.strongCount(), 2);
    assert.equal(weak.weakCount(), 1);
  }
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.senderWeakCount(), 0);
  {
    using receiver = rx;
    assert.equal(receiver.isClosed(), false);
  }
  assert.equal(tx.isClosed(), true);
  {
    using sender = tx;
    assert.equal(sender.isClosed(), true);
  }
  assert.throws(() => tx.isClosed(), ReferenceError);
});

Deno.test("unboundedChannel() handles are disposed by await using at the end of a block", async () => {
  const [tx, rx] = unboundedChannel<number>();
  {
    await using clone = tx.clone();
    await using weak = tx.downgrade();
    assert.equal(clone.strongCount(), 2);
    assert.equal(weak.weakCount(), 1);
  }
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.senderWeakCount(), 0);
  {
    await using receiver = rx;
    assert.equal(receiver.isClosed(), false);
  }
  assert.equal(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("UnboundedSender throws or rejects ReferenceError from every method after dispose", async (t) => {
  const [tx, rx] = unboundedChannel<number>();
  const other = tx.clone();
  tx.dispose();
  const sync: [string, () => unknown][] = [
    ["send", () => tx.send(1)],
    ["isClosed", () => tx.isClosed()],
    ["sameChannel", () => tx.sameChannel(other)],
    ["clone", () => tx.clone()],
    ["downgrade", () => tx.downgrade()],
    ["strongCount", () => tx.strongCount()],
    ["weakCount", () => tx.weakCount()],
  ];
  for (const [name, call] of sync) {
    await t.step(`${name}() throws`, () => assert.throws(call, ReferenceError));
  }
  await t.step("closed() rejects", async () => {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => promise = tx.closed());
    await assert.rejects(promise!, ReferenceError);
  });
  assert.equal(rx.senderStrongCount(), 1);
  assert.equal(rx.len(), 0);
  other.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver throws or rejects ReferenceError from every method after dispose", async (t) => {
  const [tx, rx] = unboundedChannel<number>();
  rx.dispose();
  const sync: [string, () => unknown][] = [
    ["tryRecv", () => rx.tryRecv()],
    ["close", () => rx.close()],
    ["isClosed", () => rx.isClosed()],
    ["isEmpty", () => rx.isEmpty()],
    ["len", () => rx.len()],
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

Deno.test("WeakUnboundedSender throws ReferenceError from every method after dispose", () => {
  const [tx, rx] = unboundedChannel<number>();
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

Deno.test("unboundedChannel() handles have no then member", () => {
  const [tx, rx] = unboundedChannel<number>();
  const handles: object[] = [
    tx,
    rx,
    tx.downgrade(),
    rx[Symbol.asyncIterator](),
  ];
  for (const handle of handles) assert.equal("then" in handle, false);
  tx.dispose();
  rx.dispose();
});

// -- Sender lifetime --

Deno.test("WeakUnboundedSender does not keep the channel open", async () => {
  const [tx, rx] = unboundedChannel<number>();
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

Deno.test("WeakUnboundedSender.upgrade() succeeds while a strong sender lives, never after", () => {
  const [tx, rx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const upgraded = weak.upgrade();
  assert.ok(upgraded);
  assert.equal(rx.senderStrongCount(), 2);
  tx.dispose();
  upgraded.send(1);
  upgraded.dispose();
  assert.equal(weak.upgrade(), undefined);
  assert.equal(rx.tryRecv(), 1);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  // The count stays at zero for good.
  assert.equal(weak.clone().upgrade(), undefined);
  weak.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.sameChannel() compares channels", () => {
  const [tx, rx] = unboundedChannel<number>();
  const [otherTx, otherRx] = unboundedChannel<number>();
  const clone = tx.clone();
  assert.equal(tx.sameChannel(clone), true);
  assert.equal(tx.sameChannel(tx), true);
  assert.equal(tx.sameChannel(otherTx), false);
  for (const handle of [tx, rx, clone, otherTx, otherRx]) handle.dispose();
});

// -- AbortSignal --

Deno.test("AbortSignal already aborted makes every unbounded waiting method reject with its reason and change nothing", async (t) => {
  const reason = new Error("aborted before the call");
  const signal = AbortSignal.abort(reason);
  for (const closed of [false, true]) {
    await t.step(closed ? "closed channel" : "open channel", async () => {
      const [tx, rx] = unboundedChannel<number>();
      tx.send(1);
      if (closed) rx.close();
      await assert.rejects(tx.closed({ signal }), is(reason));
      await assert.rejects(rx.recv({ signal }), is(reason));
      await assert.rejects(rx.recvMany([], 4, { signal }), is(reason));
      await assert.rejects(rx.recvMany([], 0, { signal }), is(reason));
      assert.equal(rx.len(), 1);
      assert.equal(rx.isClosed(), closed);
      assert.equal(rx.tryRecv(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
  await t.step("finished channel", async () => {
    const [tx, rx] = unboundedChannel<number>();
    tx.dispose();
    await assert.rejects(rx.recv({ signal }), is(reason));
    await assert.rejects(rx.recvMany([], 1, { signal }), is(reason));
    rx.dispose();
  });
});

Deno.test("UnboundedReceiver.recv() aborted while waiting takes no message", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const controller = new AbortController();
  const aborted = rx.recv({ signal: controller.signal });
  assert.equal(await stateOf(aborted), "pending");
  controller.abort();
  await assert.rejects(aborted, is(controller.signal.reason));
  tx.send(1);
  assert.equal(rx.len(), 1);
  assert.equal(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.recvMany() aborted while waiting takes no message and leaves the buffer alone", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const controller = new AbortController();
  const buffer = [-1];
  const aborted = rx.recvMany(buffer, 2, { signal: controller.signal });
  assert.equal(await stateOf(aborted), "pending");
  controller.abort();
  await assert.rejects(aborted, is(controller.signal.reason));
  tx.send(1);
  assert.deepEqual(buffer, [-1]);
  assert.equal(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedSender.closed() aborted while waiting rejects with the reason", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const controller = new AbortController();
  const closing = tx.closed({ signal: controller.signal });
  const other = tx.closed();
  assert.equal(await stateOf(closing), "pending");
  controller.abort();
  await assert.rejects(closing, is(controller.signal.reason));
  rx.close();
  await other;
  tx.dispose();
  rx.dispose();
});

Deno.test("AbortSignal keeps no listener of an unbounded waiting method once the call settles", async (t) => {
  const cases: [
    string,
    (signal: AbortSignal, listeners: () => number) => Promise<void>,
  ][] = [
    [
      "UnboundedSender.closed() resolved by close()",
      async (signal, listeners) => {
        const [tx, rx] = unboundedChannel<number>();
        const closing = tx.closed({ signal });
        assert.ok(listeners() > 0);
        rx.close();
        await closing;
        tx.dispose();
        rx.dispose();
      },
    ],
    [
      "UnboundedSender.closed() resolved by receiver dispose",
      async (signal, listeners) => {
        const [tx, rx] = unboundedChannel<number>();
        const closing = tx.closed({ signal });
        assert.ok(listeners() > 0);
        rx.dispose();
        await closing;
        tx.dispose();
      },
    ],
    ["UnboundedReceiver.recv() resolved", async (signal, listeners) => {
      const [tx, rx] = unboundedChannel<number>();
      const receiving = rx.recv({ signal });
      assert.ok(listeners() > 0);
      tx.send(1);
      assert.equal(await receiving, 1);
      tx.dispose();
      rx.dispose();
    }],
    [
      "UnboundedReceiver.recv() ended by the last sender",
      async (signal, listeners) => {
        const [tx, rx] = unboundedChannel<number>();
        const receiving = rx.recv({ signal });
        assert.ok(listeners() > 0);
        tx.dispose();
        assert.equal(await receiving, undefined);
        rx.dispose();
      },
    ],
    ["UnboundedReceiver.recv() ended by close()", async (signal, listeners) => {
      const [tx, rx] = unboundedChannel<number>();
      const receiving = rx.recv({ signal });
      assert.ok(listeners() > 0);
      rx.close();
      assert.equal(await receiving, undefined);
      tx.dispose();
      rx.dispose();
    }],
    ["UnboundedReceiver.recvMany() resolved", async (signal, listeners) => {
      const [tx, rx] = unboundedChannel<number>();
      const receiving = rx.recvMany([], 4, { signal });
      assert.ok(listeners() > 0);
      tx.send(1);
      assert.equal(await receiving, 1);
      tx.dispose();
      rx.dispose();
    }],
    [
      "UnboundedReceiver.recvMany() ended by receiver dispose",
      async (signal, listeners) => {
        const [tx, rx] = unboundedChannel<number>();
        const receiving = rx.recvMany([], 4, { signal });
        assert.ok(listeners() > 0);
        rx.dispose();
        assert.equal(await receiving, 0);
        tx.dispose();
      },
    ],
  ];
  for (const [name, scenario] of cases) {
    await t.step(name, async () => {
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      await scenario(controller.signal, listeners);
      assert.equal(listeners(), 0);
      controller.abort();
    });
  }
});

// -- Concurrent receivers --

Deno.test("UnboundedReceiver.recv() serves concurrent calls in call order", async () => {
  const [tx, rx] = unboundedChannel<string>();
  const controller = new AbortController();
  const first = rx.recv();
  const second = rx.recv({ signal: controller.signal });
  const third = rx.recv();
  const fourth = rx.recv();
  controller.abort();
  await assert.rejects(second, is(controller.signal.reason));
  tx.send("a");
  const late = rx.recv();
  tx.send("b");
  tx.send("c");
  assert.equal(await first, "a");
  assert.equal(await third, "b");
  assert.equal(await fourth, "c");
  assert.equal(await stateOf(late), "pending");
  tx.dispose();
  assert.equal(await late, undefined);
  rx.dispose();
});

// -- Async iteration --

Deno.test("UnboundedReceiver[Symbol.asyncIterator]() yields undefined messages and ends with the last sender", async () => {
  const [tx, rx] = unboundedChannel<string | undefined>();
  tx.send(undefined);
  tx.send("a");
  tx.send(undefined);
  tx.dispose();
  const received: (string | undefined)[] = [];
  for await (const value of rx) received.push(value);
  assert.deepEqual(received, [undefined, "a", undefined]);
  rx.dispose();
});

Deno.test("UnboundedReceiver[Symbol.asyncIterator]() does not close the receiver when the loop is left early", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(0);
  tx.send(1);
  for await (const value of rx) {
    assert.equal(value, 0);
    break;
  }
  assert.equal(rx.isClosed(), false);
  tx.send(2);
  assert.equal(await rx.recv(), 1);
  assert.equal(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver[Symbol.asyncIterator]() ends a pending step when the receiver is disposed", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const iterator = rx[Symbol.asyncIterator]();
  const step = iterator.next();
  assert.equal(await stateOf(step), "pending");
  rx.dispose();
  assert.deepEqual(await step, { value: undefined, done: true });
  tx.dispose();
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
  assert.equal(tx.isClosed(), true);
  assert.equal(rx.isClosed(), true);
  assert.throws(() => tx.send(3), SendError);
  assert.equal(await rx.recv(), 1);
  assert.equal(rx.tryRecv(), 2);
  assert.throws(() => rx.tryRecv(), (error) => {
    assert.ok(error instanceof TryRecvError);
    assert.equal(error.kind, "disconnected");
    return true;
  });
  assert.equal(await rx.recv(), undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.close() ends pending receives at once", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const buffer = [5];
  const receiving = [rx.recv(), rx.recvMany(buffer, 2)];
  assert.equal(await stateOf(receiving[0]!), "pending");
  rx.close();
  assert.deepEqual(await Promise.all(receiving), [undefined, 0]);
  assert.deepEqual(buffer, [5]);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.dispose() discards buffered messages and ends pending receives", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const receiving = rx.recv();
  rx.dispose();
  assert.equal(await receiving, undefined);
  assert.equal(tx.isClosed(), true);
  await tx.closed();
  assert.throws(() => tx.send(1), SendError);
  tx.dispose();
});

Deno.test("UnboundedReceiver.dispose() lets the garbage collector reclaim the buffered messages", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const [tx, rx] = unboundedChannel<object>();
  const refs = sendTracked(tx, 100);
  rx.dispose();
  // WeakRef targets live until the current job ends.
  await nextMacrotask();
  gc();
  assert.deepEqual(refs.map((ref) => ref.deref()), refs.map(() => undefined));
  tx.dispose();
});

Deno.test("UnboundedSender.dispose() of the last strong sender closes at once; buffered messages stay receivable", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(1);
  tx.send(2);
  tx.dispose();
  assert.equal(rx.isClosed(), true);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(await rx.recv(), 2);
  assert.throws(() => rx.tryRecv(), { kind: "disconnected" });
  assert.equal(await rx.recv(), undefined);
  assert.equal(await rx.recv(), undefined);
  rx.dispose();
});

// -- recvMany() edge cases --

Deno.test("UnboundedReceiver.recvMany() appends up to limit messages and returns how many", async () => {
  const [tx, rx] = unboundedChannel<string>();
  for (const value of ["a", "b", "c"]) tx.send(value);
  const buffer = ["x"];
  assert.equal(await rx.recvMany(buffer, 2), 2);
  assert.deepEqual(buffer, ["x", "a", "b"]);
  assert.equal(await rx.recvMany(buffer, 0), 0);
  assert.deepEqual(buffer, ["x", "a", "b"]);
  const waiting = rx.recvMany(buffer, 5);
  assert.equal(await waiting, 1);
  const next = rx.recvMany(buffer, 5);
  assert.equal(await stateOf(next), "pending");
  tx.send("d");
  assert.equal(await next, 1);
  tx.dispose();
  assert.equal(await rx.recvMany(buffer, 5), 0);
  assert.deepEqual(buffer, ["x", "a", "b", "c", "d"]);
  rx.dispose();
});

Deno.test("UnboundedReceiver.recvMany() rejects with RangeError or TypeError for a bad limit", async (t) => {
  const cases: [unknown, new (...args: never[]) => Error][] = [
    [-1, RangeError],
    [0.5, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    [2 ** 53, RangeError],
    ["1", TypeError],
  ];
  for (const [limit, expected] of cases) {
    await t.step(String(limit), async () => {
      const [tx, rx] = unboundedChannel<number>();
      tx.send(1);
      const buffer: number[] = [];
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = rx.recvMany(buffer, limit as number));
      await assert.rejects(promise!, expected);
      assert.deepEqual(buffer, []);
      assert.equal(rx.len(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
});

// -- Debug output --

Deno.test("Deno.inspect() of unbounded handles never prints a message", () => {
  const secret = "s3cr3t-message-4b7a";
  const [tx, rx] = unboundedChannel<string>();
  tx.send(secret);
  const weak = tx.downgrade();
  for (const handle of [tx, rx, weak]) {
    const text = Deno.inspect(handle, { depth: Infinity });
    assert.ok(!text.includes(secret), text);
  }
  assert.equal(rx.tryRecv(), secret);
  weak.dispose();
  tx.dispose();
  rx.dispose();
});
