// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
  fail,
} from "@std/assert";
import {
  channel,
  merge,
  type Permit,
  select,
  TryRecvError,
  TrySendError,
  unboundedChannel,
} from "../mod.ts";
import { spendBudget } from "../budget.ts";

/** Lets pending microtasks run. */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

// -- Tokio's cancel-safety notes, with select --

Deno.test("select() over recv: a message not selected stays in its channel (Tokio: recv is cancel safe)", async () => {
  const [atx, arx] = channel<string>(4);
  const [btx, brx] = channel<string>(4);
  atx.trySend("a");
  const first = await select({ a: arx, b: brx });
  assertEquals(first, { key: "a", value: "a", done: false });
  // b's message arrives after a won: the select left no waiter on b.
  btx.trySend("b");
  assertStrictEquals(brx.tryRecv(), "b");
  atx.dispose();
  btx.dispose();
});

Deno.test("select() over recv: a waiting select that loses took nothing from the other receiver", async () => {
  const [atx, arx] = channel<number>(4);
  const [btx, brx] = unboundedChannel<number>();
  const selecting = select({ a: arx, b: brx });
  btx.send(1);
  atx.trySend(2);
  assertEquals(await selecting, { key: "b", value: 1, done: false });
  assertStrictEquals(arx.tryRecv(), 2);
  atx.dispose();
  btx.dispose();
});

Deno.test("select() then recvMany: messages left behind by a lost race are all still there (Tokio: recv_many is cancel safe)", async () => {
  const [tx, rx] = channel<number>(8);
  const [stopTx, stopRx] = channel<void>(1);
  for (let i = 0; i < 5; i++) tx.trySend(i);
  stopTx.dispose();
  const outcome = await select({ stop: stopRx, data: rx }, { biased: true });
  assertEquals(outcome, { key: "stop", done: true });
  const buffer: number[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 10), 5);
  assertEquals(buffer, [0, 1, 2, 3, 4]);
  tx.dispose();
});

Deno.test("select() over a sender: losing holds no permit, so nothing is sent (Tokio: send is cancel safe)", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0); // full
  const [otx, orx] = channel<number>(1);
  const selecting = select({ room: tx, other: orx });
  otx.trySend(9);
  assertEquals(await selecting, { key: "other", value: 9, done: false });
  assertStrictEquals(rx.tryRecv(), 0);
  // The room freed now goes to nobody: the select left the queue.
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  otx.dispose();
  rx.dispose();
});

Deno.test("select() over a sender: a lost race gives up its place in line (Tokio: reserve loses its place)", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0);
  const controller = new AbortController();
  const selecting = select({ room: tx }, { signal: controller.signal });
  const later = tx.reserve();
  controller.abort(new Error("gave up"));
  await assertRejects(() => selecting, Error, "gave up");
  assertStrictEquals(rx.tryRecv(), 0);
  const permit = await later; // next in line once the select left
  permit.send(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

// -- Lossless and fair --

Deno.test("select() with both branches ready takes exactly one message each time", async () => {
  const [atx, arx] = channel<number>(1);
  const [btx, brx] = channel<number>(1);
  const wins = { a: 0, b: 0 };
  const ROUNDS = 1_000;
  for (let i = 0; i < ROUNDS; i++) {
    if (arx.isEmpty()) atx.trySend(i);
    if (brx.isEmpty()) btx.trySend(i);
    const outcome = await select({ a: arx, b: brx });
    if (outcome.done) fail("no branch is finished");
    wins[outcome.key]++;
    // The other branch still holds its message.
    assertStrictEquals(arx.len() + brx.len(), 1);
  }
  assertStrictEquals(wins.a + wins.b, ROUNDS);
  // Random among the ready: each side wins a fair share (a 6-sigma margin).
  assert(wins.a > 350 && wins.b > 350, `unfair: ${JSON.stringify(wins)}`);
  atx.dispose();
  btx.dispose();
});

Deno.test("select() with biased: true always takes the first ready branch in key order", async () => {
  const [atx, arx] = channel<number>(1);
  const [btx, brx] = channel<number>(1);
  btx.trySend(-1);
  for (let i = 0; i < 100; i++) {
    atx.trySend(i);
    const outcome = await select({ a: arx, b: brx }, { biased: true });
    assertEquals(outcome, { key: "a", value: i, done: false });
  }
  assertStrictEquals(brx.tryRecv(), -1);
  atx.dispose();
  btx.dispose();
});

Deno.test("select() and recv() waiting on one receiver are served in call order", async () => {
  const [tx, rx] = channel<number>(4);
  const [_otx, orx] = channel<number>(1);
  const first = rx.recv();
  const selecting = select({ rx, other: orx });
  const third = rx.recv();
  tx.trySend(1);
  tx.trySend(2);
  tx.trySend(3);
  assertStrictEquals(await first, 1);
  assertEquals(await selecting, { key: "rx", value: 2, done: false });
  assertStrictEquals(await third, 3);
  tx.dispose();
  _otx.dispose();
});

Deno.test("select() over senders queues for room first come, first served", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0);
  const reserving = tx.reserve();
  const selecting = select({ room: tx });
  assertStrictEquals(rx.tryRecv(), 0);
  const permit = await reserving;
  permit.send(1);
  assertStrictEquals(rx.tryRecv(), 1);
  const outcome = await selecting;
  assert(!outcome.done);
  const typed: Permit<number> = outcome.permit;
  typed.send(2);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

Deno.test("select() settles with done for a finished receiver and a closed sender's channel", async () => {
  const [tx, rx] = channel<number>(1);
  tx.dispose();
  assertEquals(await select({ rx }), { key: "rx", done: true });
  const [tx2, rx2] = channel<number>(1);
  tx2.trySend(0);
  const waiting = select({ tx2 });
  rx2.close();
  assertEquals(await waiting, { key: "tx2", done: true });
  tx2.dispose();
  rx2.dispose();
});

Deno.test("select() keeps a disposed sender counted while it waits for room, and the permit after", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0);
  const clone = tx.clone();
  const selecting = select({ clone });
  clone.dispose();
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.tryRecv(), 0);
  const outcome = await selecting;
  assert(!outcome.done);
  outcome.permit.send(1);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), undefined);
});

