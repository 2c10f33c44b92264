// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Web Streams over channels: a receiver read as a ReadableStream, a sender written as a WritableStream.

import type { Receiver, Sender } from "./bounded.ts";
import type { UnboundedReceiver, UnboundedSender } from "./unbounded.ts";
import type { SharedReceiver } from "./shared_receiver.ts";
import { SendError } from "./error.ts";
import { chanOfReceiver } from "./_internals.ts";

/**
 * Options for {@linkcode toReadableStream}.
 *
 * @example Keeping the receiver after the stream
 * ```ts
 * import { unboundedChannel } from "@seed/mpsc";
 * import { toReadableStream } from "@seed/mpsc/stream";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<number>();
 * tx.send(1);
 * tx.send(2);
 * const reader = toReadableStream(rx, { keepOpen: true }).getReader();
 * assertEquals(await reader.read(), { done: false, value: 1 });
 * await reader.cancel();
 * // With the default highWaterMark of 0 nothing was read ahead.
 * assertStrictEquals(rx.tryRecv(), 2);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface ToReadableStreamOptions {
  /**
   * How many messages the stream may hold in its own queue before it stops
   * pulling from the receiver.
   *
   * The default, `0`, pulls only when a reader asks for a chunk, so the
   * channel's buffer is the only buffer and a slow reader slows the
   * senders. A larger value lets the stream read ahead in batches (one
   * `recvMany()` call per pull).
   *
   * @default {0}
   */
  highWaterMark?: number;
  /**
   * When `true`, the receiver stays yours: cancelling the stream withdraws
   * the receive it was waiting on and leaves the receiver open, and the end
   * of the stream does not dispose it. Messages that had already moved into
   * the stream's queue are dropped with the stream, as any cancelled
   * stream drops its queued chunks.
   *
   * By default the stream owns the receiver and disposes it when it is
   * cancelled, when it ends and when it errors.
   *
   * @default {false}
   */
  keepOpen?: boolean;
}

/**
 * Options for {@linkcode toWritableStream}.
 *
 * @example Writing through a sender that stays yours
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { toWritableStream } from "@seed/mpsc/stream";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(4);
 * const writer = toWritableStream(tx, { highWaterMark: 4, keepOpen: true })
 *   .getWriter();
 * await writer.write("from the stream");
 * await writer.close();
 * await tx.send("from the sender");
 * tx.dispose();
 * const received: string[] = [];
 * for await (const s of rx) received.push(s);
 * assertEquals(received, ["from the stream", "from the sender"]);
 * ```
 */
export interface ToWritableStreamOptions {
  /**
   * How many chunks the stream queues before its `desiredSize` drops to
   * zero and `writer.ready` waits. A write that waits for room in the
   * channel counts as queued, so a full channel shows as backpressure.
   *
   * @default {1}
   */
  highWaterMark?: number;
  /**
   * When `true`, the sender stays yours: closing, aborting or erroring the
   * stream does not dispose it. By default the stream owns the sender and
   * disposes it in each of those cases.
   *
   * @default {false}
   */
  keepOpen?: boolean;
  /**
   * Aborting it errors the stream with `signal.reason` at once, even while
   * a write waits for room; that write holds no permit and sends nothing.
   *
   * A `pipeTo()` aborted through its own `signal` first waits for the write
   * in flight to finish, as the Streams standard requires, and a write into
   * a full channel finishes only when the receiver makes room. Pass the
   * same signal here so that the abort also ends that wait.
   */
  signal?: AbortSignal;
}

