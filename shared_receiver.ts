// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's receiving handle: SharedReceiver.
//
// A thin handle over `shared_recv.ts`'s `SharedChan`: the in-process
// channel's receive engine (`chan.ts`) over the shared list and its codec,
// woken by `Atomics.waitAsync`. So its calls keep call order, are charged
// to the budget, and survive user code (a codec, a buffer) that aborts,
// closes or disposes, exactly as an in-process receiver's do.

import {
  bufferRefused,
  checkBuffer,
  checkInteger,
  CLOSE_RECEIVER,
  disposedError,
  ITERATE_RECEIVER,
  QUERY_RECEIVER,
  RECEIVE,
  RECEIVE_MANY,
  signalOf,
} from "./_args.ts";
import { inspectAs } from "./_inspect.ts";
import { internals, NOT_A_HANDLE } from "./_internals.ts";
import { ReceiverIterator, REFUSED } from "./chan.ts";
import { TryRecvError } from "./error.ts";
import { adopt, issueToken, SharedCore } from "./shared_chan.ts";
import type {
  AdoptOptions,
  BlockingOptions,
  SharedReceiverToken,
  SharedWaitOptions,
} from "./shared_options.ts";
import { SharedChan } from "./shared_recv.ts";
import { cannotBlock, deadlineOf, mayBlock, refuse } from "./shared_wait.ts";

/**
 * The receiving half of a shared channel: one per channel, on one thread at
 * a time (move it with `share()` and `SharedReceiver.from()`).
 *
 * - Concurrent `recv()` calls on this thread are served in call order, by
 *   the in-process channel's receive engine: a codec or a `recvMany`
 *   buffer that aborts, closes or disposes loses nothing, and loops are
 *   charged to the cooperative budget.
 * - It composes like any receiver: a branch of `select`, a source of
 *   `merge` and `toReadableStream`, and `values({ signal })`.
 * - `blockingRecv` blocks a Worker until a message comes.
 * - A Worker terminated while it held a sender leaves its count behind:
 *   `close()` ends the stream once the buffered messages are read. If it
 *   held a `SharedPermit`, or died between claiming a slot and publishing
 *   it, `recv()` keeps waiting after `close()` (the permit never comes
 *   back; later messages stay behind the unpublished slot): read what
 *   `tryRecv()` still gives, then `dispose()`, which settles every pending
 *   receive as closed and wakes every waiting sender.
 * - `recv()` returns `undefined` once the channel is closed and drained;
 *   with a codec that can produce `undefined` (`codecs.json`), read with
 *   `for await` or `recvMany()` to tell them apart.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4, { codec: codecs.json, slotBytes: 64 });
 * await tx.send({ id: 1 });
 * tx.dispose();
 * assertEquals(await rx.recv(), { id: 1 });
 * assertEquals(await rx.recv(), undefined);
 * ```
 */
export class SharedReceiver<in out T> {
  #chan: SharedChan<T> | undefined;
  #mayBlock: boolean | undefined;

  static {
    inspectAs(this, "SharedReceiver", (receiver) => {
      const core = receiver.#chan?.store.core;
      return core && {
        queued: core.list.claimed(),
        capacity: core.sem.available(),
        closed: core.sem.isClosed() || core.senders() === 0,
      };
    });
    internals.sharedReceiverChan = (value) =>
      #chan in value
        ? (value.#chan as SharedChan<unknown> | undefined)
        : NOT_A_HANDLE;
  }

  /**
   * Internal: the receiver comes from `sharedChannel()` or
   * `SharedReceiver.from()`.
   *
   * @ignore
   */
  constructor(core: unknown) {
    if (!(core instanceof SharedCore)) {
      throw new TypeError("Illegal constructor");
    }
    this.#chan = new SharedChan(core as SharedCore<T>);
  }

  /**
   * Adopts a receiver token made by `share()` on another thread.
   *
   * @typeParam T The type of the messages.
   * @param token A token from `SharedReceiver.share()`.
   * @param options The codec, if the channel has one of its creator's.
   * @returns The receiver.
   * @throws {TypeError} If `token` is not a receiver token of this module,
   * or a custom codec is missing.
   * @throws {ReferenceError} If the token was already adopted.
   *
   * @example Usage
   * ```ts
   * import { SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
   * import { assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const token = rx.share();
   * const moved = SharedReceiver.from(token);
   * assertThrows(() => SharedReceiver.from(token), ReferenceError);
   * assertThrows(() => SharedReceiver.from({} as typeof token), TypeError);
   * tx.dispose();
   * moved.dispose();
   * ```
   */
  static from<T>(
    token: SharedReceiverToken<T>,
    options?: AdoptOptions<T>,
  ): SharedReceiver<T> {
    return new SharedReceiver(adopt("receiver", token, options));
  }

  #live(action: string): SharedChan<T> {
    const chan = this.#chan;
    if (chan === undefined) throw disposedError(action, "receiver");
    return chan;
  }

