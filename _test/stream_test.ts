// Copyright 2026 the @seed/mpsc authors. MIT license.
// Tests for stream.ts: channels as Web Streams, with pipes, aborts, cancellation and errors.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { delay } from "@std/async/delay";
import { channel, SendError, unboundedChannel } from "../mod.ts";
import { toReadableStream, toWritableStream } from "../stream.ts";
import { settle } from "./_util.ts";

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

// -- toReadableStream --

Deno.test("toReadableStream() yields every message in order, then ends", async () => {
  const [tx, rx] = channel<number>(2);
  const producer = (async () => {
    for (let i = 0; i < 10; i++) await tx.send(i);
    tx.dispose();
  })();
  assertEquals(await collect(toReadableStream(rx)), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ]);
  await producer;
});

Deno.test("toReadableStream() reads an unbounded receiver", async () => {
  const [tx, rx] = unboundedChannel<string>();
  tx.send("a");
  tx.send("b");
  tx.dispose();
  assertEquals(await collect(toReadableStream(rx)), ["a", "b"]);
});

Deno.test("toReadableStream() yields undefined and null messages faithfully", async () => {
  const [tx, rx] = unboundedChannel<number | null | undefined>();
  tx.send(undefined);
  tx.send(null);
  tx.send(undefined);
  tx.send(0);
  tx.dispose();
  assertEquals(await collect(toReadableStream(rx)), [
    undefined,
    null,
    undefined,
    0,
  ]);
});

Deno.test("toReadableStream() pulls only when a reader asks (backpressure)", async () => {
  const [tx, rx] = channel<number>(2);
  const reader = toReadableStream(rx).getReader();
  await tx.send(1);
  await tx.send(2);
  await delay(0);
  // Nobody read: both messages are still in the channel, which is full.
  assertStrictEquals(rx.len(), 2);
  assertStrictEquals(tx.capacity(), 0);
  assertEquals(await reader.read(), { done: false, value: 1 });
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(tx.capacity(), 1);
  await reader.cancel();
  tx.dispose();
});

Deno.test("toReadableStream() reads up to highWaterMark messages ahead", async () => {
  const [tx, rx] = channel<number>(8);
  for (let i = 0; i < 5; i++) await tx.send(i);
  const reader = toReadableStream(rx, { highWaterMark: 3 }).getReader();
  // The first pull may wait a macrotask for the cooperative budget.
  for (let i = 0; i < 10 && rx.len() > 2; i++) await delay(0);
  assertStrictEquals(rx.len(), 2);
  assertEquals(await reader.read(), { done: false, value: 0 });
  await reader.cancel();
  tx.dispose();
});

Deno.test("toReadableStream() with an infinite highWaterMark drains in batches", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 3000; i++) tx.send(i);
  tx.dispose();
  const received = await collect(
    toReadableStream(rx, { highWaterMark: Infinity }),
  );
  assertEquals(received, [...Array(3000).keys()]);
});

Deno.test("toReadableStream() rejects a negative highWaterMark", () => {
  const [tx, rx] = channel<number>(1);
  assertThrows(() => toReadableStream(rx, { highWaterMark: -1 }), RangeError);
  rx.dispose();
  tx.dispose();
});

Deno.test("toReadableStream() disposes the receiver once the channel is drained", async () => {
  const [tx, rx] = channel<number>(1);
  await tx.send(7);
  tx.dispose();
  assertEquals(await collect(toReadableStream(rx)), [7]);
  assertThrows(() => rx.len(), ReferenceError);
});

Deno.test("toReadableStream() cancel disposes the receiver and fails waiting senders", async () => {
  const [tx, rx] = channel<number>(1);
  await tx.send(1);
  const blocked = tx.send(2);
  const reader = toReadableStream(rx).getReader();
  assertEquals(await reader.read(), { done: false, value: 1 });
  // The freed slot went to the waiting send; now cancel with it buffered.
  await blocked;
  await reader.cancel(new Error("done"));
  assert(tx.isClosed());
  await assertRejects(() => tx.send(3), SendError);
  assertThrows(() => rx.len(), ReferenceError);
  tx.dispose();
});

