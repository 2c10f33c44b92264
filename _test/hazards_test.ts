// Copyright 2026 the @seed/mpsc authors. MIT license.
// JavaScript hazards: thenables as messages, a message whose `then` getter
// runs code, `then` members, `undefined` and `null` messages, re-entrant use,
// recvMany() buffers that refuse messages, and abort reasons.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import {
  channel,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
  unboundedChannel,
} from "../mod.ts";
import { type Kind, kindsTest } from "./_kinds.ts";

// A thenable that resolves to `result` when adopted, and counts adoptions.
function makeThenable<R>(result: R): { then: unknown; adopted: number } {
  const thenable = {
    adopted: 0,
    then(resolve: (value: R) => void) {
      thenable.adopted++;
      resolve(result);
    },
  };
  return thenable;
}

// -- Thenables and promises as messages --

Deno.test("Receiver.tryRecv() hands a thenable message over untouched", async () => {
  const [tx, rx] = channel<unknown>(4);
  const thenable = makeThenable(42);
  await tx.send(thenable);
  assertStrictEquals(thenable.adopted, 0);
  assertStrictEquals(rx.tryRecv(), thenable);
  assertStrictEquals(thenable.adopted, 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recvMany() hands a thenable message over untouched", async () => {
  const [tx, rx] = channel<unknown>(4);
  const thenable = makeThenable(42);
  await tx.send(thenable);
  const buffer: unknown[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 4), 1);
  assertStrictEquals(buffer[0], thenable);
  assertStrictEquals(thenable.adopted, 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() adopts a thenable message, as promises must", async () => {
  const [tx, rx] = channel<unknown>(4);
  const thenable = makeThenable(42);
  await tx.send(thenable);
  // A promise resolved with a thenable follows it: this is JavaScript, not
  // the channel; the docs send users to tryRecv() or recvMany() instead.
  assertStrictEquals(await rx.recv(), 42);
  assertStrictEquals(thenable.adopted, 1);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver async iterator hands a thenable message over untouched", async () => {
  const [tx, rx] = channel<unknown>(2);
  const thenable = makeThenable(42);
  await tx.send(thenable);
  tx.dispose();
  const seen: unknown[] = [];
  // for await reads each result's value as it is: no adoption.
  for await (const value of rx) seen.push(value);
  assertStrictEquals(seen.length, 1);
  assertStrictEquals(seen[0], thenable);
  assertStrictEquals(thenable.adopted, 0);
});

Deno.test("UnboundedReceiver.tryRecv() and recvMany() hand a promise message over untouched", async () => {
  const [tx, rx] = unboundedChannel<Promise<number>>();
  const first = Promise.resolve(1);
  const second = Promise.resolve(2);
  tx.send(first);
  tx.send(second);
  assertStrictEquals(rx.tryRecv(), first);
  const buffer: Promise<number>[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 8), 1);
  assertStrictEquals(buffer[0], second);
  tx.dispose();
  rx.dispose();
});