/**
 * Reads a receiver as a pull-based `ReadableStream`, the Web counterpart of
 * `tokio-stream`'s `ReceiverStream`.
 *
 * - Backpressure: the stream receives only when its reader wants more (up
 *   to `highWaterMark` messages ahead), so a slow reader leaves messages in
 *   the channel and the senders wait for room.
 * - The stream ends once the channel is closed and drained, and it yields
 *   `undefined` messages faithfully (it reads with `recvMany()`).
 * - Cancelling the stream (`reader.cancel()`, or a `pipeTo` whose
 *   destination fails) withdraws the pending receive, which takes no
 *   message, and disposes the receiver, so the senders see the channel
 *   close. Pass `keepOpen: true` to keep the receiver open instead.
 * - Works with both {@linkcode Receiver} and {@linkcode UnboundedReceiver}.
 *
 * @typeParam T The type of the messages.
 * @param receiver The receiver to read: bounded, unbounded or shared (a
 * `SharedReceiver` runs on the same receive engine). Unless `keepOpen` is
 * set, the stream takes it over: do not use it afterwards.
 * @param options How far to read ahead and whether to leave the receiver
 * open.
 * @returns A stream of the channel's messages, in order.
 * @throws {RangeError} If `options.highWaterMark` is negative or `NaN`.
 *
 * @example Reading a channel with `for await`
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { toReadableStream } from "@seed/mpsc/stream";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(2);
 * const producer = (async () => {
 *   for (let i = 0; i < 5; i++) await tx.send(i);
 *   tx.dispose();
 * })();
 * const received: number[] = [];
 * for await (const n of toReadableStream(rx)) received.push(n);
 * await producer;
 * assertEquals(received, [0, 1, 2, 3, 4]);
 * ```
 *
 * @example Cancelling the stream closes the channel
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { toReadableStream } from "@seed/mpsc/stream";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(4);
 * await tx.send("hello");
 * const reader = toReadableStream(rx).getReader();
 * assertEquals(await reader.read(), { done: false, value: "hello" });
 * await reader.cancel();
 * assert(tx.isClosed());
 * tx.dispose();
 * ```
 */
export function toReadableStream<T>(
  receiver: Receiver<T> | UnboundedReceiver<T> | SharedReceiver<T>,
  options: ToReadableStreamOptions = {},
): ReadableStream<T> {
  const { highWaterMark = 0, keepOpen = false } = options;
  // Aborted when the stream is cancelled. It withdraws the receive a pull
  // left waiting; an aborted receive took no message, so none is lost.
  const cancelled = new AbortController();
  // Pulls never overlap (the stream waits for each pull to settle), so
  // one array serves them all. Invariant: empty between pulls.
  const batch: T[] = [];
  function release(): void {
    if (!keepOpen) receiver.dispose();
  }
  return new ReadableStream<T>({
    async pull(controller) {
      // `desiredSize` is 0 when a reader waits on an empty queue with the
      // default high-water mark: take at least one message then. It is
      // `Infinity` with an infinite high-water mark: take a batch at a time.
      const wanted = Math.floor(controller.desiredSize ?? 1);
      const limit = Math.min(Math.max(1, wanted), MAX_BATCH);
      let received: number;
      try {
        received = await receiver.recvMany(batch, limit, {
          signal: cancelled.signal,
        });
      } catch (error) {
        batch.length = 0;
        // A cancel rejected the receive on purpose: the stream is gone.
        if (cancelled.signal.aborted) return;
        release();
        controller.error(error);
        return;
      }
      // The receive was granted before a cancel could withdraw it; the
      // cancelled stream would throw on enqueue, and `cancel` has already
      // put the messages back (`keepOpen`) or disposed of them.
      if (cancelled.signal.aborted) {
        batch.length = 0;
        return;
      }
      for (let i = 0; i < received; i++) controller.enqueue(batch[i]!);
      batch.length = 0;
      if (received === 0) {
        // Closed and drained: nothing will ever arrive again.
        controller.close();
        release();
      }
    },
    cancel(reason) {
      cancelled.abort(reason);
      // A receive granted to the pull just before the cancel filled `batch`
      // at once; its continuation has not run yet. With `keepOpen` the
      // receiver lives on, so the messages go back first in its queue now,
      // before anything else can happen to the channel.
      if (keepOpen && batch.length > 0) {
        const chan = chanOfReceiver(receiver);
        if (chan) chan.unreceive(batch, batch.length);
        batch.length = 0;
      }
      release();
    },
  }, { highWaterMark, size: countOne });
}

