// Copyright 2026 the @seed/mpsc authors. MIT license.
// select() beyond channels: promise and thenable branches, branches switched
// off, the branches object read once, and merge() over receivers disposed
// while it runs.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
} from "@std/assert";
import { delay } from "@std/async/delay";
import { channel, merge, select, unboundedChannel } from "../mod.ts";
import { spendBudget } from "../budget.ts";
import { codecs, sharedChannel } from "../shared.ts";
import { stateOf } from "./_util.ts";

/** A promise and the functions that settle it. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/**
 * A thenable that counts the reads of its `then` and its calls, and hands
 * its callbacks out so a test settles it when it likes.
 */
function countingThenable<T>() {
  const counts = { reads: 0, calls: 0 };
  let fulfil: ((value: T) => void) | undefined;
  let reject: ((reason: unknown) => void) | undefined;
  const thenable = {
    get then() {
      counts.reads++;
      return (yes: (value: T) => void, no: (reason: unknown) => void) => {
        counts.calls++;
        fulfil = yes;
        reject = no;
      };
    },
  } as unknown as PromiseLike<T>;
  return {
    thenable,
    counts,
    fulfil: (value: T) => fulfil!(value),
    reject: (reason: unknown) => reject!(reason),
  };
}

/** A hand-made thenable, typed as one (its `then` may misbehave). */
function thenable<T>(object: object): PromiseLike<T> {
  return object as PromiseLike<T>;
}

// -- Promise branches --

Deno.test("select() with a promise branch wins with its value when it fulfils, and leaves no waiter on the channels", async () => {
  const [tx, rx] = channel<number>(1);
  const [room, roomRx] = channel<number>(1);
  room.trySend(0); // full: the sender branch waits
  const { promise, resolve } = deferred<string>();
  const selecting = select({ rx, room, p: promise });
  assertEquals(await stateOf(selecting), "pending");
  resolve("late");
  assertEquals(await selecting, { key: "p", value: "late", done: false });
  // Nothing of the select is left: a message goes to the next receive and
  // the freed slot to a plain trySend.
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(roomRx.tryRecv(), 0);
  room.trySend(2);
  assertStrictEquals(roomRx.tryRecv(), 2);
  tx.dispose();
  room.dispose();
});

Deno.test("select() with a promise branch that rejects first rejects with its reason and took nothing", async () => {
  const [tx, rx] = channel<number>(1);
  const [room, roomRx] = channel<number>(1);
  room.trySend(0);
  const { promise, reject } = deferred<never>();
  const selecting = select({ rx, room, p: promise });
  const reason = new Error("failed");
  reject(reason);
  const error = await assertRejects(() => selecting);
  assertStrictEquals(error, reason);
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(roomRx.tryRecv(), 0);
  room.trySend(2); // no permit is held
  assertStrictEquals(roomRx.tryRecv(), 2);
  tx.dispose();
  room.dispose();
});

Deno.test("select() takes a message that comes before the promise settles, and leaves the promise alone", async () => {
  const [tx, rx] = channel<number>(1);
  const { promise, resolve } = deferred<string>();
  const selecting = select({ rx, p: promise });
  tx.trySend(7);
  assertEquals(await selecting, { key: "rx", value: 7, done: false });
  resolve("kept");
  // The promise still holds its value for whoever awaits it.
  assertStrictEquals(await promise, "kept");
  tx.dispose();
});

Deno.test("select() that loses to a channel does not report the promise's later rejection as unhandled", async () => {
  // Deno's sanitizers fail the test on an unhandled rejection.
  const [tx, rx] = channel<number>(1);
  const { promise, reject } = deferred<never>();
  const selecting = select({ rx, p: promise });
  tx.trySend(1);
  assertEquals(await selecting, { key: "rx", value: 1, done: false });
  reject(new Error("nobody waits"));
  await delay(0);
  tx.dispose();
});

