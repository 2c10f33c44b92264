// Copyright 2026 the @seed/mpsc authors. MIT license.
// Shared receivers compose like in-process ones, since they run on the same receive engine: select, merge, toReadableStream and values({ signal }), on one thread and fed by a Worker.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { channel, merge, select, unboundedChannel } from "../mod.ts";
import { toReadableStream } from "../stream.ts";
import { type Codec, codecs, sharedChannel } from "../shared.ts";
import { TryRecvError } from "../error.ts";
import { startWorker } from "./shared/start.ts";

/** A number codec whose decode runs `hook` first (user code). */
function hookedCodec(hook: (value: number) => void): Codec<number> {
  return {
    byteLength: 8,
    encode: (
      value,
      _bytes,
      view,
      offset,
    ) => (view.setFloat64(offset, value), 8),
    decode: (_bytes, view, offset) => {
      const value = view.getFloat64(offset);
      hook(value);
      return value;
    },
  };
}

// -- select --

Deno.test("select() takes a SharedReceiver as a receive branch: a ready message wins, the other branch keeps its own", async () => {
  const [stx, srx] = sharedChannel(4, { codec: codecs.number });
  const [tx, rx] = channel<string>(4);
  stx.trySend(1);
  const outcome = await select({ shared: srx, local: rx }, { biased: true });
  assertEquals(outcome, { key: "shared", value: 1, done: false });
  await tx.send("a");
  stx.trySend(2);
  // Both ready: whichever wins, the other still holds its message.
  const next = await select({ shared: srx, local: rx });
  if (next.key === "shared") assertEquals(rx.tryRecv(), "a");
  else assertEquals(srx.tryRecv(), 2);
  stx.dispose();
  assertEquals(await select({ shared: srx }), { key: "shared", done: true });
  tx.dispose();
  rx.dispose();
  srx.dispose();
});

Deno.test("select() waits on a SharedReceiver: a later send wins it, and an aborted select took nothing", async () => {
  const [stx, srx] = sharedChannel(4, { codec: codecs.number });
  const [tx, rx] = unboundedChannel<string>();
  const waiting = select({ shared: srx, local: rx });
  await stx.send(7);
  assertEquals(await waiting, { key: "shared", value: 7, done: false });

  const controller = new AbortController();
  const aborted = select({ shared: srx, local: rx }, {
    signal: controller.signal,
  });
  controller.abort(new Error("stop"));
  await assertRejects(() => aborted, Error, "stop");
  stx.trySend(8);
  tx.send("x");
  assertEquals(srx.tryRecv(), 8);
  assertEquals(rx.tryRecv(), "x");
  stx.dispose();
  tx.dispose();
  srx.dispose();
  rx.dispose();
});

Deno.test("select() on a SharedReceiver keeps call order with recv() calls waiting before it", async () => {
  const [stx, srx] = sharedChannel(4, { codec: codecs.number });
  const first = srx.recv();
  const chosen = select({ shared: srx });
  const third = srx.recv();
  stx.trySend(1);
  stx.trySend(2);
  stx.trySend(3);
  assertEquals(await first, 1);
  assertEquals(await chosen, { key: "shared", value: 2, done: false });
  assertEquals(await third, 3);
  stx.dispose();
  srx.dispose();
});

Deno.test("select() on a SharedReceiver whose codec throws rejects with the codec's error; the next message is intact", async () => {
  const codec = hookedCodec((value) => {
    if (value === 1) throw new RangeError("bad message");
  });
  const [stx, srx] = sharedChannel(4, { codec });
  stx.trySend(1);
  stx.trySend(2);
  await assertRejects(() => select({ shared: srx }), RangeError, "bad message");
  assertEquals(await select({ shared: srx }), {
    key: "shared",
    value: 2,
    done: false,
  });
  // The same while waiting.
  const waiting = select({ shared: srx });
  stx.trySend(1);
  await assertRejects(() => waiting, RangeError, "bad message");
  stx.dispose();
  srx.dispose();
});