Deno.test("UnboundedReceiver.recv() adopts a rejected promise message and the channel stays usable", async () => {
  const [tx, rx] = unboundedChannel<unknown>();
  const reason = new Error("inside the message");
  const rejected = Promise.reject(reason);
  rejected.catch(() => {}); // the test owns this rejection
  tx.send(rejected);
  tx.send("after");
  assertStrictEquals(await assertRejects(() => rx.recv()), reason);
  assertStrictEquals(await rx.recv(), "after");
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("Sender.send() takes a promise as a value without awaiting it", async () => {
  const [tx, rx] = channel<Promise<never>>(1);
  // A promise that never settles: if send() adopted it, send would hang.
  const never = new Promise<never>(() => {});
  await tx.send(never);
  assertStrictEquals(rx.tryRecv(), never);
  tx.dispose();
  rx.dispose();
});

// -- No `then` member --

Deno.test("Handles, permits and errors have no then member", async () => {
  const [tx, rx] = channel<number>(8);
  const [utx, urx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const uweak = utx.downgrade();
  const permit = await tx.reserve();
  const permits = await tx.reserveMany(2);
  const owned = await tx.clone().reserveOwned();
  const objects: Record<string, object> = {
    Sender: tx,
    Receiver: rx,
    WeakSender: weak,
    Permit: permit,
    PermitIterator: permits,
    OwnedPermit: owned,
    UnboundedSender: utx,
    UnboundedReceiver: urx,
    WeakUnboundedSender: uweak,
    SendError: new SendError(1),
    TrySendError: new TrySendError("full", 1),
    TryRecvError: new TryRecvError("empty"),
    SendTimeoutError: new SendTimeoutError("timeout", 1),
  };
  for (const [name, object] of Object.entries(objects)) {
    assertStrictEquals("then" in object, false, `${name} has a then member`);
  }
  permit.dispose();
  permits.dispose();
  owned.dispose();
  weak.dispose();
  uweak.dispose();
  tx.dispose();
  utx.dispose();
  rx.dispose();
  urx.dispose();
});

Deno.test("channel() handles survive being returned from an async function", async () => {
  async function open() {
    const [tx, rx] = channel<string>(2);
    await tx.send("kept");
    return { tx, rx, permit: await tx.reserve() };
  }
  const { tx, rx, permit } = await open();
  permit.send("second");
  assertStrictEquals(await rx.recv(), "kept");
  assertStrictEquals(await rx.recv(), "second");
  // Each handle alone, as the resolution value of an async function.
  async function pass<H>(handle: H): Promise<H> {
    await null;
    return handle;
  }
  const [onlyTx, onlyRx] = channel<number>(1);
  assertStrictEquals(await pass(onlyTx), onlyTx);
  assertStrictEquals(await pass(onlyRx), onlyRx);
  assertStrictEquals(
    await pass(onlyTx.downgrade()).then((w) => {
      w.dispose();
      return onlyTx.maxCapacity();
    }),
    1,
  );
  onlyTx.dispose();
  onlyRx.dispose();
  tx.dispose();
  rx.dispose();
});

// -- undefined and null as messages --

// Iteration must not take a message of `undefined` for the end. (Each
// kind's file once had its own copy of this; both titles stay.)
async function iteratesUndefinedAndNull(kind: Kind): Promise<void> {
  const [tx, rx] = kind.make<undefined | null | number | string>(8);
  const sent = [undefined, null, 0, "a", undefined];
  for (const value of sent) kind.put(tx, value);
  tx.dispose();
  const seen: unknown[] = [];
  for await (const value of rx) seen.push(value);
  assertEquals(seen, sent);
  rx.dispose();
}

kindsTest({
  bounded:
    "Receiver async iterator yields undefined and null messages faithfully",
  unbounded:
    "UnboundedReceiver async iterator yields undefined and null messages faithfully",
}, iteratesUndefinedAndNull);

kindsTest({
  bounded:
    "Receiver[Symbol.asyncIterator]() yields undefined and null messages faithfully",
  unbounded:
    "UnboundedReceiver[Symbol.asyncIterator]() yields undefined messages and ends with the last sender",
}, iteratesUndefinedAndNull);

Deno.test("Receiver.tryRecv() and recvMany() tell an undefined message from the end", async () => {
  const [tx, rx] = channel<undefined | null>(4);
  await tx.send(undefined);
  await tx.send(null);
  await tx.send(undefined);
  assertStrictEquals(rx.len(), 3);
  assertStrictEquals(rx.tryRecv(), undefined);
  assertStrictEquals(rx.len(), 2);
  const buffer: (undefined | null)[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 8), 2);
  assertEquals(buffer, [null, undefined]);
  assertStrictEquals(
    assertThrows(() => rx.tryRecv(), TryRecvError).kind,
    "empty",
  );
  tx.dispose();
  assertStrictEquals(
    assertThrows(() => rx.tryRecv(), TryRecvError).kind,
    "disconnected",
  );
  assertStrictEquals(await rx.recvMany(buffer, 8), 0);
  assertStrictEquals(buffer.length, 2);
});

Deno.test("SendError and TrySendError hand back an undefined value", async () => {
  const [tx, rx] = channel<undefined>(1);
  tx.trySend(undefined);
  const full = assertThrows(() => tx.trySend(undefined), TrySendError);
  assertStrictEquals(full.kind, "full");
  assertStrictEquals(full.value, undefined);
  rx.dispose();
  const closed = await assertRejects(() => tx.send(undefined), SendError);
  assert("value" in closed);
  assertStrictEquals(closed.value, undefined);
  tx.dispose();
});

// -- Re-entrancy --

Deno.test("UnboundedReceiver async iterator accepts sends from inside its own loop body", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(0);
  const seen: number[] = [];
  for await (const value of rx) {
    seen.push(value);
    if (value < 300) tx.send(value + 1);
    else tx.dispose();
  }
  assertStrictEquals(seen.length, 301);
  assertEquals(seen, Array.from({ length: 301 }, (_, i) => i));
});

Deno.test("Receiver async iterator accepts awaited sends from inside its own loop body at capacity 1", async () => {
  const [tx, rx] = channel<number>(1);
  await tx.send(0);
  let last = -1;
  for await (const value of rx) {
    assertStrictEquals(value, last + 1);
    last = value;
    // The receive freed the only slot, so this send cannot deadlock.
    if (value < 300) await tx.send(value + 1);
    else tx.dispose();
  }
  assertStrictEquals(last, 300);
  assertStrictEquals(rx.capacity(), 1);
});

Deno.test("Receiver.recv() continuation that disposes the last sender ends the next receive", async () => {
  const [tx, rx] = channel<string>(2);
  const first = rx.recv().then((value) => {
    tx.dispose();
    return value;
  });
  const second = rx.recv();
  await tx.send("only");
  assertStrictEquals(await first, "only");
  assertStrictEquals(await second, undefined);
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(rx.senderStrongCount(), 0);
});

Deno.test("Sender.send() continuation that closes the receiver leaves buffered messages receivable", async () => {
  const [tx, rx] = channel<number>(1);
  await tx.send(1);
  const blocked = tx.send(2).then(() => rx.close());
  assertStrictEquals(await rx.recv(), 1);
  await blocked;
  assertStrictEquals(rx.isClosed(), true);
  assertStrictEquals(await rx.recv(), 2);
  const error = await assertRejects(() => tx.send(3), SendError);
  assertStrictEquals(error.value, 3);
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("Sender.send() abort listener that frees a slot never loses the aborted message", async () => {
  const [tx, rx] = channel<string>(1);
  await tx.send("a");
  const controller = new AbortController();
  // Registered before the channel's own listener, so it runs first, while
  // the aborted send is still queued: the slot it frees goes to that send.
  controller.signal.addEventListener("abort", () => {
    assertStrictEquals(rx.tryRecv(), "a");
  });
  const aborted = tx.send("b", { signal: controller.signal });
  const queued = tx.send("c");
  controller.abort();
  // Either outcome conforms: the grant came first and the send completed,
  // or the abort won and "b" was never sent. It must not be both or neither.
  const outcome = await aborted.then(() => "sent", () => "aborted");
  const rest: string[] = [];
  if (outcome === "sent") rest.push((await rx.recv())!);
  await queued;
  rest.push((await rx.recv())!);
  assertEquals(rest, outcome === "sent" ? ["b", "c"] : ["c"]);
  assertStrictEquals(rx.len(), 0);
  assertStrictEquals(rx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() continuation that receives again sees messages in order", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const seen: number[] = [];
  const chain = rx.recv().then(async (value) => {
    seen.push(value!);
    seen.push((await rx.recv())!);
    seen.push(rx.tryRecv());
  });
  tx.send(1);
  tx.send(2);
  tx.send(3);
  await chain;
  assertEquals(seen, [1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.close() from inside a for await body drains, ends the loop and fails senders", async () => {
  const [tx, rx] = channel<number>(1);
  const producer = (async () => {
    let sent = 0;
    try {
      for (;;) {
        await tx.send(sent);
        sent++;
      }
    } catch (e) {
      assert(e instanceof SendError);
      return sent;
    }
  })();
  let received = 0;
  for await (const value of rx) {
    assertStrictEquals(value, received);
    if (++received === 10) rx.close();
  }
  assertStrictEquals(await producer, received);
  assert(received >= 10);
  tx.dispose();
  rx.dispose();
});

// -- Abort reasons --

Deno.test("Receiver.recv() aborted without a reason rejects with an AbortError", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  const pending = rx.recv({ signal: controller.signal });
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => pending),
    controller.signal.reason,
  );
  const error = await assertRejects(
    () => rx.recv({ signal: controller.signal }),
    DOMException,
  );
  assertStrictEquals(error.name, "AbortError");
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() aborted with a custom reason rejects with that very reason", async () => {
  const [tx, rx] = channel<number>(1);
  for (
    const reason of [new Error("custom"), "a string", 0, { why: "object" }]
  ) {
    const controller = new AbortController();
    const pending = rx.recv({ signal: controller.signal });
    controller.abort(reason);
    assertStrictEquals(await assertRejects(() => pending), reason);
  }
  await tx.send(7);
  assertStrictEquals(await rx.recv(), 7);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.send() aborted twice rejects once, with the first reason, and frees its place", async () => {
  const [tx, rx] = channel<number>(1);
  await tx.send(1);
  const controller = new AbortController();
  const first = new Error("first");
  const pending = tx.send(2, { signal: controller.signal });
  controller.abort(first);
  controller.abort(new Error("second"));
  assertStrictEquals(await assertRejects(() => pending), first);
  assertStrictEquals(controller.signal.reason, first);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(rx.capacity(), 1);
  assertStrictEquals(
    assertThrows(() => rx.tryRecv(), TryRecvError).kind,
    "empty",
  );
  tx.dispose();
  rx.dispose();
});

Deno.test("AbortSignal.timeout() cancels a Sender.reserve() with a TimeoutError", async () => {
  const [tx, rx] = channel<number>(1);
  const permit = await tx.reserve();
  const error = await assertRejects(
    () => tx.reserve({ signal: AbortSignal.timeout(1) }),
    DOMException,
  );
  assertStrictEquals(error.name, "TimeoutError");
  assertStrictEquals(tx.capacity(), 0);
  permit.dispose();
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() with an already aborted signal takes no message", async () => {
  const [tx, rx] = channel<number>(2);
  await tx.send(1);
  const reason = new Error("early");
  assertStrictEquals(
    await assertRejects(() => rx.recv({ signal: AbortSignal.abort(reason) })),
    reason,
  );
  const buffer: number[] = [];
  assertStrictEquals(
    await assertRejects(() =>
      rx.recvMany(buffer, 2, { signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  assertEquals(buffer, []);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.send() with an already aborted signal sends nothing even with room", async () => {
  const [tx, rx] = channel<number>(2);
  const reason = "stop";
  assertStrictEquals(
    await assertRejects(() =>
      tx.send(1, { signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  assertStrictEquals(
    await assertRejects(() =>
      tx.reserve({ signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  assertStrictEquals(
    await assertRejects(() =>
      tx.reserveMany(2, { signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  assertStrictEquals(
    await assertRejects(() =>
      tx.sendTimeout(1, 10, { signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  assertStrictEquals(tx.capacity(), 2);
  assertStrictEquals(rx.len(), 0);
  rx.close();
  // Closed too: the aborted signal still wins.
  assertStrictEquals(
    await assertRejects(() =>
      tx.send(1, { signal: AbortSignal.abort(reason) })
    ),
    reason,
  );
  tx.dispose();
  rx.dispose();
});

// -- Races the contract warns about --

Deno.test("Receiver.recv() abandoned by an abort does not swallow the next message", async () => {
  const [tx, rx] = channel<string>(1);
  const controller = new AbortController();
  const abandoned = rx.recv({ signal: controller.signal });
  controller.abort();
  await assertRejects(() => abandoned);
  await tx.send("next");
  assertStrictEquals(await rx.recv(), "next");
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() called twice concurrently serves both callers in call order", async () => {
  const [tx, rx] = channel<number>(2);
  const first = rx.recv();
  const second = rx.recv();
  const third = rx.recv();
  await tx.send(1);
  await tx.send(2);
  assertStrictEquals(await first, 1);
  assertStrictEquals(await second, 2);
  tx.dispose();
  assertStrictEquals(await third, undefined);
  await setImmediate();
  rx.dispose();
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

// -- Buffers that refuse messages --

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
