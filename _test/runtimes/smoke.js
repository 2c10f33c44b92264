// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The smoke suite that _test/runtimes_test.ts runs on the bundled module under Node.js and in Chromium.

// Plain JavaScript: no TypeScript, no `using` declarations (Node.js 20
// cannot parse them), no Deno or Node APIs. _test/runtimes_test.ts bundles
// this file with `deno bundle`, which brings @std/assert along, so both
// targets load it as one self-contained module.

import {
  assert,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";

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
      assert(name in mpsc, `the bundle exports ${name}`);
    }
    assert(
      Number.isSafeInteger(mpsc.MAX_BUFFER),
      "MAX_BUFFER is a safe integer",
    );
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
    assertStrictEquals(
      received.join(","),
      "0,1,2,3,4,5,6,7,8,9",
      "messages in order",
    );
    assertStrictEquals(await rx.recv(), undefined, "recv() after the end");
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
      assertStrictEquals(
        rx.senderStrongCount(),
        1,
        "strong count after clone and dispose",
      );
      clone.send("b");
      clone[Symbol.dispose]();
      const received = [];
      for await (const v of rx) received.push(v);
      assertStrictEquals(received.length, 4, "for await got every message");
      assertStrictEquals(received[1], undefined, "an undefined message");
      assertStrictEquals(received[2], null, "a null message");
      assertStrictEquals(received[3], "b", "the clone's message");
      rx.dispose();
    },
  ],

  ["permits: reserve, reserveMany, tryReserve, dispose", async (mpsc) => {
    const [tx, rx] = mpsc.channel(3);
    const permit = await tx.reserve();
    assertStrictEquals(tx.capacity(), 2, "capacity after reserve");
    const many = await tx.reserveMany(2);
    assertStrictEquals(tx.capacity(), 0, "capacity after reserveMany(2)");
    const full = assertThrows(
      () => tx.tryReserve(),
      mpsc.TrySendError,
      undefined,
      "tryReserve() on a full channel",
    );
    assertStrictEquals(full.kind, "full", "tryReserve() on a full channel");
    for (const p of many) p.send("many");
    permit.dispose();
    assertStrictEquals(
      tx.capacity(),
      1,
      "a disposed permit gives its slot back",
    );
    const owned = await tx.reserveOwned();
    assertThrows(
      () => tx.capacity(),
      ReferenceError,
      undefined,
      "reserveOwned() consumes the sender",
    );
    const back = owned.send("owned");
    assertStrictEquals(
      back.capacity(),
      0,
      "capacity with three messages queued",
    );
    back.dispose();
    const buffer = [];
    assertStrictEquals(await rx.recvMany(buffer, 10), 3, "recvMany() count");
    assertStrictEquals(
      buffer.join(","),
      "many,many,owned",
      "permit messages in order",
    );
    assertStrictEquals(
      await rx.recv(),
      undefined,
      "closed once every sender is gone",
    );
    rx.dispose();
  }],

  ["abort: a cancelled recv takes no message", async ({ channel }) => {
    const [tx, rx] = channel(1);
    const controller = new AbortController();
    const pending = rx.recv({ signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    assertStrictEquals(
      await assertRejects(() => pending, "recv() rejects"),
      reason,
      "recv() rejects with the reason",
    );
    assertStrictEquals(
      await assertRejects(
        () => tx.send(1, { signal: controller.signal }),
        "an already aborted send rejects",
      ),
      reason,
      "an already aborted send rejects with the reason",
    );
    await tx.send(2);
    assertStrictEquals(await rx.recv(), 2, "the next message is not lost");
    tx.dispose();
    rx.dispose();
  }],

  ["abort: a cancelled reserve holds no permit", async ({ channel }) => {
    const [tx, rx] = channel(1);
    await tx.send("full");
    const controller = new AbortController();
    const pending = tx.reserve({ signal: controller.signal });
    controller.abort();
    await assertRejects(() => pending, Error, undefined, "reserve() rejects");
    assertStrictEquals(await rx.recv(), "full", "the buffered message");
    assertStrictEquals(
      tx.capacity(),
      1,
      "no slot is held by the aborted reserve",
    );
    tx.dispose();
    rx.dispose();
  }],

  ["timeouts and closing", async (mpsc) => {
    const [tx, rx] = mpsc.channel(1);
    await tx.sendTimeout("first", 0);
    const timeout = await assertRejects(
      () => tx.sendTimeout("second", 5),
      mpsc.SendTimeoutError,
      undefined,
      "sendTimeout() on a full channel",
    );
    assertStrictEquals(timeout.kind, "timeout", "sendTimeout() kind");
    rx.close();
    const closed = await assertRejects(
      () => tx.send("third"),
      mpsc.SendError,
      undefined,
      "send() after close()",
    );
    assertStrictEquals(closed.value, "third", "send() hands the value back");
    assertStrictEquals(
      await rx.recv(),
      "first",
      "buffered messages stay receivable",
    );
    assertStrictEquals(await rx.recv(), undefined, "then the end");
    const disconnected = assertThrows(
      () => rx.tryRecv(),
      mpsc.TryRecvError,
      undefined,
      "tryRecv() after the end",
    );
    assertStrictEquals(disconnected.kind, "disconnected", "tryRecv() kind");
    tx.dispose();
    rx.dispose();
  }],

  ["bad arguments throw RangeError and TypeError", ({ channel }) => {
    assertThrows(() => channel(0), RangeError, undefined, "channel(0)");
    assertThrows(() => channel(1.5), RangeError, undefined, "channel(1.5)");
    assertThrows(() => channel("1"), TypeError, undefined, 'channel("1")');
  }],

  [
    "budget: a busy receiver yields to the event loop",
    async ({ unboundedChannel }) => {
      const [tx, rx] = unboundedChannel();
      const limit = 1_000_000;
      let ran = false;
      macrotask(() => {
        ran = true;
      });
      // Every receive finds its message ready, so without the budget this
      // loop would never let the macrotask run; with it, the turn yields
      // once it has run its slice (1 ms).
      let received = 0;
      while (!ran && received < limit) {
        tx.send(received);
        assertStrictEquals(await rx.recv(), received, "messages in order");
        received++;
      }
      assert(ran, `the macrotask never ran during ${limit} ready receives`);
      tx.dispose();
      rx.dispose();
    },
  ],

  ["select takes one message; handles inspect as their state", async (mpsc) => {
    const [atx, arx] = mpsc.channel(1);
    const [btx, brx] = mpsc.channel(1);
    atx.trySend("a");
    btx.trySend("b");
    const outcome = await mpsc.select({ a: arx, b: brx });
    assertStrictEquals(outcome.done, false);
    assertStrictEquals(arx.len() + brx.len(), 1, "the loser kept its message");
    // Node's util.inspect calls this hook; Deno has its own, tested there.
    const inspect = atx[Symbol.for("nodejs.util.inspect.custom")];
    assertStrictEquals(typeof inspect, "function");
    const shown = inspect.call(atx);
    assert(shown.startsWith("Sender { capacity: "), shown);
    assert(!shown.includes('"a"'), "no message in the output");
    atx.dispose();
    btx.dispose();
    arx.dispose();
    brx.dispose();
  }],

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
    assertStrictEquals(
      received.join(","),
      "0,1,2,3,4",
      "piped messages in order",
    );
    rx2.dispose();
  }],
];
