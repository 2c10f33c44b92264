// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Unbounded channels: sending never waits, so memory is the only limit.

import type { WaitOptions } from "./bounded.ts";
import {
  checkBuffer,
  checkInteger,
  CLONE_SENDER,
  CLONE_WEAK_SENDER,
  CLOSE_RECEIVER,
  disposedError,
  DOWNGRADE_SENDER,
  ITERATE_RECEIVER,
  notAHandle,
  QUERY_RECEIVER,
  QUERY_SENDER,
  QUERY_WEAK_SENDER,
  RECEIVE,
  RECEIVE_MANY,
  SEND,
  signalOf,
  UPGRADE_SENDER,
  WAIT_CLOSED,
} from "./_args.ts";
import { aliasDispose, inspectAs } from "./_inspect.ts";
import { rejectCharged } from "./budget.ts";
import { internals, NOT_A_HANDLE } from "./_internals.ts";
import { Chan, ReceiverIterator, TxRef } from "./chan.ts";
import { SendError } from "./error.ts";
import { ACQUIRED, Counter } from "./semaphore.ts";

export type { WaitOptions } from "./bounded.ts";

type UnboundedChan<T> = Chan<T, Counter>;
type UnboundedRef<T> = TxRef<T, Counter>;

/**
 * Creates an unbounded channel: `send` is synchronous and never waits.
 *
 * Nothing slows a producer down, so a consumer that falls behind lets the
 * queue grow without limit; prefer {@linkcode channel} (bounded) unless the
 * producer cannot wait (for example, a callback API).
 *
 * @typeParam T The type of the messages.
 * @returns The sender and the receiver.
 *
 * @example Bridging a callback API
 * ```ts
 * import { unboundedChannel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<string>();
 * const target = new EventTarget();
 * target.addEventListener("ping", (e) => tx.send(e.type));
 * target.dispatchEvent(new Event("ping"));
 * tx.dispose();
 * assertStrictEquals(await rx.recv(), "ping");
 * assertStrictEquals(await rx.recv(), undefined);
 * ```
 */
export function unboundedChannel<T>(): [
  UnboundedSender<T>,
  UnboundedReceiver<T>,
] {
  const chan: UnboundedChan<T> = new Chan(new Counter());
  return [new UnboundedSender(new TxRef(chan)), new UnboundedReceiver(chan)];
}

/**
 * The sending half of an unbounded channel. Clone it for more producers;
 * the channel stays open while any clone is alive.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { unboundedChannel } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<number>();
 * for (let i = 0; i < 3; i++) tx.send(i);
 * tx.dispose();
 * const got: number[] = [];
 * for await (const n of rx) got.push(n);
 * assertEquals(got, [0, 1, 2]);
 * ```
 */
export class UnboundedSender<in out T> implements Disposable {
  #ref: UnboundedRef<T> | undefined;

  static {
    inspectAs(this, "UnboundedSender", (sender) => {
      const chan = sender.#ref?.chan;
      return chan && { strongCount: chan.txCount, closed: chan.rxClosed };
    });
  }

  /**
   * Wraps one strong count of a channel. Users get senders from
   * {@linkcode unboundedChannel}, `clone()` and `upgrade()`.
   *
   * @ignore
   */
  constructor(ref: UnboundedRef<T>) {
    this.#ref = ref;
  }

