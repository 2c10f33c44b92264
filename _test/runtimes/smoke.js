// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The smoke suite that _test/runtimes_test.ts runs on the bundled module under Node.js and in Chromium.

// Plain JavaScript that every target parses as is: no TypeScript, no
// `using` declarations (Node.js 20 cannot parse them), no Deno or Node APIs.

/**
 * Runs every smoke check against the bundled module.
 *
 * @param {Record<string, unknown>} mpsc The bundle's exports.
 * @returns {Promise<{ name: string, ok: boolean, error?: string }[]>} One
 * result per check, in order.
 */
export async function runSmoke(mpsc) {
  const results = [];
  for (const [name, check] of CHECKS) {
    try {
      await check(mpsc);
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: describe(error) });
    }
  }
  return results;
}

function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function ok(condition, message) {
  if (!condition) throw new Error(`Check failed: ${message}`);
}

function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    throw new Error(
      `Check failed: ${message}: expected ${String(expected)}, got ${
        String(actual)
      }`,
    );
  }
}

async function rejects(promise, test, message) {
  try {
    await promise;
  } catch (error) {
    ok(test(error), `${message} (rejected with ${describe(error)})`);
    return;
  }
  throw new Error(`Check failed: ${message}: the promise resolved`);
}

function throws(fn, test, message) {
  try {
    fn();
  } catch (error) {
    ok(test(error), `${message} (threw ${describe(error)})`);
    return;
  }
  throw new Error(`Check failed: ${message}: nothing was thrown`);
}

// A macrotask the way the platform offers it, to see the budget yield.
function macrotask(callback) {
  if (typeof setImmediate === "function") {
    setImmediate(callback);
    return;
  }
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    callback();
  };
  port2.postMessage(null);
}