/**
 * Writes into a sender through a `WritableStream`, the Web counterpart of
 * `tokio-util`'s `PollSender`.
 *
 * - Each `write` waits for room by reserving a permit, then sends through
 *   it, so the stream's `desiredSize` and `writer.ready` show the channel's
 *   backpressure. An unbounded sender never waits.
 * - Aborting the stream while a write waits withdraws the reservation: no
 *   permit is held and nothing half-sent reaches the receiver. So does
 *   aborting `options.signal`, which also ends a `pipeTo()` stuck on a
 *   full channel (see {@linkcode ToWritableStreamOptions.signal}).
 * - `close()` and `abort()` dispose the sender (unless `keepOpen` is set),
 *   so the receiver sees the end of the stream once every other sender is
 *   gone.
 * - When the receiver closes, the stream errors with a
 *   {@linkcode SendError} at once, even with no write in flight, so a
 *   `pipeTo` into it stops and cancels its source. A write that fails
 *   because the channel closed rejects with a `SendError` whose `value` is
 *   the chunk.
 *
 * @typeParam T The type of the messages.
 * @param sender The sender to write through. Unless `keepOpen` is set, the
 * stream takes it over: do not use it afterwards.
 * @param options How many chunks to queue, whether to leave the sender
 * open, and a signal that stops the stream.
 * @returns A stream whose chunks are sent, in order, into the channel.
 * @throws {RangeError} If `options.highWaterMark` is negative or `NaN`.
 *
 * @example Piping a stream into a channel
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { toWritableStream } from "@seed/mpsc/stream";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(1);
 * const piped = ReadableStream.from(["a", "b", "c"])
 *   .pipeTo(toWritableStream(tx));
 * const received: string[] = [];
 * for await (const s of rx) received.push(s);
 * await piped;
 * assertEquals(received, ["a", "b", "c"]);
 * ```
 *
 * @example Backpressure through `desiredSize`
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { toWritableStream } from "@seed/mpsc/stream";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * const writer = toWritableStream(tx).getWriter();
 * await writer.write(1); // the channel is now full
 * const second = writer.write(2); // waits for room
 * assertStrictEquals(writer.desiredSize, 0);
 * assertStrictEquals(await rx.recv(), 1);
 * await second;
 * assertStrictEquals(writer.desiredSize, 1);
 * await writer.close();
 * assertStrictEquals(await rx.recv(), 2);
 * assertStrictEquals(await rx.recv(), undefined);
 * ```
 */
export function toWritableStream<T>(
  sender: Sender<T> | UnboundedSender<T>,
  options: ToWritableStreamOptions = {},
): WritableStream<T> {
  const { highWaterMark = 1, keepOpen = false, signal } = options;
  // Aborted when the writes must stop waiting: the stream was aborted or
  // errored, `signal` fired, or the stream let go of the sender. It
  // withdraws a reservation in flight (which then holds no permit) and the
  // `closed()` watch, so no waiter outlives the stream.
  const stop = new AbortController();
  let released = false;
  let sink: WritableStreamDefaultController;
  function release(reason?: unknown): void {
    if (released) return;
    released = true;
    signal?.removeEventListener("abort", onSignal);
    stop.abort(reason);
    if (!keepOpen) sender.dispose();
  }
  function onSignal(): void {
    const reason = signal!.reason;
    sink.error(reason);
    release(reason);
  }
  return new WritableStream<T>({
    start(controller) {
      sink = controller;
      if (signal?.aborted) {
        onSignal();
        return;
      }
      signal?.addEventListener("abort", onSignal, { once: true });
      // `controller.signal` fires as soon as `abort()` is called, while a
      // write may still be in flight; the sink's `abort` runs only after
      // that write settles, so the wait is withdrawn from here.
      controller.signal.addEventListener("abort", () => {
        stop.abort(controller.signal.reason);
      }, { once: true });
      sender.closed({ signal: stop.signal }).then(() => {
        // Interleaving point: the stream may have finished between the
        // channel closing and this callback.
        if (released) return;
        const error = new SendError(undefined);
        controller.error(error);
        release(error);
      }, ignore);
    },
    async write(chunk) {
      if (!("reserve" in sender)) {
        try {
          sender.send(chunk);
        } catch (error) {
          release(error);
          throw error;
        }
        return;
      }
      let permit;
      try {
        permit = await sender.reserve({ signal: stop.signal });
      } catch (error) {
        release(error);
        throw error instanceof SendError ? new SendError(chunk) : error;
      }
      // A granted permit is final: the send below cannot fail.
      permit.send(chunk);
    },
    close() {
      release();
    },
    abort(reason) {
      release(reason);
    },
  }, { highWaterMark, size: countOne });
}

// The most messages one pull takes, so that an infinite high-water mark
// still reads in bounded batches.
const MAX_BATCH = 1024;

function countOne(): number {
  return 1;
}

function ignore(): void {}
