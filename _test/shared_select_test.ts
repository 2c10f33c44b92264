// Copyright 2026 the @seed/mpsc authors. MIT license.
// select() takes a SharedSender as a branch: it waits for room in the shared channel, and the winner gets a SharedPermit. Lossless as for every branch: the branches that lose took nothing and left no waiter.

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { assertType, type IsExact } from "@std/testing/types";
import { channel, select } from "../mod.ts";
import {
  codecs,
  sharedChannel,
  SharedPermit,
  type SharedSender,
} from "../shared.ts";
import { TrySendError } from "../error.ts";
import { spendBudget } from "../budget.ts";
import { startWorker, WORKER } from "./shared/start.ts";
import type { Command } from "./shared/worker.ts";

/** Lets queued callbacks and timers run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("select() with a SharedSender that has room wins at once with a SharedPermit that sends", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const outcome = await select({ tx });
  assertEquals(outcome.key, "tx");
  assert(!outcome.done);
  assertInstanceOf(outcome.permit, SharedPermit);
  // The permit holds the room until it is used.
  assertEquals(tx.capacity(), 1);
  outcome.permit.send(42);
  assertEquals(rx.tryRecv(), 42);
  assertEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() with a full SharedSender waits, and wins when the receiver on this thread frees room", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const [_ltx, lrx] = channel<string>(1);
  tx.trySend(0);
  let settled = false;
  const waiting = select({ tx, local: lrx }).then((outcome) => {
    settled = true;
    return outcome;
  });
  await turn();
  assert(!settled);
  assertEquals(await rx.recv(), 0);
  const outcome = await waiting;
  assertEquals(outcome.key, "tx");
  assert(outcome.key === "tx" && !outcome.done);
  outcome.permit.send(1);
  assertEquals(await rx.recv(), 1);
  // The local branch left no waiter: a message sent now stays queued.
  _ltx.trySend("a");
  assertEquals(lrx.tryRecv(), "a");
  _ltx.dispose();
  lrx.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("select() with a full SharedSender wins when a Worker's receiver frees room", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const [stop, stopRx] = channel<string>(1);
  const waiting = select({ tx, stop: stopRx });
  // The Worker takes 0 (freeing the room), then reads until the end.
  const { worker, done } = startWorker({ op: "recv", token: rx.share() });
  try {
    const outcome = await waiting;
    assert(outcome.key === "tx" && !outcome.done);
    outcome.permit.send(1);
    tx.dispose();
    assertEquals(await done, { ok: true, values: [0, 1] });
  } finally {
    worker.terminate();
    stop.dispose();
    stopRx.dispose();
    rx.dispose();
  }
});

Deno.test("select() over a SharedSender and a ready receiver: whichever wins, the other took nothing", async () => {
  for (let i = 0; i < 40; i++) {
    const [tx, rx] = sharedChannel(2, { codec: codecs.number });
    const [ltx, lrx] = channel<string>(1);
    ltx.trySend("a");
    const outcome = await select({ tx, local: lrx });
    if (outcome.key === "local") {
      assert(!outcome.done);
      assertEquals(outcome.value, "a");
      // The shared room is still free.
      assertEquals(tx.capacity(), 2);
    } else {
      assert(!outcome.done);
      assertEquals(tx.capacity(), 1);
      // The message is still queued.
      assertEquals(lrx.tryRecv(), "a");
      outcome.permit.dispose();
      assertEquals(tx.capacity(), 2);
    }
    ltx.dispose();
    lrx.dispose();
    tx.dispose();
    rx.dispose();
  }
});

Deno.test("select() waiting on a full SharedSender: a receive branch that wins leaves the shared room free and no waiter in the line", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const [ltx, lrx] = channel<string>(1);
  tx.trySend(0);
  const waiting = select({ tx, local: lrx });
  await turn();
  await ltx.send("a");
  assertEquals(await waiting, { key: "local", value: "a", done: false });
  assertEquals(rx.tryRecv(), 0);
  // No waiter of the select is left in the sender's line: trySend does
  // not see "full" behind it, and the room is the channel's.
  assertEquals(tx.capacity(), 1);
  tx.trySend(1);
  assertEquals(rx.tryRecv(), 1);
  ltx.dispose();
  lrx.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("select() on a full SharedSender, aborted: it took nothing and left no waiter, and a later send succeeds at capacity", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const controller = new AbortController();
  const aborted = select({ tx }, { signal: controller.signal });
  await turn();
  controller.abort(new Error("stop"));
  await assertRejects(() => aborted, Error, "stop");
  assertEquals(rx.tryRecv(), 0);
  assertEquals(tx.capacity(), 1);
  // The whole capacity is there for the next sender.
  tx.trySend(1);
  assertThrows(() => tx.trySend(2), TrySendError, "full");
  assertEquals(rx.tryRecv(), 1);
  assertEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() aborted in the same turn as room is freed gives the room back", async () => {
  for (let i = 0; i < 20; i++) {
    const [tx, rx] = sharedChannel(1, { codec: codecs.number });
    tx.trySend(0);
    const controller = new AbortController();
    const aborted = select({ tx }, { signal: controller.signal });
    await turn();
    // The room goes to the select's ticket; the abort comes before the
    // select's line sees the grant.
    assertEquals(rx.tryRecv(), 0);
    controller.abort(new Error("stop"));
    await assertRejects(() => aborted, Error, "stop");
    assertEquals(tx.capacity(), 1);
    tx.trySend(1);
    assertEquals(rx.tryRecv(), 1);
    tx.dispose();
    rx.dispose();
  }
});

Deno.test("select() with a SharedSender whose channel is closed settles { key, done: true }, at once and while waiting", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const waiting = select({ tx });
  await turn();
  rx.close();
  assertEquals(await waiting, { key: "tx", done: true });
  assertEquals(await select({ tx }), { key: "tx", done: true });
  rx.dispose();
  assertEquals(await select({ tx }), { key: "tx", done: true });
  tx.dispose();
});

Deno.test("select() on a SharedSender keeps the handle's call order: it does not overtake a pending send", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const first = tx.send(1);
  // The channel has no room; once it does, the pending send goes first.
  const room = select({ tx });
  assertEquals(rx.tryRecv(), 0);
  await first;
  assertEquals(tx.capacity(), 0);
  assertEquals(rx.tryRecv(), 1);
  const outcome = await room;
  assert(!outcome.done);
  outcome.permit.send(2);
  assertEquals(rx.tryRecv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() on a SharedSender with room still waits behind the handle's pending send", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  tx.trySend(0);
  tx.trySend(1);
  const first = tx.send(2);
  const room = select({ tx });
  // One slot frees: the pending send takes it, not the select.
  assertEquals(rx.tryRecv(), 0);
  await first;
  assertEquals(rx.tryRecv(), 1);
  const outcome = await room;
  assert(!outcome.done);
  outcome.permit.send(3);
  assertEquals(rx.tryRecv(), 2);
  assertEquals(rx.tryRecv(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("a send after a waiting select on the same SharedSender waits behind it", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const room = select({ tx });
  const later = tx.send(2);
  // trySend reports "full" while the select waits in the line.
  assertEquals(rx.tryRecv(), 0);
  const outcome = await room;
  assert(!outcome.done);
  outcome.permit.send(1);
  assertEquals(await rx.recv(), 1);
  await later;
  assertEquals(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() over two SharedSenders of one handle takes one permit", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const room = select({ a: tx, b: tx });
  assertEquals(rx.tryRecv(), 0);
  const outcome = await room;
  assert(!outcome.done);
  assertEquals(outcome.key, "a");
  assertEquals(tx.capacity(), 0);
  outcome.permit.dispose();
  assertEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() keeps a disposed SharedSender counted while it waits; its permit ends the channel when used", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const room = select({ tx });
  tx.dispose();
  assertEquals(rx.senderStrongCount(), 1);
  assertEquals(await rx.recv(), 0);
  const outcome = await room;
  assert(!outcome.done);
  outcome.permit.send(1);
  assertEquals(await rx.recv(), 1);
  assertEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("select() parked by the budget over a SharedSender takes the room once its turn comes", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  spendBudget();
  const room = select({ tx });
  // Parked: nothing taken yet.
  assertEquals(tx.capacity(), 1);
  const outcome = await room;
  assert(!outcome.done);
  assertEquals(tx.capacity(), 0);
  outcome.permit.send(1);
  assertEquals(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("select() parked by the budget keeps a disposed SharedSender counted, and an abort while parked takes nothing and lets the count go", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  spendBudget();
  const room = select({ tx });
  tx.dispose();
  assertEquals(rx.senderStrongCount(), 1);
  const outcome = await room;
  assert(!outcome.done);
  outcome.permit.send(1);
  assertEquals(rx.senderStrongCount(), 0);
  assertEquals(await rx.recv(), 1);
  assertEquals(await rx.recv(), undefined);
  rx.dispose();

  const [tx2, rx2] = sharedChannel(1, { codec: codecs.number });
  const controller = new AbortController();
  spendBudget();
  const aborted = select({ tx2 }, { signal: controller.signal });
  tx2.dispose();
  controller.abort(new Error("stop"));
  await assertRejects(() => aborted, Error, "stop");
  assertEquals(rx2.senderStrongCount(), 0);
  assertEquals(await rx2.recv(), undefined);
  rx2.dispose();
});

Deno.test("select() races a flooding Worker for room, with aborts: every message once, in each sender's order, and no room lost", async () => {
  const capacity = 4;
  const count = 300;
  const [tx, rx] = sharedChannel(capacity, { codec: codecs.number });
  const [_idle, idleRx] = channel<number>(1);
  const worker = new Worker(WORKER, { type: "module" });
  const replies: unknown[] = [];
  let replied: () => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  });
  worker.onmessage = (event) => {
    replies.push(event.data);
    replied();
  };
  const reply = () =>
    Promise.race([new Promise<void>((r) => replied = r), failed]);
  try {
    const started = reply();
    worker.postMessage({ op: "flood", token: tx.share() } satisfies Command);
    await started;
    const ours: number[] = [];
    const theirs: number[] = [];
    const receiving = (async () => {
      while (ours.length < count) {
        const value = (await rx.recv())!;
        (value < 0 ? ours : theirs).push(value);
      }
    })();
    let aborts = 0;
    for (let i = 0; i < count; i++) {
      // The first attempt at two of every three messages is aborted, soon
      // or at once: the abort may meet a grant on the way.
      for (let attempt = 0;; attempt++) {
        const controller = new AbortController();
        const next = select({ tx, idle: idleRx }, {
          signal: controller.signal,
        });
        if (attempt === 0 && i % 3 === 1) {
          queueMicrotask(() => controller.abort("again"));
        } else if (attempt === 0 && i % 3 === 2) {
          setTimeout(() => controller.abort("again"), 0);
        }
        let outcome;
        try {
          outcome = await next;
        } catch (reason) {
          assertStrictEquals(reason, "again");
          aborts++;
          continue;
        }
        assert(outcome.key === "tx" && !outcome.done);
        outcome.permit.send(-1 - i);
        break;
      }
    }
    await receiving;
    const ended = reply();
    rx.close();
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) {
      (v < 0 ? ours : theirs).push(v);
    }
    await ended;
    assertEquals(replies[1], {
      ok: true,
      error: "SendError",
      isSendError: true,
    });
    assertEquals(ours, Array.from({ length: count }, (_, i) => -1 - i));
    assertEquals(theirs, Array.from({ length: theirs.length }, (_, i) => i));
    assert(aborts > 0);
    // Every permit came home: none was kept by a withdrawn select.
    assertEquals(tx.capacity(), capacity);
  } finally {
    worker.terminate();
    _idle.dispose();
    idleRx.dispose();
    tx.dispose();
    rx.dispose();
  }
});

Deno.test("select() refuses a disposed SharedSender with a ReferenceError naming the branch", async () => {
  const [tx, rx] = sharedChannel(1);
  tx.dispose();
  await assertRejects(() => select({ out: tx }), ReferenceError, '"out"');
  rx.dispose();
});

Deno.test("select() over a SharedSender narrows its outcome to a SharedPermit of the channel's type", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.string });
  const [_ltx, lrx] = channel<number>(1);
  const outcome = await select({ tx, local: lrx });
  if (outcome.key === "tx") {
    if (!outcome.done) {
      assertType<IsExact<typeof outcome.permit, SharedPermit<string>>>(true);
      outcome.permit.send("x");
    }
  } else if (!outcome.done) {
    assertType<IsExact<typeof outcome.value, number>>(true);
  }
  type Outcome = Awaited<
    ReturnType<typeof select<{ tx: SharedSender<string> }>>
  >;
  assertType<
    IsExact<
      Outcome,
      { key: "tx"; permit: SharedPermit<string>; done: false } | {
        key: "tx";
        done: true;
      }
    >
  >(true);
  // A branch that may be switched off keeps its handle's outcome; one
  // always off has none.
  type MaybeOff = Awaited<
    ReturnType<
      typeof select<{ tx: SharedSender<string> | undefined; off: undefined }>
    >
  >;
  assertType<IsExact<MaybeOff, Outcome>>(true);
  assertStrictEquals(rx.tryRecv(), "x");
  _ltx.dispose();
  lrx.dispose();
  tx.dispose();
  rx.dispose();
});