Deno.test("select() picks a ready channel at the call over a promise it has not seen settle", async () => {
  const [tx, rx] = channel<number>(4);
  tx.trySend(1);
  // Settled, but its value only comes in a later microtask.
  const promise = Promise.resolve("now");
  const outcome = await select({ p: promise, rx }, { biased: true });
  assertEquals(outcome, { key: "rx", value: 1, done: false });
  // With nothing ready, the settled promise wins within a microtask.
  assertEquals(await select({ p: promise, rx }), {
    key: "p",
    value: "now",
    done: false,
  });
  // Seen settled, it is ready at the call: biased, it comes first.
  tx.trySend(2);
  assertEquals(await select({ p: promise, rx }, { biased: true }), {
    key: "p",
    value: "now",
    done: false,
  });
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

Deno.test("select() rejects at the call with a promise it has seen reject, and takes nothing", async () => {
  const [tx, rx] = channel<number>(4);
  const failed = Promise.reject(new Error("once"));
  await assertRejects(() => select({ rx, failed }), Error, "once");
  tx.trySend(1);
  await assertRejects(
    () => select({ failed, rx }, { biased: true }),
    Error,
    "once",
  );
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() reads a thenable's then once and calls it once, however many selects wait on it", async () => {
  const [tx, rx] = channel<number>(1);
  const { thenable, counts, fulfil } = countingThenable<string>();
  for (let i = 0; i < 100; i++) {
    const selecting = select({ rx, t: thenable });
    tx.trySend(i);
    assertEquals(await selecting, { key: "rx", value: i, done: false });
  }
  assertEquals(counts, { reads: 1, calls: 1 });
  const first = select({ rx, t: thenable });
  const second = select({ t: thenable });
  fulfil("both");
  // Every select waiting on it wins: a promise holds its value for all.
  assertEquals(await first, { key: "t", value: "both", done: false });
  assertEquals(await second, { key: "t", value: "both", done: false });
  assertEquals(counts, { reads: 1, calls: 1 });
  tx.dispose();
});

Deno.test("select() never calls then when a channel is ready at the call", async () => {
  const [tx, rx] = channel<number>(1);
  const { thenable, counts } = countingThenable<string>();
  tx.trySend(1);
  assertEquals(await select({ rx, t: thenable }), {
    key: "rx",
    value: 1,
    done: false,
  });
  assertEquals(counts, { reads: 1, calls: 0 });
  tx.dispose();
});

Deno.test("select() with a thenable that calls back at once, twice and both ways counts the first call", async () => {
  const [tx, rx] = channel<number>(1);
  const eager = thenable<string>({
    then(yes: (value: string) => void, no: (reason: unknown) => void) {
      yes("first");
      yes("second");
      no(new Error("ignored"));
    },
  });
  assertEquals(await select({ rx, eager }), {
    key: "eager",
    value: "first",
    done: false,
  });
  // The select left no receive behind.
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() rejects with what a thenable's then throws, unless it called back first", async () => {
  const [tx, rx] = channel<number>(1);
  const throwing = thenable<never>({
    then() {
      throw new Error("then failed");
    },
  });
  await assertRejects(() => select({ rx, throwing }), Error, "then failed");
  const late = thenable<number>({
    then(yes: (value: number) => void) {
      yes(1);
      throw new Error("too late");
    },
  });
  assertEquals(await select({ rx, late }), {
    key: "late",
    value: 1,
    done: false,
  });
  const getterThrows = thenable<never>({
    get then() {
      throw new Error("no then");
    },
  });
  await assertRejects(() => select({ rx, getterThrows }), Error, "no then");
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() whose thenable's then sends to a branch takes exactly one thing", async () => {
  const [tx, rx] = channel<number>(4);
  const sending = thenable<string>({
    then(yes: (value: string) => void) {
      tx.trySend(1); // a receive of this select is already in line
      yes("also");
    },
  });
  assertEquals(await select({ rx, sending }), {
    key: "rx",
    value: 1,
    done: false,
  });
  assertStrictEquals(rx.len(), 0);
  tx.trySend(2);
  assertStrictEquals(rx.tryRecv(), 2);
  tx.dispose();
});

Deno.test("select() whose thenable's then aborts the signal rejects and holds nothing", async () => {
  const [tx, rx] = channel<number>(1);
  const [room, roomRx] = channel<number>(1);
  room.trySend(0);
  const controller = new AbortController();
  const aborting = thenable<never>({
    then() {
      controller.abort(new Error("stop"));
    },
  });
  await assertRejects(
    () => select({ rx, room, aborting }, { signal: controller.signal }),
    Error,
    "stop",
  );
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  assertStrictEquals(roomRx.tryRecv(), 0);
  room.trySend(2);
  tx.dispose();
  room.dispose();
  roomRx.dispose();
});

Deno.test("select() aborted while waiting on a promise rejects, and the promise settling later changes nothing", async () => {
  const [tx, rx] = channel<number>(1);
  const { promise, resolve } = deferred<string>();
  const controller = new AbortController();
  const selecting = select({ rx, p: promise }, { signal: controller.signal });
  controller.abort(new Error("gone"));
  await assertRejects(() => selecting, Error, "gone");
  resolve("late");
  await promise;
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() with one promise in two branches settles once", async () => {
  const { promise, resolve } = deferred<number>();
  const selecting = select({ a: promise, b: promise }, { biased: true });
  resolve(5);
  const outcome = await selecting;
  assert(outcome.key === "a" || outcome.key === "b");
  assertEquals(outcome.value, 5);
});

Deno.test("select() parked by the budget takes a promise that settled meanwhile", async () => {
  const [tx, rx] = channel<number>(1);
  const promise = Promise.resolve("ready");
  await select({ promise }); // now seen settled
  spendBudget();
  assertEquals(await select({ rx, promise }), {
    key: "promise",
    value: "ready",
    done: false,
  });
  const { promise: later, resolve } = deferred<string>();
  spendBudget();
  const parked = select({ rx, later });
  resolve("after");
  assertEquals(await parked, { key: "later", value: "after", done: false });
  tx.dispose();
});

Deno.test("select() in a loop against a promise that never settles leaves no waiter behind", async () => {
  const [tx, rx] = unboundedChannel<number>();
  const never = countingThenable<string>();
  const got: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const selecting = select({ rx, never: never.thenable });
    tx.send(i);
    const outcome = await selecting;
    if (outcome.key === "rx" && !outcome.done) got.push(outcome.value);
  }
  assertEquals(got.length, 1000);
  // One subscription in all: a loop adds no reaction per turn.
  assertEquals(never.counts, { reads: 1, calls: 1 });
  tx.dispose();
});

Deno.test("select() refuses an object without a then function, naming the branch", async () => {
  const [tx, rx] = channel<number>(1);
  const error = await assertRejects(
    () => select({ rx, odd: { then: 1 } as never }),
    TypeError,
    'branch "odd"',
  );
  assertStringIncludes(error.message, "promise or thenable");
  await assertRejects(() => select({ rx, n: 3 as never }), TypeError);
  tx.dispose();
});

// -- Branches switched off --

Deno.test("select() skips branches that are undefined, null or false", async () => {
  const [tx, rx] = channel<number>(1);
  const [otherTx, other] = channel<number>(1);
  otherTx.trySend(9); // ready, but switched off
  tx.trySend(1);
  const paused = true;
  const outcome = await select({
    rx,
    other: paused ? undefined : other,
    gone: null,
    off: !paused && other,
  });
  assertEquals(outcome, { key: "rx", value: 1, done: false });
  assertStrictEquals(other.tryRecv(), 9);
  tx.dispose();
  otherTx.dispose();
});

Deno.test("select() with every branch switched off rejects with TypeError", async () => {
  const error = await assertRejects(
    () => select({ jobs: undefined, ctl: null, tick: false }),
    TypeError,
    "switched on",
  );
  assertStringIncludes(error.message, "received 3 switched off");
  await assertRejects(() => select({ jobs: undefined }), TypeError);
  await assertRejects(() => select({}), TypeError, "at least one branch");
});

// -- The branches object --

Deno.test("select() reads its branches object once: a getter that sends cannot leave it waiting next to a message", async () => {
  const [tx, rx] = channel<number>(1);
  const [otherTx, other] = channel<number>(1);
  let reads = 0;
  const branches = {
    get rx() {
      reads++;
      return rx;
    },
    get other() {
      reads++;
      tx.trySend(1); // rx was classified empty; the message comes now
      return other;
    },
  };
  assertEquals(await select(branches), { key: "rx", value: 1, done: false });
  assertStrictEquals(reads, 2);
  assertStrictEquals(rx.len(), 0);
  tx.dispose();
  otherTx.dispose();
});

// -- merge() over receivers disposed while it runs --

Deno.test("merge() ends a receiver's branch when it is disposed while a step waits, and goes on with the others", async () => {
  const [atx, a] = channel<number>(4);
  const [btx, b] = channel<string>(4);
  const seen: string[] = [];
  const loop = (async () => {
    for await (const item of merge({ a, b })) {
      seen.push(`${item.key}${item.value}`);
    }
  })();
  await delay(0); // the first step waits
  a.dispose();
  await btx.send("x");
  btx.dispose();
  await loop;
  assertEquals(seen, ["bx"]);
  atx.dispose();
});

Deno.test("merge() ends a receiver's branch when the loop body disposes it, and goes on with the others", async () => {
  const [atx, a] = channel<number>(4);
  const [btx, b] = channel<string>(4);
  atx.trySend(1);
  atx.trySend(2);
  btx.trySend("x");
  btx.trySend("y");
  btx.dispose();
  const fromB: string[] = [];
  let fromA = 0;
  for await (const item of merge({ a, b })) {
    if (item.key === "a") {
      fromA++;
      a.dispose(); // its queued message goes with it
    } else fromB.push(item.value);
  }
  assert(fromA <= 1);
  assertEquals(fromB, ["x", "y"]);
  atx.dispose();
});

Deno.test("merge() over receivers all disposed before the first step ends at once", async () => {
  const [atx, a] = channel<number>(1);
  a.dispose();
  const items = [];
  for await (const item of merge({ a })) items.push(item);
  assertEquals(items, []);
  atx.dispose();
});

Deno.test("select() reads a native promise's then only when it waits, once", async () => {
  const [tx, rx] = channel<number>(4);
  const { promise, resolve } = deferred<string>();
  let reads = 0;
  const then = promise.then;
  Object.defineProperty(promise, "then", {
    get() {
      reads++;
      return then;
    },
  });
  tx.trySend(1);
  assertEquals(await select({ rx, promise }), {
    key: "rx",
    value: 1,
    done: false,
  });
  assertStrictEquals(reads, 0); // it lost at the call: never touched
  const waiting = select({ rx, promise });
  const again = select({ promise });
  resolve("done");
  assertEquals(await waiting, { key: "promise", value: "done", done: false });
  assertEquals(await again, { key: "promise", value: "done", done: false });
  assertStrictEquals(reads, 1);
  tx.dispose();
});

Deno.test("select() with a native promise whose then is no function rejects with TypeError once it waits", async () => {
  const [tx, rx] = channel<number>(1);
  const promise = new Promise<never>(() => {});
  Object.defineProperty(promise, "then", { value: 42 });
  await assertRejects(() => select({ rx, promise }), TypeError, "then");
  tx.trySend(1);
  assertStrictEquals(rx.tryRecv(), 1);
  tx.dispose();
});

Deno.test("select() refuses an object made from a handle's prototype, even after a real handle of that class", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  assertEquals(await select({ rx, tx }), { key: "rx", value: 1, done: false });
  for (const handle of [rx, tx] as object[]) {
    const fake = Object.create(Object.getPrototypeOf(handle));
    await assertRejects(() => select({ fake }), TypeError, 'branch "fake"');
  }
  tx.dispose();
});

