// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Bounded channels: senders wait for room, and permits reserve it in advance.

import {
  checkBuffer,
  checkInteger,
  checkMs,
  CLONE_SENDER,
  CLONE_WEAK_SENDER,
  CLOSE_RECEIVER,
  CREATE_CHANNEL,
  disposedError,
  DOWNGRADE_SENDER,
  ITERATE_RECEIVER,
  notAHandle,
  QUERY_PERMIT,
  QUERY_RECEIVER,
  QUERY_SENDER,
  QUERY_WEAK_SENDER,
  RECEIVE,
  RECEIVE_MANY,
  RELEASE_PERMIT,
  RESERVE,
  SEND,
  signalOf,
  TAKE_PERMIT,
  UPGRADE_SENDER,
  usedPermitError,
  WAIT_CLOSED,
} from "./_args.ts";
import { aliasDispose, inspectAs } from "./_inspect.ts";
import { rejectCharged } from "./budget.ts";
import { internals, NOT_A_HANDLE, refOfSender } from "./_internals.ts";
import { Chan, ReceiverIterator, TxRef } from "./chan.ts";
import { BatchSemaphore } from "./semaphore.ts";
import { reserve, send, tryReserve, trySend } from "./send_call.ts";
import { isAborted, reasonOf } from "./waiter.ts";

/**
 * The largest `buffer` a bounded channel accepts: 2^53 − 1. Nothing
 * proportional to `buffer` is allocated up front, so a large bound costs
 * nothing until messages are queued.
 *
 * @example Usage
 * ```ts
 * import { channel, MAX_BUFFER } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(MAX_BUFFER);
 * assertStrictEquals(tx.maxCapacity(), Number.MAX_SAFE_INTEGER);
 * rx.dispose();
 * ```
 */
export const MAX_BUFFER: number = Number.MAX_SAFE_INTEGER;

/**
 * Options of every method that can wait.
 *
 * @example Cancelling a receive
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertRejects } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * const controller = new AbortController();
 * const pending = rx.recv({ signal: controller.signal });
 * controller.abort(new Error("gave up"));
 * await assertRejects(() => pending, Error, "gave up");
 * tx.dispose();
 * ```
 */
export interface WaitOptions {
  /**
   * Cancels the wait. An already aborted signal rejects at once with
   * `signal.reason` and changes nothing; an abort while waiting rejects with
   * `signal.reason` and leaves the channel as if the call had never been
   * made.
   */
  signal?: AbortSignal | undefined;
}

type BoundedChan<T> = Chan<T, BatchSemaphore>;
type BoundedRef<T> = TxRef<T, BatchSemaphore>;

/**
 * Creates a bounded channel that holds at most `buffer` messages.
 *
 * Once `buffer` messages are queued, or held by permits, senders wait for
 * room: this is the backpressure that keeps a fast producer from outrunning
 * its consumer. Waiting senders are served first come, first served.
 *
 * @typeParam T The type of the messages.
 * @param buffer The capacity: an integer from 1 to {@linkcode MAX_BUFFER}.
 * @returns The sender and the receiver.
 * @throws {TypeError} If `buffer` is not a number.
 * @throws {RangeError} If `buffer` is not an integer from 1 to
 * {@linkcode MAX_BUFFER}.
 *
 * @example Producer and consumer
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(2);
 * const producer = (async () => {
 *   using sender = tx;
 *   for (let i = 0; i < 5; i++) await sender.send(i);
 * })();
 * const received: number[] = [];
 * for await (const n of rx) received.push(n);
 * await producer;
 * assertEquals(received, [0, 1, 2, 3, 4]);
 * ```
 */
export function channel<T>(buffer: number): [Sender<T>, Receiver<T>] {
  checkInteger(CREATE_CHANNEL, "buffer", buffer, 1, MAX_BUFFER);
  const chan: BoundedChan<T> = new Chan(new BatchSemaphore(buffer));
  return [new Sender(new TxRef(chan)), new Receiver(chan)];
}

// What a granted reservation resolves with; each takes over the call's use
// of the sender.

function grantPermit<T>(ref: BoundedRef<T>): Permit<T> {
  return new Permit(ref);
}

function grantPermits<T>(ref: BoundedRef<T>, n: number): PermitIterator<T> {
  return new PermitIterator(ref, n);
}

function grantOwned<T>(ref: BoundedRef<T>): OwnedPermit<T> {
  return new OwnedPermit(ref);
}

/** Gives `n` unused slots back and ends the use of `ref` that held them. */
function giveBack(ref: BoundedRef<unknown>, n: number): void {
  ref.chan.releasePermits(n);
  ref.release();
}

// -- Handles --

/**
 * The sending half of a bounded channel. Clone it for more producers; the
 * channel stays open while any clone (or anything it started) is alive.
 *
 * - Messages arrive in the order they were sent.
 * - When the channel is full, `send` waits; waiting senders are served first
 *   come, first served, and `try*` calls report `"full"` while anyone waits
 *   (for room, or for the event loop's turn after spending the budget).
 * - After the receiver closes, every send fails with an error that hands the
 *   value back.
 *
 * @typeParam T The type of the messages.
 *
 * @example Two producers
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(8);
 * {
 *   using a = tx;
 *   using b = a.clone();
 *   await a.send("from a");
 *   await b.send("from b");
 * }
 * assertStrictEquals(await rx.recv(), "from a");
 * assertStrictEquals(await rx.recv(), "from b");
 * assertStrictEquals(await rx.recv(), undefined);
 * ```
 */