Deno.test("toReadableStream() cancel while waiting takes no message (keepOpen)", async () => {
  const [tx, rx] = channel<string>(1);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const pending = reader.read();
  await delay(0);
  await reader.cancel();
  assertEquals<unknown>(await pending, { done: true, value: undefined });
  await tx.send("kept");
  assert(!rx.isClosed());
  assertStrictEquals(await rx.recv(), "kept");
  tx.dispose();
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("toReadableStream() keepOpen leaves the receiver usable after the end", async () => {
  const [tx, rx] = unboundedChannel<number>();
  tx.send(1);
  tx.dispose();
  assertEquals(await collect(toReadableStream(rx, { keepOpen: true })), [
    1,
  ]);
  assertStrictEquals(rx.len(), 0);
  assert(rx.isClosed());
  rx.dispose();
});

Deno.test("toReadableStream() leaving a for await loop early disposes the receiver", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 5; i++) tx.send(i);
  for await (const n of toReadableStream(rx)) {
    if (n === 1) break;
  }
  assert(tx.isClosed());
  assertThrows(() => tx.send(9), SendError);
  tx.dispose();
});

Deno.test("toReadableStream() ends when the receiver is disposed during a pull", async () => {
  const [tx, rx] = channel<number>(1);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const pending = reader.read();
  await delay(0);
  rx.dispose();
  assertEquals<unknown>(await pending, { done: true, value: undefined });
  tx.dispose();
});

Deno.test("toReadableStream() errors when the receiver was disposed before a pull", async () => {
  const [tx, rx] = channel<number>(1);
  const stream = toReadableStream(rx);
  rx.dispose();
  const reader = stream.getReader();
  await assertRejects(() => reader.read(), ReferenceError);
  await assertRejects(() => reader.closed, ReferenceError);
  tx.dispose();
});