Deno.test("select() with a SharedReceiver, a promise and a branch switched off: the promise wins and the shared message stays", async () => {
  const [stx, srx] = sharedChannel(4, { codec: codecs.number });
  const [tx, rx] = channel<number>(1);
  const { promise, resolve } = deferred<string>();
  const waiting = select({ shared: srx, local: rx, promise, off: undefined });
  resolve("first");
  assertEquals(await waiting, { key: "promise", value: "first", done: false });
  stx.trySend(1);
  assertStrictEquals(srx.tryRecv(), 1);
  // Seen settled, the promise is ready at the call, next to a ready
  // shared message: biased, key order decides.
  stx.trySend(2);
  assertEquals(await select({ shared: srx, promise }, { biased: true }), {
    key: "shared",
    value: 2,
    done: false,
  });
  stx.trySend(3);
  assertEquals(await select({ promise, shared: srx }, { biased: true }), {
    key: "promise",
    value: "first",
    done: false,
  });
  assertStrictEquals(srx.tryRecv(), 3);
  stx.dispose();
  srx.dispose();
  tx.dispose();
});

Deno.test("select() whose thenable calls back at once while a sender branch waits for room holds no sender", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0); // full: the sender branch registers for room
  const eager = thenable<string>({
    then(yes: (value: string) => void) {
      yes("now");
    },
  });
  assertEquals(await select({ tx, eager }), {
    key: "eager",
    value: "now",
    done: false,
  });
  tx.dispose();
  // The branch's hold on the sender went with it: the channel ends.
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
});