  /**
   * Receives the next message, waiting for one if none is buffered.
   *
   * Cancellation: an aborted call took no message; use `{ signal }` to
   * time out or cancel, never `Promise.race` around `recv()` (the losing
   * receive would still take a message).
   *
   * @param options A signal to cancel the wait.
   * @returns A promise of the message, or of `undefined` once the channel
   * is closed and drained. Rejects with `signal.reason`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * const next = rx.recv();
   * await tx.send(3);
   * assertEquals(await next, 3);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  recv(options?: SharedWaitOptions): Promise<T | undefined> {
    try {
      const chan = this.#live(RECEIVE);
      return chan.recv(signalOf(RECEIVE, options));
    } catch (error) {
      return refuse(error);
    }
  }

  /**
   * Receives up to `limit` messages at once, appending them to `buffer`;
   * waits for at least one.
   *
   * Cancellation: an aborted call took no message.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: a safe integer from 0.
   * @param options A signal to cancel the wait.
   * @returns A promise of how many were appended: 0 only when `limit` is 0
   * or the channel is closed and drained.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * for (let i = 0; i < 3; i++) tx.trySend(i);
   * const buffer: number[] = [];
   * assertEquals(await rx.recvMany(buffer, 2), 2);
   * assertEquals(buffer, [0, 1]);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  recvMany(
    buffer: T[],
    limit: number,
    options?: SharedWaitOptions,
  ): Promise<number> {
    const action = RECEIVE_MANY;
    try {
      const chan = this.#live(action);
      checkBuffer(action, buffer);
      checkInteger(action, "limit", limit, 0, Number.MAX_SAFE_INTEGER);
      return chan.recvMany(buffer, limit, signalOf(action, options));
    } catch (error) {
      return refuse(error);
    }
  }

  /**
   * Receives a message if one is buffered, without waiting.
   *
   * @returns The message.
   * @throws {TryRecvError} `"empty"` if none is buffered (or a receive call
   * of this thread waits), `"disconnected"` once closed and drained.
   * @throws {ReferenceError} If the receiver is disposed.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { TryRecvError } from "@seed/mpsc/error";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
   * tx.trySend(1);
   * assertEquals(rx.tryRecv(), 1);
   * tx.dispose();
   * assertThrows(() => rx.tryRecv(), TryRecvError, "disconnected");
   * ```
   */
  tryRecv(): T {
    return this.#live(RECEIVE).tryRecv();
  }