Deno.test("toReadableStream() with keepOpen gives back a message its cancelled pull had taken", async () => {
  const [tx, rx] = channel<string>(2);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const reading = reader.read();
  await settle(); // the pull now waits in recvMany
  tx.trySend("kept");
  await reader.cancel();
  await reading;
  await settle();
  assertStrictEquals(rx.tryRecv(), "kept");
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

Deno.test("toReadableStream() with keepOpen puts a taken message back before a message sent right after the cancel", async () => {
  const [tx, rx] = channel<string>(4);
  const reader = toReadableStream(rx, { keepOpen: true }).getReader();
  const reading = reader.read();
  await settle();
  tx.trySend("first");
  const cancelling = reader.cancel();
  tx.trySend("second");
  assertStrictEquals(rx.tryRecv(), "first");
  assertStrictEquals(rx.tryRecv(), "second");
  await cancelling;
  await reading;
  tx.dispose();
  rx.dispose();
});

// -- toWritableStream --

Deno.test("toWritableStream() sends every chunk in order and close disposes the sender", async () => {
  const [tx, rx] = channel<number>(2);
  const writer = toWritableStream(tx).getWriter();
  const writes = (async () => {
    for (let i = 0; i < 6; i++) await writer.write(i);
    await writer.close();
  })();
  const received: number[] = [];
  for await (const n of rx) received.push(n);
  await writes;
  assertEquals(received, [0, 1, 2, 3, 4, 5]);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertThrows(() => tx.capacity(), ReferenceError);
});

Deno.test("toWritableStream() writes into an unbounded sender", async () => {
  const [tx, rx] = unboundedChannel<string | undefined>();
  const writer = toWritableStream(tx).getWriter();
  await writer.write("x");
  await writer.write(undefined);
  await writer.close();
  const buffer: (string | undefined)[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 10), 2);
  assertEquals(buffer, ["x", undefined]);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("toWritableStream() shows a full channel through desiredSize", async () => {
  const [tx, rx] = channel<number>(1);
  const writer = toWritableStream(tx, { highWaterMark: 2 }).getWriter();
  assertStrictEquals(writer.desiredSize, 2);
  await writer.write(1);
  assertStrictEquals(writer.desiredSize, 2);
  const second = writer.write(2);
  const third = writer.write(3);
  // The channel is full: both writes stay queued in the stream.
  await delay(0);
  assertStrictEquals(writer.desiredSize, 0);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(await rx.recv(), 1);
  await second;
  assertStrictEquals(await rx.recv(), 2);
  await third;
  await writer.close();
  assertStrictEquals(await rx.recv(), 3);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("toWritableStream() abort while a write waits holds no permit and sends nothing", async () => {
  const [tx, rx] = channel<number>(1);
  const writer = toWritableStream(tx).getWriter();
  await writer.write(1);
  const waiting = writer.write(2);
  await delay(0);
  const reason = new Error("stop");
  await writer.abort(reason);
  assertStrictEquals(await assertRejects(() => waiting), reason);
  // The sender is gone and no permit was left behind.
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(rx.capacity(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(rx.capacity(), 1);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("toWritableStream() errors with SendError as soon as the receiver closes", async () => {
  const [tx, rx] = channel<number>(4);
  const writer = toWritableStream(tx).getWriter();
  await writer.write(1);
  rx.close();
  await assertRejects(() => writer.closed, SendError);
  assertThrows(() => tx.capacity(), ReferenceError);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("toWritableStream() a write that fails on close hands the chunk back", async () => {
  const [tx, rx] = channel<string>(1);
  const writer = toWritableStream(tx).getWriter();
  await writer.write("first");
  const waiting = writer.write("second");
  await delay(0);
  rx.dispose();
  const error = await assertRejects(() => waiting, SendError);
  assertStrictEquals(error.value, "second");
  await assertRejects(() => writer.closed, SendError);
});

Deno.test("toWritableStream() keepOpen leaves the sender usable after close", async () => {
  const [tx, rx] = channel<number>(2);
  const writer = toWritableStream(tx, { keepOpen: true }).getWriter();
  await writer.write(1);
  await writer.close();
  await tx.send(2);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
  const buffer: number[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 10), 2);
  assertEquals(buffer, [1, 2]);
  rx.dispose();
});

Deno.test("toWritableStream() abort while idle disposes the sender", async () => {
  const [tx, rx] = channel<number>(2);
  const writer = toWritableStream(tx).getWriter();
  await writer.write(1);
  await writer.abort(new Error("stop"));
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("toWritableStream() an unbounded write after the receiver left hands the chunk back", async () => {
  const [tx, rx] = unboundedChannel<string>();
  const stream = toWritableStream(tx, { keepOpen: true });
  rx.dispose();
  // The stream learns of the close on its own too; whichever comes first,
  // the write fails and the sender stays the caller's.
  const writer = stream.getWriter();
  await assertRejects(() => writer.write("lost?"), SendError);
  await assertRejects(() => writer.closed, SendError);
  assert(tx.isClosed());
  tx.dispose();
});

// -- Pipes --

Deno.test("toReadableStream() and toWritableStream() pipe one channel into another", async () => {
  const [tx1, rx1] = channel<number>(2);
  const [tx2, rx2] = channel<number>(1);
  const piped = toReadableStream(rx1).pipeTo(toWritableStream(tx2));
  const producer = (async () => {
    for (let i = 0; i < 20; i++) await tx1.send(i);
    tx1.dispose();
  })();
  const received: number[] = [];
  for await (const n of rx2) received.push(n);
  await Promise.all([piped, producer]);
  assertEquals(received, Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("toReadableStream() works with pipeThrough", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 1; i <= 3; i++) tx.send(i);
  tx.dispose();
  const doubled = toReadableStream(rx).pipeThrough(
    new TransformStream<number, string>({
      transform(n, controller) {
        controller.enqueue(`${n * 2}`);
      },
    }),
  );
  assertEquals(await collect(doubled), ["2", "4", "6"]);
});

Deno.test("toReadableStream() and toWritableStream() release both channels when a pipe is aborted", async () => {
  const [tx1, rx1] = channel<number>(1);
  const [tx2, rx2] = channel<number>(1);
  const controller = new AbortController();
  const piped = toReadableStream(rx1).pipeTo(toWritableStream(tx2), {
    signal: controller.signal,
  });
  await tx1.send(1);
  assertStrictEquals(await rx2.recv(), 1);
  const reason = new Error("stop piping");
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => piped), reason);
  // The source's receiver is disposed and the destination's sender too.
  assert(tx1.isClosed());
  await assertRejects(() => tx1.send(2), SendError);
  assertStrictEquals(rx2.senderStrongCount(), 0);
  assertStrictEquals(await rx2.recv(), undefined);
  tx1.dispose();
  rx2.dispose();
});

Deno.test("toReadableStream() is cancelled when the pipe destination fails", async () => {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < 5; i++) tx.send(i);
  const boom = new Error("sink failed");
  let writes = 0;
  const sink = new WritableStream<number>({
    write() {
      if (++writes === 2) throw boom;
    },
  });
  assertStrictEquals(
    await assertRejects(() => toReadableStream(rx).pipeTo(sink)),
    boom,
  );
  assert(tx.isClosed());
  assertThrows(() => tx.send(5), SendError);
  tx.dispose();
});

Deno.test("toWritableStream() is aborted when the pipe source errors", async () => {
  const [tx, rx] = channel<number>(4);
  const boom = new Error("source failed");
  let pulls = 0;
  const source = new ReadableStream<number>({
    pull(controller) {
      if (pulls++ < 2) controller.enqueue(pulls);
      else controller.error(boom);
    },
  });
  assertStrictEquals(
    await assertRejects(() => source.pipeTo(toWritableStream(tx))),
    boom,
  );
  assertStrictEquals(rx.senderStrongCount(), 0);
  const buffer: number[] = [];
  assertStrictEquals(await rx.recvMany(buffer, 10), 2);
  assertEquals(buffer, [1, 2]);
  assertStrictEquals(await rx.recv(), undefined);
});

Deno.test("toWritableStream() stops a pipe and cancels its source when the receiver goes away", async () => {
  const [tx, rx] = channel<number>(1);
  let cancelled: unknown;
  let n = 0;
  const source = new ReadableStream<number>({
    pull(controller) {
      controller.enqueue(n++);
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const piped = source.pipeTo(toWritableStream(tx));
  assertStrictEquals(await rx.recv(), 0);
  rx.dispose();
  await assertRejects(() => piped, SendError);
  assert(cancelled instanceof SendError);
});

Deno.test("toWritableStream() signal ends a pipe whose write waits for room", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  let n = 0;
  const source = new ReadableStream<number>({
    pull(c) {
      c.enqueue(n++);
    },
  });
  const piped = source.pipeTo(
    toWritableStream(tx, { signal: controller.signal }),
    { signal: controller.signal },
  );
  // The channel fills and the next write waits; nobody reads.
  while (rx.len() < 1) await delay(0);
  const reason = new Error("stop");
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => piped), reason);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  assertStrictEquals(rx.capacity(), 1);
  rx.dispose();
});

Deno.test("toWritableStream() an already aborted signal errors the stream at once", async () => {
  const [tx, rx] = channel<number>(1);
  const reason = new Error("too late");
  const writer = toWritableStream(tx, { signal: AbortSignal.abort(reason) })
    .getWriter();
  assertStrictEquals(await assertRejects(() => writer.closed), reason);
  assertStrictEquals(await assertRejects(() => writer.write(1)), reason);
  assertStrictEquals(rx.senderStrongCount(), 0);
  assertStrictEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("toWritableStream() signal with keepOpen stops the stream but keeps the sender", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  const writer = toWritableStream(tx, {
    signal: controller.signal,
    keepOpen: true,
  }).getWriter();
  await writer.write(1);
  const waiting = writer.write(2);
  controller.abort();
  await assertRejects(() => waiting, DOMException);
  assertStrictEquals(await rx.recv(), 1);
  await tx.send(3);
  assertStrictEquals(await rx.recv(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("toWritableStream() aborted at random points delivers an in-order prefix and leaks no permit", async () => {
  // A small linear congruential generator: the same cases on every run.
  let seed = 42;
  function random(n: number): number {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  }
  for (let round = 0; round < 25; round++) {
    const [tx, rx] = channel<number>(1 + random(3));
    const controller = new AbortController();
    const abortAfter = random(30);
    let n = 0;
    const source = new ReadableStream<number>({
      pull(c) {
        c.enqueue(n++);
      },
    });
    // The same signal on both ends: the pipe's abort waits for the write in
    // flight, and toWritableStream's signal ends that wait.
    const piped = source.pipeTo(
      toWritableStream(tx, { signal: controller.signal }),
      { signal: controller.signal },
    );
    const received: number[] = [];
    while (received.length < abortAfter) {
      received.push((await rx.recv())!);
      if (random(4) === 0) await delay(0);
    }
    controller.abort(new Error(`round ${round}`));
    await assertRejects(() => piped);
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) {
      received.push(v);
    }
    // No gap, no duplicate, nothing out of order, and every slot is back.
    assertEquals(received, [...received.keys()]);
    assertStrictEquals(rx.senderStrongCount(), 0);
    assertStrictEquals(rx.capacity(), rx.maxCapacity());
    rx.dispose();
  }
});
