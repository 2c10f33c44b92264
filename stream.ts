// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Web Streams over channels: a receiver read as a ReadableStream, a sender written as a WritableStream.

import type { Receiver, Sender } from "./bounded.ts";
import type { UnboundedReceiver, UnboundedSender } from "./unbounded.ts";
import type { SharedReceiver } from "./shared_receiver.ts";
import { SendError } from "./error.ts";
import { chanOfReceiver } from "./_internals.ts";
import { LOOK_MS, now } from "./budget.ts";

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
   * How many messages the stream may read ahead of its reader.
   *
   * The default, `0`, pulls only when a reader asks for a chunk, so the
   * channel's buffer is the only buffer and a slow reader slows the
   * senders. A larger value lets the stream read ahead in batches (one
   * `recvMany()` call of up to 1,024 messages at a time). Messages read
   * ahead reach the stream's queue a few at a time, each hand-over charged
   * to the cooperative budget, so a reader that works on each message
   * still lets timers run.
   *
   * @default {0}
   */
  highWaterMark?: number;
  /**
   * When `true`, the receiver stays yours: cancelling the stream withdraws
   * the receive it was waiting on and leaves the receiver open, and the end
   * of the stream does not dispose it. Messages read ahead go back to the
   * front of the receiver's queue; those already handed to the stream's
   * queue are dropped with the stream, as any cancelled stream drops its
   * queued chunks.
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
  // Converted as the stream's own strategy would convert it.
  const mark = Number(highWaterMark);
  if (!(mark >= 0)) {
    throw new RangeError(
      `Cannot read the receiver as a stream: options.highWaterMark must be a number from 0 to Infinity, received ${highWaterMark}`,
    );
  }
  // Aborted when the stream is cancelled. It withdraws the receive a pull
  // left waiting; an aborted receive took no message, so none is lost.
  const cancelled = new AbortController();
  // Messages read ahead: taken from the receiver, not yet handed to the
  // stream. They are kept here, not in the stream's own queue, because a
  // reader takes queued chunks without the budget seeing it: one that works
  // on each message would run through a queue of thousands without letting
  // a timer fire. Each chunk is handed over by a pull, and each pull is
  // charged. Invariant: `ahead[head..]` are the messages read ahead.
  const ahead: T[] = [];
  let head = 0;
  // The most messages one pull reads ahead.
  const limit = Math.min(Math.max(1, Math.floor(mark)), MAX_BATCH);
  // How many chunks a pull hands over: doubled while the reader gets
  // through them in well under `LOOK_MS` (a pull per chunk would cost a
  // fast reader more than half its rate), halved when it takes longer, so
  // a reader never runs long on chunks no pull was charged for.
  let handOver = 1;
  // When the last pull handed its chunks over; -1 before the first.
  let handedAt = -1;
  // What a charge-only receive is given: it takes nothing.
  const nothing: T[] = [];
  function release(): void {
    if (!keepOpen) receiver.dispose();
  }
  return new ReadableStream<T>({
    async pull(controller) {
      let received: number;
      try {
        received = head < ahead.length
          // A receive of nothing: charged, and yields once the slice is spent.
          ? (await receiver.recvMany(nothing, 0, { signal: cancelled.signal }),
            ahead.length - head)
          : await receiver.recvMany(ahead, limit, {
            signal: cancelled.signal,
          });
      } catch (error) {
        // A cancel rejected the receive on purpose: the stream is gone.
        if (cancelled.signal.aborted) return;
        ahead.length = head = 0;
        release();
        controller.error(error);
        return;
      }
      // The receive was granted before a cancel could withdraw it; the
      // cancelled stream would throw on enqueue, and `cancel` has already
      // put the messages back (`keepOpen`) or disposed of them.
      if (cancelled.signal.aborted) return;
      if (received === 0) {
        // Closed and drained: nothing will ever arrive again.
        controller.close();
        release();
        return;
      }
      if (handedAt >= 0) {
        // The reader took the last pull's chunks in `spent` ms.
        const spent = now() - handedAt;
        if (spent * 2 < LOOK_MS) {
          if (handOver < MAX_BATCH) handOver *= 2;
        } else if (spent > LOOK_MS && handOver > 1) handOver >>= 1;
      }
      const end = Math.min(ahead.length, head + handOver);
      // Settled state first: `enqueue` may run a reader's code at once.
      const from = head;
      head = end;
      for (let i = from; i < end; i++) controller.enqueue(ahead[i]!);
      if (head === ahead.length) ahead.length = head = 0;
      handedAt = now();
    },
    cancel(reason) {
      cancelled.abort(reason);
      // Messages read ahead (and those of a receive granted to the pull just
      // before the cancel, whose continuation has not run yet) never reached
      // the reader. With `keepOpen` the receiver lives on, so they go back
      // first in its queue now, before anything else can happen to it.
      if (keepOpen && head < ahead.length) {
        const chan = chanOfReceiver(receiver);
        if (chan) chan.unreceive(ahead.slice(head), ahead.length - head);
      }
      ahead.length = head = 0;
      release();
    },
    // The stream's own queue holds at most the one chunk a pull handed over
    // (none with a high-water mark of 0): reading ahead is done above.
  }, { highWaterMark: mark > 0 ? 1 : 0, size: countOne });
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