  /**
   * Blocks until `take` can take, or the stream ends (`finished` then).
   * Only when no receive call of this thread waits: they come first.
   */
  #block<R>(
    action: string,
    chan: SharedChan<T>,
    deadline: number,
    take: () => R,
    finished: R,
  ): R {
    if (!(this.#mayBlock ??= mayBlock())) throw cannotBlock(action, "recv()");
    if (!chan.isFirstInLine()) {
      throw new TypeError(`${action}: a recv() call of this thread waits`);
    }
    for (;;) {
      if (chan.list.length > 0) {
        try {
          return take();
        } finally {
          // User code (the codec) may have made calls that now wait.
          chan.sleepIfWaiting();
        }
      }
      if (chan.isFinished()) return finished;
      if (!chan.store.blockUntilReady(deadline)) {
        throw new TryRecvError("empty");
      }
    }
  }

  /**
   * Receives the next message, blocking the thread until one comes: for
   * Workers (and other threads that may block) fed by async code.
   *
   * Where the platform forbids blocking (a browser's main thread) it throws
   * a `TypeError`. Deno's and Node's main threads may block.
   *
   * @param options `timeout`: how long to block at most, in milliseconds.
   * @returns The message, or `undefined` once closed and drained.
   * @throws {TryRecvError} `"empty"` if `timeout` passed first.
   * @throws {TypeError} If this thread may not block.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * tx.trySend(9);
   * tx.dispose();
   * assertEquals(rx.blockingRecv(), 9);
   * assertEquals(rx.blockingRecv(), undefined);
   * ```
   */
  blockingRecv(options?: BlockingOptions): T | undefined {
    const action = RECEIVE;
    const chan = this.#live(action);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    return this.#block<T | undefined>(
      action,
      chan,
      deadline,
      () => chan.take(),
      undefined,
    );
  }

  /**
   * Receives up to `limit` messages into `buffer`, blocking until at least
   * one comes.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: a safe integer from 0.
   * @param options `timeout`: how long to block at most, in milliseconds.
   * @returns How many were appended: 0 only when `limit` is 0 or the
   * channel is closed and drained.
   * @throws {TryRecvError} `"empty"` if `timeout` passed first.
   * @throws {TypeError} If this thread may not block.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * const buffer: number[] = [];
   * assertEquals(rx.blockingRecvMany(buffer, 10), 2);
   * assertEquals(buffer, [1, 2]);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  blockingRecvMany(
    buffer: T[],
    limit: number,
    options?: BlockingOptions,
  ): number {
    const action = RECEIVE_MANY;
    const chan = this.#live(action);
    checkBuffer(action, buffer);
    checkInteger(action, "limit", limit, 0, Number.MAX_SAFE_INTEGER);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (limit === 0) return 0;
    return this.#block(action, chan, deadline, () => {
      const count = chan.takeMany(buffer, limit);
      if (count === REFUSED) throw bufferRefused();
      return count;
    }, 0);
  }

  /**
   * Closes the channel: sends and reservations fail from now on, waiting
   * and blocked senders on every thread fail with the closed error, and
   * `closed()` resolves. Buffered messages stay receivable, and permits
   * already held can still send.
   *
   * The stream then ends once the buffered messages are read and every
   * permit is back. A permit held by a Worker that was terminated never
   * comes back (nor does a slot it claimed and never published): then
   * `recv()` keeps waiting; read what `tryRecv()` gives until it reports
   * `"empty"`, then `dispose()`, which settles pending receives as closed.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertRejects } from "@std/assert";
   * import { SendError } from "@seed/mpsc/error";
   *
   * const [tx, rx] = sharedChannel(2, { codec: codecs.number });
   * tx.trySend(1);
   * rx.close();
   * await assertRejects(() => tx.send(2), SendError);
   * assertEquals(await rx.recv(), 1);
   * assertEquals(await rx.recv(), undefined);
   * tx.dispose();
   * ```
   */
  close(): void {
    this.#live(CLOSE_RECEIVER).close();
  }

  /**
   * Whether the channel is closed: by `close()`, or because every strong
   * sender is gone.
   *
   * @returns `true` once no more messages can be sent.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * assert(!rx.isClosed());
   * tx.dispose();
   * assert(rx.isClosed());
   * rx.dispose();
   * ```
   */
  isClosed(): boolean {
    return this.#live(QUERY_RECEIVER).isClosed();
  }

  /**
   * Whether no message is ready to be received now.
   *
   * @returns `true` if a receive would wait.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * assert(rx.isEmpty());
   * tx.trySend(1);
   * assert(!rx.isEmpty());
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  isEmpty(): boolean {
    return this.#live(QUERY_RECEIVER).list.length === 0;
  }

  /**
   * The number of messages in the channel, counting those another thread
   * is writing at this moment.
   *
   * @returns The count.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * assertEquals(rx.len(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  len(): number {
    const store = this.#live(QUERY_RECEIVER).store;
    return store.core.list.claimed() + store.putBack;
  }

  /**
   * The room left now, as `SharedSender.capacity()` reports it.
   *
   * @returns The number of free slots.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.capacity(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  capacity(): number {
    return this.#live(QUERY_RECEIVER).store.core.sem.available();
  }

  /**
   * The channel's capacity, as created.
   *
   * @returns The `capacity` passed to `sharedChannel()`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.maxCapacity(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  maxCapacity(): number {
    return this.#live(QUERY_RECEIVER).store.core.capacity;
  }

  /**
   * The number of strong senders on every thread.
   *
   * @returns The count.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.senderStrongCount(), 1);
   * tx.dispose();
   * assertEquals(rx.senderStrongCount(), 0);
   * rx.dispose();
   * ```
   */
  senderStrongCount(): number {
    return this.#live(QUERY_RECEIVER).store.core.senders();
  }

  /**
   * Moves the receiver to another thread: returns a token to post there
   * and adopt with `SharedReceiver.from()`. This handle is consumed (it
   * behaves as disposed, without closing the channel).
   *
   * @returns The token.
   * @throws {TypeError} If a receive call of this receiver is waiting.
   *
   * @example Usage
   * ```ts
   * import { SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const token = rx.share();
   * assertThrows(() => rx.len(), ReferenceError);
   * const moved = SharedReceiver.from(token);
   * assertEquals(moved.len(), 0);
   * tx.dispose();
   * moved.dispose();
   * ```
   */
  share(): SharedReceiverToken<T> {
    const action = "Cannot share receiver";
    const chan = this.#live(action);
    if (!chan.isFirstInLine()) {
      throw new TypeError(`${action}: a recv() call of this receiver waits`);
    }
    if (chan.store.putBack > 0) {
      throw new TypeError(
        `${action}: a cancelled stream put messages back; receive them first`,
      );
    }
    const core = chan.store.core;
    const token = issueToken<SharedReceiverToken<T>>(
      core as SharedCore<unknown>,
      action,
      "receiver",
    );
    core.list.save();
    chan.store.detach();
    this.#chan = undefined;
    return token;
  }

  /**
   * Iterates over the messages until the channel is closed and drained.
   * Leaving the loop early does not close the receiver.
   *
   * @returns An async iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * tx.dispose();
   * const seen: number[] = [];
   * for await (const n of rx) seen.push(n);
   * assertEquals(seen, [1, 2]);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new ReceiverIterator(this.#live(ITERATE_RECEIVER));
  }

  /**
   * Iterates the messages as `for await` does, with a signal that stops the
   * loop: an abort rejects the pending step with `signal.reason`.
   *
   * Cancellation: an aborted step took no message; it stays in the
   * channel, and the receiver stays open.
   *
   * @param options A signal that stops the iteration.
   * @returns An async iterator of the messages.
   * @throws {ReferenceError} If the receiver is disposed.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * const controller = new AbortController();
   * const got: number[] = [];
   * await assertRejects(async () => {
   *   for await (const n of rx.values({ signal: controller.signal })) {
   *     got.push(n);
   *     controller.abort(new Error("stop"));
   *   }
   * }, Error, "stop");
   * assertEquals(got, [1]);
   * tx.trySend(2); // the receiver is still open
   * assertEquals(rx.tryRecv(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  values(options?: SharedWaitOptions): AsyncIterableIterator<T> {
    const chan = this.#live(ITERATE_RECEIVER);
    return new ReceiverIterator(chan, signalOf(ITERATE_RECEIVER, options));
  }

  /**
   * Closes the channel and discards the buffered messages; pending
   * receives on this thread settle as closed (`undefined`, or 0), and
   * waiting senders on every thread fail with the closed error.
   * Idempotent; any other call afterwards throws `ReferenceError`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertRejects } from "@std/assert";
   * import { SendError } from "@seed/mpsc/error";
   *
   * const [tx, rx] = sharedChannel(1);
   * rx.dispose();
   * await assertRejects(() => tx.send(new Uint8Array(1)), SendError);
   * tx.dispose();
   * ```
   */
  dispose(): void {
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    // Closes for every thread, discards what is buffered (giving the room
    // back) and settles this thread's pending receives as closed.
    chan.drop();
  }

  /**
   * The same function as `dispose()`, for `using`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * {
   *   using _receiver = rx;
   * }
   * assert(tx.isClosed());
   * tx.dispose();
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