Deno.test("select() with a disposed SharedReceiver rejects with ReferenceError naming the branch", async () => {
  const [stx, srx] = sharedChannel(1);
  srx.dispose();
  await assertRejects(
    () => select({ gone: srx }),
    ReferenceError,
    "gone",
  );
  stx.dispose();
});

// -- merge, streams, values --

Deno.test("merge() reads shared and in-process receivers together until all end", async () => {
  const [atx, arx] = sharedChannel(4, { codec: codecs.number });
  const [btx, brx] = sharedChannel(4, { codec: codecs.string, slotBytes: 16 });
  const [ctx, crx] = channel<boolean>(4);
  atx.trySend(1);
  atx.trySend(2);
  btx.trySend("x");
  await ctx.send(true);
  atx.dispose();
  btx.dispose();
  ctx.dispose();
  const seen: Record<string, unknown[]> = { a: [], b: [], c: [] };
  for await (const item of merge({ a: arx, b: brx, c: crx })) {
    seen[item.key]!.push(item.value);
  }
  assertEquals(seen, { a: [1, 2], b: ["x"], c: [true] });
});

Deno.test("merge() over a shared receiver stops on its signal and takes nothing", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const controller = new AbortController();
  tx.trySend(1);
  const got: number[] = [];
  await assertRejects(
    async () => {
      for await (const item of merge({ rx }, { signal: controller.signal })) {
        got.push(item.value);
        controller.abort(new Error("stop"));
      }
    },
    Error,
    "stop",
  );
  tx.trySend(2);
  assertEquals(got, [1]);
  assertEquals(rx.tryRecv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("toReadableStream() reads a SharedReceiver to its end and disposes it", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const writing = (async () => {
    for (let i = 0; i < 20; i++) await tx.send(i);
    tx.dispose();
  })();
  const values = await Array.fromAsync(toReadableStream(rx));
  await writing;
  assertEquals(values, Array.from({ length: 20 }, (_, i) => i));
  assertThrows(() => rx.len(), ReferenceError);
});

Deno.test("toReadableStream() with keepOpen leaves unread shared messages in the receiver", async () => {
  const [tx, rx] = sharedChannel(8, { codec: codecs.number });
  for (let i = 0; i < 4; i++) tx.trySend(i);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  assertEquals(await reader.read(), { done: false, value: 0 });
  await reader.cancel();
  assertEquals(rx.tryRecv(), 1);
  assertEquals(await rx.recv(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.values({ signal }): an abort rejects the waiting step and takes nothing", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const controller = new AbortController();
  const iterator = rx.values({ signal: controller.signal });
  const step = iterator.next();
  controller.abort(new Error("stop"));
  await assertRejects(() => step, Error, "stop");
  tx.trySend(5);
  assertEquals(await rx.recv(), 5);
  tx.dispose();
  assertEquals(await rx.values().next(), { value: undefined, done: true });
  rx.dispose();
  assertThrows(() => rx.values(), ReferenceError);
  assertThrows(
    () => rx.values({ signal: {} as AbortSignal }),
    ReferenceError,
  );
});

Deno.test("SharedReceiver.values() refuses a signal that is not an AbortSignal", () => {
  const [tx, rx] = sharedChannel(1);
  assertThrows(
    () => rx.values({ signal: {} as AbortSignal }),
    TypeError,
    "options.signal",
  );
  tx.dispose();
  rx.dispose();
});

// -- User code on the engine --

Deno.test("SharedReceiver: a codec that receives again from the receiver keeps call order", async () => {
  let inner: Promise<number | undefined> | undefined;
  const codec = hookedCodec((value) => {
    if (value === 1) inner = rx.recv();
  });
  const [tx, rx] = sharedChannel(4, { codec });
  const outer = rx.recv();
  tx.trySend(1);
  tx.trySend(2);
  assertEquals(await outer, 1);
  assertEquals(await inner, 2);
  // tryRecv while a codec runs sees nothing to take: the head is being read.
  let seen: unknown;
  const codec2 = hookedCodec(() => {
    try {
      rx2.tryRecv();
    } catch (error) {
      seen = error;
    }
  });
  const [tx2, rx2] = sharedChannel(4, { codec: codec2 });
  tx2.trySend(1);
  tx2.trySend(2);
  assertEquals(rx2.tryRecv(), 1);
  assert(seen instanceof TryRecvError);
  assertEquals(rx2.tryRecv(), 2);
  tx.dispose();
  rx.dispose();
  tx2.dispose();
  rx2.dispose();
});

// -- Across a Worker --

Deno.test("select() waits on a Worker's results or a stop command: every result once, in order, then the stop", async () => {
  const [tx, results] = sharedChannel(64, { codec: codecs.number });
  const [stop, stopRx] = channel<string>(1);
  const count = 5_000;
  const { worker, done } = startWorker({
    op: "send",
    token: tx.share(),
    id: 0,
    count,
    mode: "blocking",
  });
  tx.dispose();
  try {
    const seen: number[] = [];
    let ended = false;
    for (;;) {
      // Once the results end, their branch is switched off.
      const outcome = await select({
        results: ended ? undefined : results,
        stop: stopRx,
      });
      if (outcome.key === "stop") {
        assert(!outcome.done);
        assertStrictEquals(outcome.value, "now");
        break;
      }
      if (outcome.done) {
        ended = true;
        await stop.send("now");
        continue;
      }
      seen.push(outcome.value);
    }
    await done;
    assertEquals(seen, Array.from({ length: count }, (_, i) => i));
  } finally {
    worker.terminate();
    stop.dispose();
    stopRx.dispose();
    results.dispose();
  }
});

Deno.test("merge() and toReadableStream() read shared channels fed by two Workers", async () => {
  const [atx, arx] = sharedChannel(32, { codec: codecs.number });
  const [btx, brx] = sharedChannel(32, { codec: codecs.number });
  const count = 2_000;
  const a = startWorker({
    op: "send",
    token: atx.share(),
    id: 1,
    count,
    mode: "async",
  });
  const b = startWorker({
    op: "send",
    token: btx.share(),
    id: 2,
    count,
    mode: "blocking",
  });
  atx.dispose();
  btx.dispose();
  try {
    const fromA: number[] = [];
    const stream = toReadableStream(brx, { highWaterMark: 16 });
    const fromB = Array.fromAsync(stream);
    for await (const item of merge({ a: arx })) fromA.push(item.value);
    await Promise.all([a.done, b.done]);
    assertEquals(fromA, Array.from({ length: count }, (_, i) => 1e6 + i));
    assertEquals(
      await fromB,
      Array.from({ length: count }, (_, i) => 2e6 + i),
    );
  } finally {
    a.worker.terminate();
    b.worker.terminate();
    arx.dispose();
  }
});

Deno.test("select() whose shared codec makes a recv() call: that call waits, and a later send wakes it", async () => {
  let inner: Promise<number | undefined> | undefined;
  const codec = hookedCodec((value) => {
    if (value === 1) inner = rx.recv();
  });
  const [tx, rx] = sharedChannel(4, { codec });
  tx.trySend(1);
  assertEquals(await select({ rx }), { key: "rx", value: 1, done: false });
  assert(inner !== undefined);
  // Sent from a task of its own: the receiver must be asleep, not spinning.
  await new Promise((resolve) => setTimeout(resolve, 5));
  tx.trySend(2);
  assertEquals(await inner, 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("Two Workers' blockingSendMany batches reach recvMany: every value once, each Worker's in order", async () => {
  const [tx, rx] = sharedChannel(64, { codec: codecs.number });
  const count = 5_000;
  const started = [1, 2].map((id) =>
    startWorker({ op: "send", token: tx.share(), id, count, mode: "batch" })
  );
  tx.dispose();
  try {
    const values: number[] = [];
    while ((await rx.recvMany(values, 256)) > 0) {
      // Until both Workers are done.
    }
    await Promise.all(started.map((s) => s.done));
    for (const id of [1, 2]) {
      assertEquals(
        values.filter((v) => Math.floor(v / 1e6) === id),
        Array.from({ length: count }, (_, i) => id * 1e6 + i),
      );
    }
  } finally {
    for (const s of started) s.worker.terminate();
    rx.dispose();
  }
});