// -- Cancellation --

Deno.test("select() aborted while waiting took nothing and left no waiter", async () => {
  const [atx, arx] = channel<number>(2);
  const [btx, brx] = channel<number>(1);
  btx.trySend(0);
  const controller = new AbortController();
  const selecting = select({ a: arx, room: btx }, {
    signal: controller.signal,
  });
  controller.abort(new Error("stop"));
  await assertRejects(() => selecting, Error, "stop");
  atx.trySend(1);
  assertStrictEquals(arx.tryRecv(), 1);
  assertStrictEquals(brx.tryRecv(), 0);
  assertStrictEquals(btx.capacity(), 1);
  atx.dispose();
  btx.dispose();
  assertStrictEquals(await arx.recv(), undefined);
  assertStrictEquals(await brx.recv(), undefined);
});

Deno.test("select() with an already aborted signal rejects and takes nothing", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  const reason = new Error("already");
  await assertRejects(
    () => select({ rx }, { signal: AbortSignal.abort(reason) }),
    Error,
    "already",
  );
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() parked by the budget resumes and takes one thing", async () => {
  const [tx, rx] = channel<number>(2);
  tx.trySend(1);
  spendBudget();
  const outcome = await select({ rx });
  assertEquals(outcome, { key: "rx", value: 1, done: false });
  tx.dispose();
});

Deno.test("select() delivers a message whose then getter aborts the select once", async () => {
  const [tx, rx] = channel<unknown>(1);
  const controller = new AbortController();
  const selecting = select({ rx }, { signal: controller.signal });
  const message = {
    get then() {
      controller.abort(new Error("late"));
      return undefined;
    },
  };
  tx.trySend(message);
  const outcome = await selecting;
  assert(!outcome.done);
  assertStrictEquals(outcome.value, message);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
});

// -- Bad input --

Deno.test("select() rejects bad branches with errors naming them", async () => {
  const [tx, rx] = channel<number>(1);
  await assertRejects(() => select({}), TypeError, "at least one");
  await assertRejects(
    () => select({ nope: {} as never }),
    TypeError,
    'branch "nope"',
  );
  await assertRejects(
    () => select(null as never),
    TypeError,
    "branches must be an object",
  );
  const gone = tx.clone();
  gone.dispose();
  const error = await assertRejects(
    () => select({ gone }),
    ReferenceError,
  );
  assertStringIncludes(error.message, '"gone"');
  await assertRejects(
    () => select({ rx }, { signal: {} as AbortSignal }),
    TypeError,
    "signal",
  );
  tx.dispose();
  rx.dispose();
});

// -- merge --

Deno.test("merge() yields every message of every receiver and ends when all are finished", async () => {
  const [atx, arx] = channel<number>(8);
  const [btx, brx] = unboundedChannel<string>();
  for (let i = 0; i < 5; i++) atx.trySend(i);
  for (const s of ["x", "y"]) btx.send(s);
  atx.dispose();
  btx.dispose();
  const a: number[] = [];
  const b: string[] = [];
  for await (const item of merge({ a: arx, b: brx })) {
    if (item.key === "a") a.push(item.value);
    else b.push(item.value);
  }
  assertEquals(a, [0, 1, 2, 3, 4]);
  assertEquals(b, ["x", "y"]);
});

Deno.test("merge() left early leaves unread messages where they were", async () => {
  const [atx, arx] = channel<number>(8);
  const [btx, brx] = channel<number>(8);
  for (let i = 0; i < 3; i++) {
    atx.trySend(i);
    btx.trySend(10 + i);
  }
  let taken = 0;
  for await (const _ of merge({ a: arx, b: brx })) {
    if (++taken === 2) break;
  }
  assertStrictEquals(arx.len() + brx.len(), 4);
  atx.dispose();
  btx.dispose();
  arx.dispose();
  brx.dispose();
});