const CHECKS = [
  ["exports are present", (mpsc) => {
    for (
      const name of [
        "channel",
        "unboundedChannel",
        "MAX_BUFFER",
        "SendError",
        "TrySendError",
        "TryRecvError",
        "SendTimeoutError",
        "toReadableStream",
        "toWritableStream",
      ]
    ) {
      ok(name in mpsc, `the bundle exports ${name}`);
    }
    ok(Number.isSafeInteger(mpsc.MAX_BUFFER), "MAX_BUFFER is a safe integer");
  }],

  ["bounded round trip", async ({ channel }) => {
    const [tx, rx] = channel(2);
    const producer = (async () => {
      for (let i = 0; i < 10; i++) await tx.send(i);
      tx.dispose();
    })();
    const received = [];
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) {
      received.push(v);
    }
    await producer;
    equal(received.join(","), "0,1,2,3,4,5,6,7,8,9", "messages in order");
    equal(await rx.recv(), undefined, "recv() after the end");
    rx.dispose();
  }],

  [
    "unbounded round trip with undefined messages",
    async ({ unboundedChannel }) => {
      const [tx, rx] = unboundedChannel();
      tx.send("a");
      tx.send(undefined);
      tx.send(null);
      const clone = tx.clone();
      tx.dispose();
      equal(rx.senderStrongCount(), 1, "strong count after clone and dispose");
      clone.send("b");
      clone[Symbol.dispose]();
      const received = [];
      for await (const v of rx) received.push(v);
      equal(received.length, 4, "for await got every message");
      equal(received[1], undefined, "an undefined message");
      equal(received[2], null, "a null message");
      equal(received[3], "b", "the clone's message");
      rx.dispose();
    },
  ],

  ["permits: reserve, reserveMany, tryReserve, dispose", async (mpsc) => {
    const [tx, rx] = mpsc.channel(3);
    const permit = await tx.reserve();
    equal(tx.capacity(), 2, "capacity after reserve");
    const many = await tx.reserveMany(2);
    equal(tx.capacity(), 0, "capacity after reserveMany(2)");
    throws(
      () => tx.tryReserve(),
      (e) => e instanceof mpsc.TrySendError && e.kind === "full",
      "tryReserve() on a full channel",
    );
    for (const p of many) p.send("many");
    permit.dispose();
    equal(tx.capacity(), 1, "a disposed permit gives its slot back");
    const owned = await tx.reserveOwned();
    throws(
      () => tx.capacity(),
      (e) => e instanceof ReferenceError,
      "reserveOwned() consumes the sender",
    );
    const back = owned.send("owned");
    equal(back.capacity(), 0, "capacity with three messages queued");
    back.dispose();
    const buffer = [];
    equal(await rx.recvMany(buffer, 10), 3, "recvMany() count");
    equal(buffer.join(","), "many,many,owned", "permit messages in order");
    equal(await rx.recv(), undefined, "closed once every sender is gone");
    rx.dispose();
  }],

  ["abort: a cancelled recv takes no message", async ({ channel }) => {
    const [tx, rx] = channel(1);
    const controller = new AbortController();
    const pending = rx.recv({ signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    await rejects(pending, (e) => e === reason, "recv() rejects with reason");
    await rejects(
      tx.send(1, { signal: controller.signal }),
      (e) => e === reason,
      "an already aborted send rejects with the reason",
    );
    await tx.send(2);
    equal(await rx.recv(), 2, "the next message is not lost");
    tx.dispose();
    rx.dispose();
  }],

  ["abort: a cancelled reserve holds no permit", async ({ channel }) => {
    const [tx, rx] = channel(1);
    await tx.send("full");
    const controller = new AbortController();
    const pending = tx.reserve({ signal: controller.signal });
    controller.abort();
    await rejects(pending, (e) => e instanceof Error, "reserve() rejects");
    equal(await rx.recv(), "full", "the buffered message");
    equal(tx.capacity(), 1, "no slot is held by the aborted reserve");
    tx.dispose();
    rx.dispose();
  }],

  ["timeouts and closing", async (mpsc) => {
    const [tx, rx] = mpsc.channel(1);
    await tx.sendTimeout("first", 0);
    await rejects(
      tx.sendTimeout("second", 5),
      (e) => e instanceof mpsc.SendTimeoutError && e.kind === "timeout",
      "sendTimeout() on a full channel",
    );
    rx.close();
    await rejects(
      tx.send("third"),
      (e) => e instanceof mpsc.SendError && e.value === "third",
      "send() after close()",
    );
    equal(await rx.recv(), "first", "buffered messages stay receivable");
    equal(await rx.recv(), undefined, "then the end");
    throws(
      () => rx.tryRecv(),
      (e) => e instanceof mpsc.TryRecvError && e.kind === "disconnected",
      "tryRecv() after the end",
    );
    tx.dispose();
    rx.dispose();
  }],

  ["bad arguments throw RangeError and TypeError", ({ channel }) => {
    throws(() => channel(0), (e) => e instanceof RangeError, "channel(0)");
    throws(() => channel(1.5), (e) => e instanceof RangeError, "channel(1.5)");
    throws(() => channel("1"), (e) => e instanceof TypeError, 'channel("1")');
  }],

  [
    "budget: a busy receiver yields to the event loop",
    async ({ unboundedChannel }) => {
      const [tx, rx] = unboundedChannel();
      const total = 2000;
      for (let i = 0; i < total; i++) tx.send(i);
      let ran = false;
      macrotask(() => {
        ran = true;
      });
      // Every message is ready, so without the budget this loop would never
      // let the macrotask run before draining all of them.
      let received = 0;
      while (!ran && received < total) {
        await rx.recv();
        received++;
      }
      ok(ran, `the macrotask ran during ${total} ready receives`);
      ok(received < total, "the yield came before the queue was drained");
      tx.dispose();
      rx.dispose();
    },
  ],

  ["streams: toReadableStream and toWritableStream pipe", async (mpsc) => {
    const [tx1, rx1] = mpsc.channel(2);
    const [tx2, rx2] = mpsc.channel(1);
    const piped = mpsc.toReadableStream(rx1).pipeTo(
      mpsc.toWritableStream(tx2),
    );
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await tx1.send(i);
      tx1.dispose();
    })();
    const received = [];
    for await (const v of rx2) received.push(v);
    await piped;
    await producer;
    equal(received.join(","), "0,1,2,3,4", "piped messages in order");
    rx2.dispose();
  }],
];