  #use(action: string): UnboundedChan<T> {
    const ref = this.#ref;
    if (ref === undefined) {
      throw disposedError(action, "sender");
    }
    return ref.chan;
  }

  /**
   * Sends a message. Synchronous: it never waits.
   *
   * @param value The message (any value, `undefined` included).
   * @throws {SendError} If the receiver is closed or disposed; its `value`
   * is the message.
   *
   * @example Usage
   * ```ts
   * import { SendError, unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * rx.close();
   * assertThrows(() => tx.send(2), SendError);
   * assertStrictEquals(await rx.recv(), 1);
   * ```
   */
  send(value: T): void {
    // Room is unlimited: only a closed channel refuses.
    if (this.#use(SEND).deliver(value) !== ACQUIRED) {
      throw new SendError(value);
    }
  }

  /**
   * Resolves once the receiver is closed or disposed.
   *
   * Cancellation: aborting only stops this wait.
   *
   * @param options `signal` cancels the wait.
   * @returns A promise that resolves when the channel closes.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * const closed = tx.closed();
   * rx.dispose();
   * await closed;
   * assert(tx.isClosed());
   * ```
   */
  closed(options?: WaitOptions): Promise<void> {
    try {
      const chan = this.#use(WAIT_CLOSED);
      return chan.closed(
        signalOf(WAIT_CLOSED, options),
      );
    } catch (error) {
      return rejectCharged(error);
    }
  }

  /**
   * Whether the receiver was closed or disposed.
   *
   * @returns `true` once sends can no longer succeed.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * rx.close();
   * assert(tx.isClosed());
   * ```
   */
  isClosed(): boolean {
    return this.#use(QUERY_SENDER).rxClosed;
  }

  /**
   * Whether `other` feeds the same channel.
   *
   * @param other Another sender (a disposed one never matches).
   * @returns `true` if both feed one channel.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using clone = tx.clone();
   * assert(tx.sameChannel(clone));
   * ```
   */
  sameChannel(other: UnboundedSender<T>): boolean {
    const chan = this.#use(QUERY_SENDER);
    if (typeof other !== "object" || other === null || !(#ref in other)) {
      throw notAHandle(QUERY_SENDER, "other", "UnboundedSender", other);
    }
    return chan === other.#ref?.chan;
  }

  /**
   * Creates another sender of the same channel.
   *
   * @returns A new strong sender; dispose it like this one.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using clone = tx.clone();
   * assertStrictEquals(clone.strongCount(), 2);
   * ```
   */
  clone(): UnboundedSender<T> {
    return new UnboundedSender(this.#use(CLONE_SENDER).cloneTx());
  }

  /**
   * Creates a {@linkcode WeakUnboundedSender}, which does not keep the
   * channel open.
   *
   * @returns A weak sender of the same channel.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using weak = tx.downgrade();
   * tx.dispose();
   * assertStrictEquals(weak.upgrade(), undefined);
   * ```
   */
  downgrade(): WeakUnboundedSender<T> {
    const chan = this.#use(DOWNGRADE_SENDER);
    chan.downgrade();
    return new WeakUnboundedSender(chan);
  }

  /**
   * The number of strong senders alive.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * assertStrictEquals(tx.strongCount(), 1);
   * ```
   */
  strongCount(): number {
    return this.#use(QUERY_SENDER).txCount;
  }

  /**
   * The number of weak senders alive.
   *
   * @returns The weak count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * assertStrictEquals(tx.weakCount(), 0);
   * ```
   */
  weakCount(): number {
    return this.#use(QUERY_SENDER).weakCount;
  }

  /**
   * Drops this sender; the receiver sees the end once every strong sender
   * is disposed. Idempotent; any other call afterwards throws
   * `ReferenceError`.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.dispose();
   * assertStrictEquals(await rx.recv(), undefined);
   * ```
   */
  dispose(): void {
    const ref = this.#ref;
    if (ref === undefined) return;
    this.#ref = undefined;
    ref.release();
  }

  /**
   * The same as {@linkcode UnboundedSender.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * {
   *   using _tx = tx;
   * }
   * assert(rx.isClosed());
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * A sender of an unbounded channel that does not keep it open. `upgrade()`
 * turns it into an {@linkcode UnboundedSender} while any strong sender is
 * alive, never after.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { unboundedChannel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<string>();
 * using weak = tx.downgrade();
 * weak.upgrade()?.send("via weak");
 * tx.dispose();
 * assertStrictEquals(await rx.recv(), "via weak");
 * ```
 */
export class WeakUnboundedSender<in out T> implements Disposable {
  #chan: UnboundedChan<T> | undefined;

  static {
    inspectAs(this, "WeakUnboundedSender", (weak) => {
      const chan = weak.#chan;
      return chan && { strongCount: chan.txCount, weakCount: chan.weakCount };
    });
  }

  /**
   * Wraps one weak count of a channel; users get weak senders from
   * `UnboundedSender.downgrade()`.
   *
   * @ignore
   */
  constructor(chan: UnboundedChan<T>) {
    this.#chan = chan;
  }

  #use(action: string): UnboundedChan<T> {
    const chan = this.#chan;
    if (chan === undefined) {
      throw disposedError(action, "weak sender");
    }
    return chan;
  }

  /**
   * A strong sender, if any strong sender is still alive.
   *
   * @returns A new {@linkcode UnboundedSender}, or `undefined` once the
   * strong count has reached zero.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using weak = tx.downgrade();
   * using strong = weak.upgrade();
   * assert(strong !== undefined);
   * ```
   */
  upgrade(): UnboundedSender<T> | undefined {
    const ref = this.#use(UPGRADE_SENDER).upgrade();
    return ref === undefined ? undefined : new UnboundedSender(ref);
  }

  /**
   * The number of strong senders alive.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using weak = tx.downgrade();
   * assertStrictEquals(weak.strongCount(), 1);
   * ```
   */
  strongCount(): number {
    return this.#use(QUERY_WEAK_SENDER).txCount;
  }

  /**
   * The number of weak senders alive.
   *
   * @returns The weak count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using weak = tx.downgrade();
   * assertStrictEquals(weak.weakCount(), 1);
   * ```
   */
  weakCount(): number {
    return this.#use(QUERY_WEAK_SENDER).weakCount;
  }

  /**
   * Creates another weak sender of the same channel.
   *
   * @returns A new weak sender.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * using weak = tx.downgrade();
   * using other = weak.clone();
   * assertStrictEquals(other.weakCount(), 2);
   * ```
   */
  clone(): WeakUnboundedSender<T> {
    const chan = this.#use(CLONE_WEAK_SENDER);
    chan.downgrade();
    return new WeakUnboundedSender(chan);
  }

  /**
   * Drops this weak sender. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * tx.downgrade().dispose();
   * assertStrictEquals(tx.weakCount(), 0);
   * ```
   */
  dispose(): void {
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    chan.dropWeak();
  }

  /**
   * The same as {@linkcode WeakUnboundedSender.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx] = unboundedChannel<number>();
   * {
   *   using _weak = tx.downgrade();
   * }
   * assertStrictEquals(tx.weakCount(), 0);
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * The receiving half of an unbounded channel. There is one per channel.
 *
 * - `recv()` resolves messages in send order, and `undefined` once every
 *   sender is gone (or the receiver closed) and the queue is drained.
 * - Concurrent `recv()` calls are served in call order.
 * - `close()` stops new sends but keeps what is queued; `dispose()` drops
 *   it.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { unboundedChannel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<number>();
 * tx.send(1);
 * tx.dispose();
 * assertStrictEquals(await rx.recv(), 1);
 * assertStrictEquals(await rx.recv(), undefined);
 * ```
 */
export class UnboundedReceiver<in out T>
  implements AsyncIterable<T>, Disposable {
  #chan: UnboundedChan<T> | undefined;

  static {
    internals.unboundedReceiverChan = (value) =>
      #chan in value
        ? (value.#chan as Chan<unknown> | undefined)
        : NOT_A_HANDLE;
    inspectAs(this, "UnboundedReceiver", (receiver) => {
      const chan = receiver.#chan;
      return chan && { len: chan.list.length, closed: chan.isClosed() };
    });
  }

  /**
   * Wraps the receiving side of a channel; users get the receiver from
   * {@linkcode unboundedChannel}.
   *
   * @ignore
   */
  constructor(chan: UnboundedChan<T>) {
    this.#chan = chan;
  }

  #use(action: string): UnboundedChan<T> {
    const chan = this.#chan;
    if (chan === undefined) {
      throw disposedError(action, "receiver");
    }
    return chan;
  }

  /**
   * Receives the next message, waiting for one if the channel is empty.
   *
   * Cancellation: an aborted call took no message. Use `signal` rather than
   * `Promise.race`: a receive that loses a race still takes the next
   * message, and it is lost.
   *
   * A message that is a promise or another thenable is adopted, as every
   * promise resolution does: `recv()` resolves with its result. `for await`,
   * `tryRecv()` and `recvMany()` hand it over untouched.
   *
   * @param options `signal` cancels the wait.
   * @returns The next message, or `undefined` once the channel is closed and
   * drained.
   *
   * @example A receive with a time limit
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertRejects, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * const signal = AbortSignal.timeout(5);
   * const error = await assertRejects(() => rx.recv({ signal }), DOMException);
   * assertStrictEquals(error.name, "TimeoutError");
   * tx.send(1);
   * assertStrictEquals(await rx.recv(), 1);
   * ```
   */
  recv(options?: WaitOptions): Promise<T | undefined> {
    const chan = this.#chan;
    // The hot path: a live receiver, no options.
    if (options === undefined && chan !== undefined) {
      return chan.recv(undefined);
    }
    try {
      const chan = this.#use(RECEIVE);
      return chan.recv(
        signalOf(RECEIVE, options),
      );
    } catch (error) {
      return rejectCharged(error);
    }
  }

  /**
   * Receives up to `limit` messages at once, appending them to `buffer`;
   * waits for at least one.
   *
   * Cancellation: an aborted call took no message and left `buffer`
   * untouched.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: an integer from 0 to 2^53 − 1.
   * @param options `signal` cancels the wait.
   * @returns How many messages were appended; 0 only once the channel is
   * closed and drained (or `limit` is 0).
   * @throws {TypeError} (rejects) If `buffer` is not an array.
   * @throws {RangeError} (rejects) If `limit` is negative, fractional or too
   * large.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertEquals, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * tx.send(2);
   * tx.dispose();
   * const batch: number[] = [];
   * assertStrictEquals(await rx.recvMany(batch, 10), 2);
   * assertStrictEquals(await rx.recvMany(batch, 10), 0);
   * assertEquals(batch, [1, 2]);
   * ```
   */
  recvMany(buffer: T[], limit: number, options?: WaitOptions): Promise<number> {
    try {
      const chan = this.#use(RECEIVE_MANY);
      checkBuffer(RECEIVE_MANY, buffer);
      checkInteger(RECEIVE_MANY, "limit", limit, 0, Number.MAX_SAFE_INTEGER);
      return chan.recvMany(buffer, limit, signalOf(RECEIVE_MANY, options));
    } catch (error) {
      return rejectCharged(error);
    }
  }

  /**
   * Receives the next message now, without waiting.
   *
   * @returns The next message.
   * @throws {TryRecvError} `"empty"` if no message is queued yet;
   * `"disconnected"` once the channel is closed and drained.
   *
   * @example Usage
   * ```ts
   * import { TryRecvError, unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * assertStrictEquals(rx.tryRecv(), 1);
   * const error = assertThrows(() => rx.tryRecv(), TryRecvError);
   * assertStrictEquals(error.kind, "empty");
   * ```
   */
  tryRecv(): T {
    return this.#use(RECEIVE).tryRecv();
  }

  /**
   * Closes the channel without dropping it: sends fail from now on and
   * `closed()` resolves; queued messages are still received.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * rx.close();
   * assertStrictEquals(await rx.recv(), 1);
   * assertStrictEquals(await rx.recv(), undefined);
   * ```
   */
  close(): void {
    this.#use(CLOSE_RECEIVER).close();
  }

  /**
   * Whether the channel is closed: `close()` was called, or no strong
   * sender is left.
   *
   * @returns `true` once no new message can be sent.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.dispose();
   * assert(rx.isClosed());
   * ```
   */
  isClosed(): boolean {
    return this.#use(QUERY_RECEIVER).isClosed();
  }

  /**
   * Whether no message is queued.
   *
   * @returns `true` if `len()` is 0.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [, rx] = unboundedChannel<number>();
   * assert(rx.isEmpty());
   * ```
   */
  isEmpty(): boolean {
    return this.#use(QUERY_RECEIVER).list.length === 0;
  }

  /**
   * The number of queued messages.
   *
   * @returns How many messages `tryRecv()` could take now.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * assertStrictEquals(rx.len(), 1);
   * ```
   */
  len(): number {
    return this.#use(QUERY_RECEIVER).list.length;
  }

  /**
   * The number of strong senders alive.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [, rx] = unboundedChannel<number>();
   * assertStrictEquals(rx.senderStrongCount(), 1);
   * ```
   */
  senderStrongCount(): number {
    return this.#use(QUERY_RECEIVER).txCount;
  }

  /**
   * The number of weak senders alive.
   *
   * @returns The weak count.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * using _weak = tx.downgrade();
   * assertStrictEquals(rx.senderWeakCount(), 1);
   * ```
   */
  senderWeakCount(): number {
    return this.#use(QUERY_RECEIVER).weakCount;
  }

  /**
   * Iterates the messages until the channel is closed and drained.
   * `undefined` messages are yielded as they are; leaving the loop early
   * does not close the receiver.
   *
   * @returns An async iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<string>();
   * tx.send("a");
   * tx.send("b");
   * tx.dispose();
   * const got: string[] = [];
   * for await (const m of rx) got.push(m);
   * assertEquals(got, ["a", "b"]);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new ReceiverIterator(this.#use(ITERATE_RECEIVER));
  }

  /**
   * Iterates the messages as `for await` does, with a signal that stops the
   * loop: an abort rejects the pending step with `signal.reason`.
   *
   * Cancellation: an aborted step took no message; it stays in the channel
   * for the next receive. The receiver stays open.
   *
   * @param options `signal` stops the iteration.
   * @returns An async iterator of the messages.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   *
   * @example Stopping a loop with a signal
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * tx.send(1);
   * const controller = new AbortController();
   * const got: number[] = [];
   * await assertRejects(async () => {
   *   for await (const n of rx.values({ signal: controller.signal })) {
   *     got.push(n);
   *     controller.abort(new Error("stop"));
   *   }
   * }, Error, "stop");
   * assertEquals(got, [1]);
   * tx.send(2); // the receiver is still open
   * assertEquals(rx.tryRecv(), 2);
   * ```
   */
  values(options?: WaitOptions): AsyncIterableIterator<T> {
    const chan = this.#use(ITERATE_RECEIVER);
    const signal = signalOf(ITERATE_RECEIVER, options);
    return new ReceiverIterator(chan, signal);
  }

  /**
   * Drops the receiver: closes the channel, drops the queued messages, and
   * settles pending receives as finished. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { SendError, unboundedChannel } from "@seed/mpsc";
   * import { assertThrows } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * rx.dispose();
   * assertThrows(() => tx.send(1), SendError);
   * ```
   */
  dispose(): void {
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    chan.drop();
  }

  /**
   * The same as {@linkcode UnboundedReceiver.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { unboundedChannel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = unboundedChannel<number>();
   * {
   *   using _rx = rx;
   * }
   * assert(tx.isClosed());
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

aliasDispose(UnboundedSender, WeakUnboundedSender, UnboundedReceiver);