Deno.test("merge() is fair between busy receivers", async () => {
  const [atx, arx] = channel<number>(1024);
  const [btx, brx] = channel<number>(1024);
  for (let i = 0; i < 1_000; i++) {
    atx.trySend(i);
    btx.trySend(i);
  }
  const wins = { a: 0, b: 0 };
  let taken = 0;
  for await (const item of merge({ a: arx, b: brx })) {
    wins[item.key]++;
    if (++taken === 1_000) break;
  }
  assert(wins.a > 350 && wins.b > 350, `unfair: ${JSON.stringify(wins)}`);
  atx.dispose();
  btx.dispose();
  arx.dispose();
  brx.dispose();
});

Deno.test("merge() stops on an abort and takes nothing", async () => {
  const [tx, rx] = channel<number>(2);
  const controller = new AbortController();
  const got: number[] = [];
  const loop = (async () => {
    for await (const item of merge({ rx }, { signal: controller.signal })) {
      got.push(item.value);
    }
  })();
  tx.trySend(1);
  await settle();
  controller.abort(new Error("stop"));
  await assertRejects(() => loop, Error, "stop");
  tx.trySend(2);
  assertEquals(got, [1]);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

// -- A select parked by the budget holds its place --

Deno.test("select() parked by the budget on a channel that then finishes settles done, and so do the receives behind it", async () => {
  const [tx, rx] = channel<number>(1);
  spendBudget();
  const selecting = select({ rx });
  const receiving = rx.recv();
  tx.dispose();
  assertEquals(await selecting, { key: "rx", done: true });
  assertStrictEquals(await receiving, undefined);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("select() parked by the budget with a send parked behind it: both go through", async () => {
  const [tx, rx] = channel<number>(2);
  spendBudget();
  const selecting = select({ tx });
  const sending = tx.send(1);
  const outcome = await selecting;
  assert(!outcome.done);
  await sending;
  outcome.permit.send(0);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(rx.tryRecv(), 0);
  tx.dispose();
});

Deno.test("select() parked by the budget keeps its sender counted, so nothing lands after the end", async () => {
  const [tx, rx] = channel<number>(1);
  spendBudget();
  const selecting = select({ tx });
  tx.dispose();
  assertStrictEquals(rx.senderStrongCount(), 1);
  const outcome = await selecting;
  assert(!outcome.done);
  outcome.permit.send(42);
  assertStrictEquals(await rx.recv(), 42);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("select() parked by the budget keeps its place among receives, and try* calls do not overtake it", async () => {
  const [tx, rx] = channel<number>(4);
  const first = rx.recv();
  spendBudget();
  const selecting = select({ rx });
  const third = rx.recv();
  const error = assertThrows(() => rx.tryRecv(), TryRecvError);
  assertStrictEquals(error.kind, "empty");
  tx.trySend(1);
  tx.trySend(2);
  tx.trySend(3);
  assertStrictEquals(await first, 1);
  assertEquals(await selecting, { key: "rx", value: 2, done: false });
  assertStrictEquals(await third, 3);
  const [stx, srx] = channel<number>(1);
  spendBudget();
  const room = select({ stx });
  const full = assertThrows(() => stx.trySend(9), TrySendError);
  assertStrictEquals(full.kind, "full");
  const granted = await room;
  assert(!granted.done);
  granted.permit.dispose();
  tx.dispose();
  stx.dispose();
  srx.dispose();
});

Deno.test("select() whose branches' getter aborts its signal rejects instead of hanging", async () => {
  const [atx, a] = channel<number>(1);
  const [btx, b] = channel<number>(1);
  const controller = new AbortController();
  const branches = {
    a,
    get b() {
      controller.abort(new Error("stop"));
      return b;
    },
  };
  await assertRejects(
    () => select(branches, { signal: controller.signal }),
    Error,
    "stop",
  );
  atx.trySend(1);
  assertStrictEquals(a.tryRecv(), 1);
  atx.dispose();
  btx.dispose();
});

// -- Branch keys --

Deno.test("select() takes only own keys as branches: inherited ones, from a prototype or Object.prototype, are not", async () => {
  const [tx, rx] = channel<number>(1);
  const [otherTx, otherRx] = channel<number>(1);
  await otherTx.send(1);
  // A ready receiver on the prototype would win if it were read.
  const branches = Object.create({ inherited: otherRx });
  branches.own = rx;
  // `own` is empty at the call: only an inherited branch could win at once.
  const fromPrototype = select(branches as { own: typeof rx });
  await tx.send(2);
  assertEquals((await fromPrototype).key, "own");
  const proto = Object.prototype as unknown as Record<string, unknown>;
  proto.polluted = otherRx;
  try {
    const polluted = select({ own: rx });
    await tx.send(3);
    assertEquals((await polluted).key, "own");
  } finally {
    delete proto.polluted;
  }
  assertEquals(otherRx.tryRecv(), 1); // never taken by a select
  tx.dispose();
  otherTx.dispose();
});