export class Sender<in out T> implements Disposable {
  #ref: BoundedRef<T> | undefined;

  static {
    inspectAs(this, "Sender", (sender) => {
      const chan = sender.#ref?.chan;
      return chan && {
        capacity: chan.semaphore.available(),
        maxCapacity: chan.semaphore.bound,
        strongCount: chan.txCount,
        closed: chan.rxClosed,
      };
    });
    internals.senderRef = (value) =>
      #ref in value
        ? (value.#ref as TxRef<unknown, BatchSemaphore> | undefined)
        : NOT_A_HANDLE;
  }

  /**
   * Wraps one strong count of a channel. Users get senders from
   * {@linkcode channel}, `clone()` and `upgrade()`.
   *
   * @ignore
   */
  constructor(ref: BoundedRef<T>) {
    this.#ref = ref;
  }

  #use(action: string): BoundedRef<T> {
    const ref = this.#ref;
    if (ref === undefined) {
      throw disposedError(action, "sender");
    }
    return ref;
  }

  /**
   * Sends a message, waiting for room if the channel is full.
   *
   * Cancellation: if `options.signal` aborts while the call waits, the
   * message was not sent and the call rejects with `signal.reason`; the
   * caller still has the value. Once the promise resolves, the message is
   * in the channel.
   *
   * @param value The message (any value, `undefined` included).
   * @param options `signal` cancels the wait.
   * @returns A promise that resolves once the message is in the channel.
   * @throws {SendError} (rejects) If the receiver is closed or disposed; the
   * error's `value` is the message.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * await tx.send(1);
   * assertStrictEquals(rx.len(), 1);
   * rx.dispose();
   * ```
   */
  send(value: T, options?: WaitOptions): Promise<void> {
    const ref = this.#ref;
    // The hot path: a live sender, no options.
    if (options === undefined && ref !== undefined) {
      return send(ref, value, undefined, undefined);
    }
    let signal;
    try {
      if (ref === undefined) this.#use(SEND);
      signal = signalOf(SEND, options);
    } catch (error) {
      return rejectCharged(error);
    }
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    return send(ref!, value, signal, undefined);
  }

  /**
   * Sends a message now if there is room, without waiting.
   *
   * @param value The message.
   * @throws {TrySendError} `"full"` if there is no room or someone already
   * waits for some; `"closed"` if the receiver is gone. Its `value` is the
   * message.
   *
   * @example Usage
   * ```ts
   * import { channel, TrySendError } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * tx.trySend(1);
   * const error = assertThrows(() => tx.trySend(2), TrySendError);
   * assertStrictEquals(error.name, "TrySendError");
   * assertStrictEquals(error.kind, "full");
   * assertStrictEquals(rx.tryRecv(), 1);
   * ```
   */
  trySend(value: T): void {
    trySend(this.#use(SEND).chan, value);
  }

  /**
   * Sends a message, waiting at most `ms` milliseconds for room.
   *
   * It succeeds at once when there is room, even with `ms` 0.
   *
   * Cancellation: a timed-out or aborted call sent nothing.
   *
   * @param value The message.
   * @param ms The time limit: a number of milliseconds from 0 up, or
   * `Infinity` for none.
   * @param options `signal` cancels the wait.
   * @returns A promise that resolves once the message is in the channel.
   * @throws {SendTimeoutError} (rejects) `"timeout"` if no room came in time,
   * `"closed"` if the receiver is gone; its `value` is the message.
   * @throws {RangeError} (rejects) If `ms` is negative or `NaN`.
   *
   * @example Usage
   * ```ts
   * import { channel, SendTimeoutError } from "@seed/mpsc";
   * import { assertRejects, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<string>(1);
   * await tx.sendTimeout("fits", 0);
   * const error = await assertRejects(
   *   () => tx.sendTimeout("waits", 10),
   *   SendTimeoutError,
   * );
   * assertStrictEquals(error.kind, "timeout");
   * rx.dispose();
   * ```
   */
  sendTimeout(value: T, ms: number, options?: WaitOptions): Promise<void> {
    const ref = this.#ref;
    let signal;
    try {
      if (ref === undefined) this.#use(SEND);
      checkMs(SEND, "ms", ms);
      signal = signalOf(SEND, options);
    } catch (error) {
      return rejectCharged(error);
    }
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    return send(ref!, value, signal, ms);
  }

  /**
   * Waits for one slot and returns a {@linkcode Permit} that holds it.
   * Sending through the permit is synchronous and cannot fail, which makes
   * the send two-phase: wait for room first, then produce the message.
   *
   * Cancellation: an aborted call holds no permit; its place in line is
   * handed to the next waiter.
   *
   * @param options `signal` cancels the wait.
   * @returns A promise of the permit.
   * @throws {SendError} (rejects, `value` `undefined`) If the receiver is
   * closed or disposed.
   *
   * @example Two-phase send
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<string>(1);
   * {
   *   using permit = await tx.reserve();
   *   permit.send("made after room was found");
   * }
   * assertStrictEquals(await rx.recv(), "made after room was found");
   * ```
   */
  reserve(options?: WaitOptions): Promise<Permit<T>> {
    let ref;
    let signal;
    try {
      ref = this.#use(RESERVE);
      signal = signalOf(RESERVE, options);
    } catch (error) {
      return rejectCharged(error);
    }
    ref.retain();
    return reserve(ref, 1, signal, grantPermit);
  }

  /**
   * Waits for `n` slots at once and returns them as a
   * {@linkcode PermitIterator}. A waiting call keeps the slots it has
   * collected and takes every freed slot until it has `n`.
   *
   * Cancellation: an aborted call holds no permit; what it had collected
   * goes to the next waiter.
   *
   * @param n How many slots: an integer from 0 to 2^53 − 1. 0 succeeds
   * without waiting for room unless the channel is closed.
   * @param options `signal` cancels the wait.
   * @returns A promise of the permits.
   * @throws {SendError} (rejects) If the receiver is closed, or `n` exceeds
   * `maxCapacity()`.
   * @throws {RangeError} (rejects) If `n` is negative, fractional or too
   * large.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertEquals, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(4);
   * let i = 0;
   * for (const permit of await tx.reserveMany(3)) permit.send(i++);
   * const got: number[] = [];
   * assertStrictEquals(await rx.recvMany(got, 10), 3);
   * assertEquals(got, [0, 1, 2]);
   * ```
   */
  reserveMany(n: number, options?: WaitOptions): Promise<PermitIterator<T>> {
    let ref;
    let signal;
    try {
      ref = this.#use(RESERVE);
      checkInteger(RESERVE, "n", n, 0, MAX_BUFFER);
      signal = signalOf(RESERVE, options);
    } catch (error) {
      return rejectCharged(error);
    }
    ref.retain();
    return reserve(ref, n, signal, grantPermits);
  }

  /**
   * Waits for one slot and returns an {@linkcode OwnedPermit}, which owns
   * the sender: this handle is consumed by the call (like Rust's `self`),
   * and the permit gives a sender back when used.
   *
   * Cancellation: if the call rejects (closed or aborted) the consumed
   * sender is disposed.
   *
   * @param options `signal` cancels the wait.
   * @returns A promise of the owned permit.
   * @throws {SendError} (rejects) If the receiver is closed or disposed.
   *
   * @example Handing room to another task
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = await tx.reserveOwned();
   * using sender = permit.send(7);
   * assertStrictEquals(await rx.recv(), 7);
   * assertStrictEquals(sender.strongCount(), 1);
   * ```
   */
  reserveOwned(options?: WaitOptions): Promise<OwnedPermit<T>> {
    let ref;
    let signal;
    try {
      ref = this.#use(RESERVE);
      signal = signalOf(RESERVE, options);
    } catch (error) {
      return rejectCharged(error);
    }
    // Consumed at the call: the handle's use moves into the reservation.
    this.#ref = undefined;
    return reserve(ref, 1, signal, grantOwned);
  }

  /**
   * Takes one slot now, without waiting.
   *
   * @returns The permit.
   * @throws {TrySendError} `"full"` or `"closed"`, with `value` `undefined`.
   *
   * @example Usage
   * ```ts
   * import { channel, TrySendError } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = tx.tryReserve();
   * const error = assertThrows(() => tx.tryReserve(), TrySendError);
   * assertStrictEquals(error.kind, "full");
   * permit.send(1);
   * assertStrictEquals(rx.tryRecv(), 1);
   * ```
   */
  tryReserve(): Permit<T> {
    const ref = this.#use(RESERVE);
    tryReserve(ref.chan, 1, undefined);
    ref.retain();
    return new Permit(ref);
  }

  /**
   * Takes `n` slots now, without waiting.
   *
   * @param n How many slots: an integer from 0 to 2^53 − 1.
   * @returns The permits.
   * @throws {TrySendError} `"full"` if they are not all free, someone waits
   * (unless `n` is 0),
   * or `n` exceeds `maxCapacity()` (even when closed); `"closed"` if the
   * receiver is gone.
   * @throws {RangeError} If `n` is negative, fractional or too large.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * using permits = tx.tryReserveMany(2);
   * assertStrictEquals(permits.len(), 2);
   * assertStrictEquals(tx.capacity(), 0);
   * rx.dispose();
   * ```
   */
  tryReserveMany(n: number): PermitIterator<T> {
    const ref = this.#use(RESERVE);
    checkInteger(RESERVE, "n", n, 0, MAX_BUFFER);
    tryReserve(ref.chan, n, undefined);
    ref.retain();
    return new PermitIterator(ref, n);
  }

  /**
   * Takes one slot now and returns an {@linkcode OwnedPermit} that owns
   * this sender. On failure nothing is consumed: the error's `value` is
   * this same, still usable sender.
   *
   * @returns The owned permit.
   * @throws {TrySendError} `"full"` or `"closed"`, `value` this sender.
   *
   * @example Usage
   * ```ts
   * import { channel, TrySendError } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = tx.tryReserveOwned();
   * const tx2 = permit.send(1);
   * const error = assertThrows(() => tx2.tryReserveOwned(), TrySendError);
   * assertStrictEquals(error.kind, "full");
   * assertStrictEquals(error.value, tx2);
   * rx.dispose();
   * ```
   */
  tryReserveOwned(): OwnedPermit<T> {
    const ref = this.#use(RESERVE);
    tryReserve(ref.chan, 1, this);
    this.#ref = undefined;
    return new OwnedPermit(ref);
  }

  /**
   * Resolves once the receiver is closed or disposed: the moment to stop
   * producing.
   *
   * Cancellation: aborting only stops this wait.
   *
   * @param options `signal` cancels the wait.
   * @returns A promise that resolves when the channel closes.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const closed = tx.closed();
   * rx.close();
   * await closed;
   * assert(tx.isClosed());
   * ```
   */
  closed(options?: WaitOptions): Promise<void> {
    try {
      const ref = this.#use(WAIT_CLOSED);
      return ref.chan.closed(signalOf(WAIT_CLOSED, options));
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assertStrictEquals(tx.isClosed(), false);
   * rx.dispose();
   * assertStrictEquals(tx.isClosed(), true);
   * ```
   */
  isClosed(): boolean {
    return this.#use(QUERY_SENDER).chan.rxClosed;
  }

  /**
   * Whether `other` feeds the same channel.
   *
   * @param other Another sender (a disposed one never matches).
   * @returns `true` if both feed one channel.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assert, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using clone = tx.clone();
   * assert(tx.sameChannel(clone));
   * const [other] = channel<number>(1);
   * assertStrictEquals(tx.sameChannel(other), false);
   * rx.dispose();
   * ```
   */
  sameChannel(other: Sender<T>): boolean {
    const chan = this.#use(QUERY_SENDER).chan;
    if (typeof other !== "object" || other === null || !(#ref in other)) {
      throw notAHandle(QUERY_SENDER, "other", "Sender", other);
    }
    return chan === other.#ref?.chan;
  }

  /**
   * The free room: `maxCapacity()` minus queued messages minus slots held by
   * permits (and by queued reservations).
   *
   * @returns How many messages could be sent now without waiting.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(5);
   * await tx.send(1);
   * using _permit = await tx.reserve();
   * assertStrictEquals(tx.capacity(), 3);
   * rx.dispose();
   * ```
   */
  capacity(): number {
    return this.#use(QUERY_SENDER).chan.semaphore.available();
  }

  /**
   * The capacity the channel was created with.
   *
   * @returns The `buffer` given to {@linkcode channel}.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(5);
   * assertStrictEquals(tx.maxCapacity(), 5);
   * rx.dispose();
   * ```
   */
  maxCapacity(): number {
    return this.#use(QUERY_SENDER).chan.semaphore.bound;
  }

  /**
   * Creates another sender of the same channel.
   *
   * @returns A new strong sender; dispose it like this one.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using clone = tx.clone();
   * assertStrictEquals(tx.strongCount(), 2);
   * rx.dispose();
   * ```
   */
  clone(): Sender<T> {
    return new Sender(this.#use(CLONE_SENDER).chan.cloneTx());
  }

  /**
   * Creates a {@linkcode WeakSender}, which does not keep the channel open.
   *
   * @returns A weak sender of the same channel.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using weak = tx.downgrade();
   * assertStrictEquals(tx.weakCount(), 1);
   * tx.dispose();
   * assertStrictEquals(weak.upgrade(), undefined);
   * rx.dispose();
   * ```
   */
  downgrade(): WeakSender<T> {
    const chan = this.#use(DOWNGRADE_SENDER).chan;
    chan.downgrade();
    return new WeakSender(chan);
  }

  /**
   * The number of strong senders alive: handles and owned permits, each
   * counted until it is disposed and nothing it started is pending.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assertStrictEquals(tx.strongCount(), 1);
   * rx.dispose();
   * ```
   */
  strongCount(): number {
    return this.#use(QUERY_SENDER).chan.txCount;
  }

  /**
   * The number of weak senders alive.
   *
   * @returns The weak count.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assertStrictEquals(tx.weakCount(), 0);
   * rx.dispose();
   * ```
   */
  weakCount(): number {
    return this.#use(QUERY_SENDER).chan.weakCount;
  }

  /**
   * Drops this sender. The channel closes for the receiver once every
   * strong sender is disposed and no permit or pending call of theirs is
   * left. Idempotent; any other call afterwards throws `ReferenceError`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * tx.dispose();
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
   * The same as {@linkcode Sender.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * {
   *   using _tx = tx;
   * }
   * assertStrictEquals(rx.senderStrongCount(), 0);
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * A sender that does not keep the channel open. `upgrade()` turns it into a
 * {@linkcode Sender} while any strong sender is alive, never after.
 *
 * @typeParam T The type of the messages.
 *
 * @example A logger that must not keep the channel alive
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(4);
 * using weak = tx.downgrade();
 * {
 *   using strong = weak.upgrade();
 *   await strong?.send("still open");
 * }
 * tx.dispose();
 * assertStrictEquals(weak.upgrade(), undefined);
 * assertStrictEquals(await rx.recv(), "still open");
 * assertStrictEquals(await rx.recv(), undefined);
 * ```
 */
export class WeakSender<in out T> implements Disposable {
  #chan: BoundedChan<T> | undefined;

  static {
    inspectAs(this, "WeakSender", (weak) => {
      const chan = weak.#chan;
      return chan && { strongCount: chan.txCount, weakCount: chan.weakCount };
    });
  }

  /**
   * Wraps one weak count of a channel; users get weak senders from
   * `Sender.downgrade()`.
   *
   * @ignore
   */
  constructor(chan: BoundedChan<T>) {
    this.#chan = chan;
  }

  #use(action: string): BoundedChan<T> {
    const chan = this.#chan;
    if (chan === undefined) {
      throw disposedError(action, "weak sender");
    }
    return chan;
  }

  /**
   * A strong sender, if any strong sender is still alive.
   *
   * @returns A new {@linkcode Sender}, or `undefined` once the strong count
   * has reached zero.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using weak = tx.downgrade();
   * using strong = weak.upgrade();
   * assert(strong !== undefined);
   * rx.dispose();
   * ```
   */
  upgrade(): Sender<T> | undefined {
    const ref = this.#use(UPGRADE_SENDER).upgrade();
    return ref === undefined ? undefined : new Sender(ref);
  }

  /**
   * The number of strong senders alive.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using weak = tx.downgrade();
   * assertStrictEquals(weak.strongCount(), 1);
   * rx.dispose();
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using weak = tx.downgrade();
   * assertStrictEquals(weak.weakCount(), 1);
   * rx.dispose();
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using weak = tx.downgrade();
   * using other = weak.clone();
   * assertStrictEquals(other.weakCount(), 2);
   * rx.dispose();
   * ```
   */
  clone(): WeakSender<T> {
    const chan = this.#use(CLONE_WEAK_SENDER);
    chan.downgrade();
    return new WeakSender(chan);
  }

  /**
   * Drops this weak sender. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const weak = tx.downgrade();
   * weak.dispose();
   * assertStrictEquals(tx.weakCount(), 0);
   * rx.dispose();
   * ```
   */
  dispose(): void {
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    chan.dropWeak();
  }

  /**
   * The same as {@linkcode WeakSender.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * {
   *   using _weak = tx.downgrade();
   * }
   * assertStrictEquals(tx.weakCount(), 0);
   * rx.dispose();
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * One reserved slot. `send` uses it, synchronously and without failing;
 * `dispose` gives it back unused. A permit keeps the sending side open, as
 * if it were a sender, so a message sent through it can never land after
 * the end of the stream.
 *
 * @typeParam T The type of the messages.
 *
 * @example Give the slot back if producing the message fails
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * try {
 *   using _permit = await tx.reserve();
 *   throw new Error("could not produce the message");
 * } catch {
 *   // the permit was disposed on the way out
 * }
 * assertStrictEquals(tx.capacity(), 1);
 * rx.dispose();
 * ```
 */
export class Permit<in out T> implements Disposable {
  #ref: BoundedRef<T> | undefined;
  #used = false;

  static {
    inspectAs(
      this,
      "Permit",
      (permit) =>
        permit.#used ? { used: true } : permit.#ref && { used: false },
    );
    internals.newPermit = (ref) => new Permit(ref);
  }

  /**
   * Wraps one reserved slot and one use of its sender; users get permits
   * from `reserve()`, `tryReserve()` and permit iterators.
   *
   * @ignore
   */
  constructor(ref: BoundedRef<T>) {
    this.#ref = ref;
  }

  /**
   * Sends `value` into the reserved slot. Cannot fail; a permit sends once.
   *
   * @param value The message.
   * @throws {ReferenceError} If the permit was already used or disposed.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = channel<string>(1);
   * const permit = await tx.reserve();
   * permit.send("hi");
   * assertThrows(() => permit.send("again"), ReferenceError);
   * assertStrictEquals(await rx.recv(), "hi");
   * ```
   */
  send(value: T): void {
    const ref = this.#ref;
    if (ref === undefined) {
      if (this.#used) {
        throw usedPermitError();
      }
      throw disposedError(SEND, "permit");
    }
    this.#ref = undefined;
    this.#used = true;
    // Decided before any user code can run (a waiting receive resolved with
    // `value` reads its `then`): the permit is spent, the sender still held
    // until the message is in.
    ref.chan.deliverReserved(value);
    ref.release();
  }

  /**
   * Gives the slot back if unused. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = await tx.reserve();
   * assertStrictEquals(tx.capacity(), 0);
   * permit.dispose();
   * assertStrictEquals(tx.capacity(), 1);
   * rx.dispose();
   * ```
   */
  dispose(): void {
    const ref = this.#ref;
    if (ref === undefined) return;
    this.#ref = undefined;
    giveBack(ref, 1);
  }

  /**
   * The same as {@linkcode Permit.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * {
   *   using _permit = await tx.reserve();
   * }
   * assertStrictEquals(tx.capacity(), 1);
   * rx.dispose();
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * `n` reserved slots, handed out one {@linkcode Permit} at a time. Iterate
 * it with `for...of`; leaving the loop early gives back the permits not
 * taken, and so does `dispose()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(4);
 * const permits = await tx.reserveMany(4);
 * for (const permit of permits) {
 *   permit.send(1);
 *   break; // the 3 others go back
 * }
 * assertStrictEquals(tx.capacity(), 3);
 * assertStrictEquals(rx.len(), 1);
 * ```
 */
export class PermitIterator<in out T>
  implements IterableIterator<Permit<T>>, Disposable {
  #ref: BoundedRef<T> | undefined;
  #remaining: number;
  #disposed = false;

  static {
    inspectAs(
      this,
      "PermitIterator",
      (it) => it.#disposed ? undefined : { len: it.#remaining },
    );
  }

  /**
   * Wraps `n` reserved slots and one use of their sender; users get permit
   * iterators from `reserveMany()` and `tryReserveMany()`.
   *
   * @ignore
   */
  constructor(ref: BoundedRef<T>, n: number) {
    this.#ref = ref;
    this.#remaining = n;
    if (n === 0) this.#release();
  }

  /**
   * Takes the next permit.
   *
   * @returns The next permit, or `done` once all were taken.
   * @throws {ReferenceError} If the iterator was disposed.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * const permits = await tx.reserveMany(1);
   * const step = permits.next();
   * assertStrictEquals(step.done, false);
   * step.value?.send(5);
   * assertStrictEquals(permits.next().done, true);
   * assertStrictEquals(rx.tryRecv(), 5);
   * ```
   */
  next(): IteratorResult<Permit<T>, undefined> {
    if (this.#disposed) {
      throw disposedError(TAKE_PERMIT, "iterator");
    }
    const ref = this.#ref;
    if (ref === undefined) return { value: undefined, done: true };
    ref.retain();
    if (--this.#remaining === 0) this.#release();
    return { value: new Permit(ref), done: false };
  }

  /**
   * Gives back the permits not taken; called by `for...of` when the loop is
   * left early.
   *
   * @returns A finished iterator result.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * const permits = await tx.reserveMany(2);
   * permits.return();
   * assertStrictEquals(tx.capacity(), 2);
   * rx.dispose();
   * ```
   */
  return(): IteratorResult<Permit<T>, undefined> {
    this.dispose();
    return { value: undefined, done: true };
  }

  /**
   * The number of permits not taken yet.
   *
   * @returns How many permits are left.
   * @throws {ReferenceError} If the iterator was disposed.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(3);
   * using permits = await tx.reserveMany(3);
   * permits.next().value?.send(1);
   * assertStrictEquals(permits.len(), 2);
   * rx.dispose();
   * ```
   */
  len(): number {
    if (this.#disposed) {
      throw disposedError(QUERY_PERMIT, "iterator");
    }
    return this.#remaining;
  }

  /**
   * Gives back the permits not taken yet. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(3);
   * const permits = await tx.reserveMany(3);
   * permits.dispose();
   * assertStrictEquals(tx.capacity(), 3);
   * rx.dispose();
   * ```
   */
  dispose(): void {
    this.#disposed = true;
    const ref = this.#ref;
    if (ref === undefined) return;
    this.#ref = undefined;
    giveBack(ref, this.#remaining);
    this.#remaining = 0;
  }

  /**
   * The iterator itself, so it works in `for...of`.
   *
   * @returns This iterator.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * const permits = await tx.reserveMany(2);
   * assertStrictEquals(permits[Symbol.iterator](), permits);
   * permits.dispose();
   * rx.dispose();
   * ```
   */
  [Symbol.iterator](): PermitIterator<T> {
    return this;
  }

  /**
   * The same as {@linkcode PermitIterator.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * {
   *   using _permits = await tx.reserveMany(2);
   * }
   * assertStrictEquals(tx.capacity(), 2);
   * rx.dispose();
   * ```
   */
  declare [Symbol.dispose]: () => void;

  #release(): void {
    const ref = this.#ref!;
    this.#ref = undefined;
    ref.release();
  }
}

/**
 * One reserved slot that owns its sender, so it can be moved to another
 * task without borrowing anything. Using it (`send`) or giving the slot back
 * (`release`) returns the sender; `dispose` gives the slot back and disposes
 * the sender.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * const permit = await tx.reserveOwned();
 * using sender = permit.release();
 * assertStrictEquals(sender.capacity(), 1);
 * rx.dispose();
 * ```
 */
export class OwnedPermit<in out T> implements Disposable {
  #ref: BoundedRef<T> | undefined;

  static {
    inspectAs(this, "OwnedPermit", (permit) => {
      const chan = permit.#ref?.chan;
      return chan && { strongCount: chan.txCount, closed: chan.rxClosed };
    });
  }

  /**
   * Wraps one reserved slot and a sender's count; users get owned permits
   * from `reserveOwned()` and `tryReserveOwned()`.
   *
   * @ignore
   */
  constructor(ref: BoundedRef<T>) {
    this.#ref = ref;
  }

  #take(action: string): BoundedRef<T> {
    const ref = this.#ref;
    if (ref === undefined) {
      throw disposedError(action, "permit");
    }
    this.#ref = undefined;
    return ref;
  }

  /**
   * Sends `value` into the reserved slot and returns the sender.
   *
   * @param value The message.
   * @returns The sender the permit owned.
   * @throws {ReferenceError} If the permit was already used or disposed.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using sender = (await tx.reserveOwned()).send(3);
   * assertStrictEquals(await rx.recv(), 3);
   * assertStrictEquals(sender.isClosed(), false);
   * ```
   */
  send(value: T): Sender<T> {
    const ref = this.#take(SEND);
    ref.chan.deliverReserved(value);
    return new Sender(ref);
  }

  /**
   * Gives the slot back unused and returns the sender.
   *
   * @returns The sender the permit owned.
   * @throws {ReferenceError} If the permit was already used or disposed.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = tx.tryReserveOwned();
   * using sender = permit.release();
   * assertStrictEquals(sender.capacity(), 1);
   * rx.dispose();
   * ```
   */
  release(): Sender<T> {
    const ref = this.#take(RELEASE_PERMIT);
    ref.chan.releasePermits(1);
    return new Sender(ref);
  }

  /**
   * Whether `other` reserved room in the same channel.
   *
   * @param other Another owned permit (a used one never matches).
   * @returns `true` if both belong to one channel.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * using a = tx.clone().tryReserveOwned();
   * using b = tx.tryReserveOwned();
   * assert(a.sameChannel(b));
   * rx.dispose();
   * ```
   */
  sameChannel(other: OwnedPermit<T>): boolean {
    const ref = this.#ref;
    if (ref === undefined) {
      throw disposedError(QUERY_PERMIT, "permit");
    }
    if (typeof other !== "object" || other === null || !(#ref in other)) {
      throw notAHandle(QUERY_PERMIT, "other", "OwnedPermit", other);
    }
    return ref.chan === other.#ref?.chan;
  }

  /**
   * Whether `sender` feeds the channel this permit reserved room in.
   *
   * @param sender A sender (a disposed one never matches).
   * @returns `true` if both belong to one channel.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * using other = tx.clone();
   * using permit = tx.tryReserveOwned();
   * assert(permit.sameChannelAsSender(other));
   * rx.dispose();
   * ```
   */
  sameChannelAsSender(sender: Sender<T>): boolean {
    const ref = this.#ref;
    if (ref === undefined) {
      throw disposedError(QUERY_PERMIT, "permit");
    }
    const other = refOfSender(sender);
    if (other === NOT_A_HANDLE) {
      throw notAHandle(QUERY_PERMIT, "sender", "Sender", sender);
    }
    return ref.chan === other?.chan;
  }

  /**
   * Gives the slot back and disposes the sender it owns. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const permit = await tx.reserveOwned();
   * permit.dispose();
   * assertStrictEquals(rx.senderStrongCount(), 0);
   * assertStrictEquals(await rx.recv(), undefined);
   * ```
   */
  dispose(): void {
    const ref = this.#ref;
    if (ref === undefined) return;
    this.#ref = undefined;
    giveBack(ref, 1);
  }

  /**
   * The same as {@linkcode OwnedPermit.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * {
   *   using _permit = await tx.reserveOwned();
   * }
   * assertStrictEquals(rx.senderStrongCount(), 0);
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

/**
 * The receiving half of a bounded channel. There is one per channel.
 *
 * - `recv()` resolves messages in send order, and `undefined` once every
 *   sender is gone (or the receiver closed) and the queue is drained.
 * - Concurrent `recv()` calls are served in call order.
 * - `close()` stops new sends but keeps what is queued; `dispose()` drops
 *   it.
 *
 * Because `undefined` means "finished", a channel whose messages may be
 * `undefined` is read unambiguously with `for await`, `recvMany()` or
 * `tryRecv()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Draining after close
 * ```ts
 * import { channel, SendError } from "@seed/mpsc";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(4);
 * await tx.send(1);
 * await tx.send(2);
 * rx.close();
 * await assertRejects(() => tx.send(3), SendError);
 * const got: number[] = [];
 * for await (const n of rx) got.push(n);
 * assertEquals(got, [1, 2]);
 * ```
 */
export class Receiver<in out T> implements AsyncIterable<T>, Disposable {
  #chan: BoundedChan<T> | undefined;

  static {
    internals.receiverChan = (value) =>
      #chan in value
        ? (value.#chan as Chan<unknown> | undefined)
        : NOT_A_HANDLE;
    inspectAs(this, "Receiver", (receiver) => {
      const chan = receiver.#chan;
      return chan && {
        len: chan.list.length,
        capacity: chan.semaphore.available(),
        maxCapacity: chan.semaphore.bound,
        closed: chan.isClosed(),
      };
    });
  }

  /**
   * Wraps the receiving side of a channel; users get the receiver from
   * {@linkcode channel}.
   *
   * @ignore
   */
  constructor(chan: BoundedChan<T>) {
    this.#chan = chan;
  }

  #use(action: string): BoundedChan<T> {
    const chan = this.#chan;
    if (chan === undefined) {
      throw disposedError(action, "receiver");
    }
    return chan;
  }

  /**
   * Receives the next message, waiting for one if the channel is empty.
   *
   * Cancellation: an aborted call took no message. Use `signal` (for a time
   * limit, `AbortSignal.timeout(ms)`) rather than `Promise.race`: a receive
   * that loses a race still takes the next message, and it is lost.
   *
   * A message that is a promise or another thenable is adopted, as every
   * promise resolution does: `recv()` resolves with its result. `for await`,
   * `tryRecv()` and `recvMany()` hand it over untouched.
   *
   * @param options `signal` cancels the wait.
   * @returns The next message, or `undefined` once the channel is closed and
   * drained.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<string>(1);
   * setTimeout(() => tx.trySend("late"), 1);
   * assertStrictEquals(await rx.recv(), "late");
   * tx.dispose();
   * assertStrictEquals(await rx.recv(), undefined);
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
      return chan.recv(signalOf(RECEIVE, options));
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
   * 0 resolves 0 without taking anything.
   * @param options `signal` cancels the wait.
   * @returns How many messages were appended; 0 only once the channel is
   * closed and drained (or `limit` is 0).
   * @throws {TypeError} (rejects) If `buffer` is not an array.
   * @throws {RangeError} (rejects) If `limit` is negative, fractional or too
   * large.
   *
   * @example Batching
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertEquals, assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(8);
   * for (let i = 0; i < 5; i++) tx.trySend(i);
   * const batch: number[] = [];
   * assertStrictEquals(await rx.recvMany(batch, 3), 3);
   * assertEquals(batch, [0, 1, 2]);
   * rx.dispose();
   * ```
   */
  recvMany(buffer: T[], limit: number, options?: WaitOptions): Promise<number> {
    try {
      const chan = this.#use(RECEIVE_MANY);
      checkBuffer(RECEIVE_MANY, buffer);
      checkInteger(RECEIVE_MANY, "limit", limit, 0, MAX_BUFFER);
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
   * import { channel, TryRecvError } from "@seed/mpsc";
   * import { assertStrictEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * const empty = assertThrows(() => rx.tryRecv(), TryRecvError);
   * assertStrictEquals(empty.kind, "empty");
   * tx.trySend(1);
   * assertStrictEquals(rx.tryRecv(), 1);
   * tx.dispose();
   * const closed = assertThrows(() => rx.tryRecv(), TryRecvError);
   * assertStrictEquals(closed.kind, "disconnected");
   * ```
   */
  tryRecv(): T {
    return this.#use(RECEIVE).tryRecv();
  }

  /**
   * Closes the channel without dropping it: sends and reservations fail
   * from now on, waiting senders fail, `closed()` resolves. Queued messages
   * and messages sent through permits already held are still received.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(2);
   * const permit = await tx.reserve();
   * rx.close();
   * permit.send(1);
   * assertStrictEquals(await rx.recv(), 1);
   * assertStrictEquals(await rx.recv(), undefined);
   * tx.dispose();
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assertStrictEquals(rx.isClosed(), false);
   * tx.dispose();
   * assertStrictEquals(rx.isClosed(), true);
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
   * import { channel } from "@seed/mpsc";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assert(rx.isEmpty());
   * tx.dispose();
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(3);
   * tx.trySend(1);
   * tx.trySend(2);
   * assertStrictEquals(rx.len(), 2);
   * rx.dispose();
   * ```
   */
  len(): number {
    return this.#use(QUERY_RECEIVER).list.length;
  }

  /**
   * The free room, as {@linkcode Sender.capacity} counts it.
   *
   * @returns How many messages could be sent now without waiting.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(3);
   * tx.trySend(1);
   * assertStrictEquals(rx.capacity(), 2);
   * rx.dispose();
   * ```
   */
  capacity(): number {
    return this.#use(QUERY_RECEIVER).semaphore.available();
  }

  /**
   * The capacity the channel was created with.
   *
   * @returns The `buffer` given to {@linkcode channel}.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(3);
   * assertStrictEquals(rx.maxCapacity(), 3);
   * tx.dispose();
   * ```
   */
  maxCapacity(): number {
    return this.#use(QUERY_RECEIVER).semaphore.bound;
  }

  /**
   * The number of strong senders alive.
   *
   * @returns The strong count.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * assertStrictEquals(rx.senderStrongCount(), 1);
   * tx.dispose();
   * assertStrictEquals(rx.senderStrongCount(), 0);
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
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * using _weak = tx.downgrade();
   * assertStrictEquals(rx.senderWeakCount(), 1);
   * tx.dispose();
   * ```
   */
  senderWeakCount(): number {
    return this.#use(QUERY_RECEIVER).weakCount;
  }

  /**
   * Iterates the messages until the channel is closed and drained.
   * `undefined` messages are yielded as they are. Leaving the loop early
   * does not close the receiver.
   *
   * @returns An async iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number | undefined>(4);
   * tx.trySend(undefined);
   * tx.trySend(2);
   * tx.dispose();
   * const got: (number | undefined)[] = [];
   * for await (const m of rx) got.push(m);
   * assertEquals(got, [undefined, 2]);
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
   * import { channel } from "@seed/mpsc";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(4);
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
   * ```
   */
  values(options?: WaitOptions): AsyncIterableIterator<T> {
    const chan = this.#use(ITERATE_RECEIVER);
    const signal = signalOf(ITERATE_RECEIVER, options);
    return new ReceiverIterator(chan, signal);
  }

  /**
   * Drops the receiver: closes the channel, drops the queued messages (the
   * channel keeps no reference to them), and settles pending receives as
   * finished. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { channel, SendError } from "@seed/mpsc";
   * import { assertRejects } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * rx.dispose();
   * await assertRejects(() => tx.send(1), SendError);
   * ```
   */
  dispose(): void {
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    chan.drop();
  }

  /**
   * The same as {@linkcode Receiver.dispose}, for `using`.
   *
   * @example Usage
   * ```ts
   * import { channel } from "@seed/mpsc";
   * import { assertStrictEquals } from "@std/assert";
   *
   * const [tx, rx] = channel<number>(1);
   * {
   *   using _rx = rx;
   * }
   * assertStrictEquals(tx.isClosed(), true);
   * ```
   */
  declare [Symbol.dispose]: () => void;
}

aliasDispose(Sender, WeakSender, Permit, PermitIterator, OwnedPermit, Receiver);
