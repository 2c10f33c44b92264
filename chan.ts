// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The channel core shared by bounded and unbounded channels: the message
// list, the sender counts, and the receive side with its waiting calls.
// Internal: not exported from the package.

import { charge, park, type Parked, unpark } from "./budget.ts";
import { TryRecvError } from "./error.ts";
import { List } from "./list.ts";
import type { Semaphore } from "./semaphore.ts";
import { PromiseWaiter, WaiterQueue } from "./waiter.ts";

const RESOLVED: Promise<void> = Promise.resolve();
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_ZERO: Promise<number> = Promise.resolve(0);
const DONE: IteratorReturnResult<undefined> = Object.freeze({
  value: undefined,
  done: true,
});
const RESOLVED_DONE: Promise<IteratorReturnResult<undefined>> = Promise
  .resolve(DONE);

/**
 * One strong sender's hold on the channel, shared by the handle and
 * everything it started. The channel counts the sender as alive until the
 * last use is released: the handle's own (`dispose()`), each pending call,
 * each permit. An owned permit takes the handle's use over.
 *
 * @typeParam T The type of the messages.
 * @typeParam S The semaphore that counts the room.
 */
export class TxRef<T, S extends Semaphore = Semaphore> {
  /** The channel this sender feeds. */
  readonly chan: Chan<T, S>;
  // Invariant: `uses` counts the owner (a handle or an owned permit), each
  // pending call and each unsettled permit; at 0 the channel is told once.
  #uses = 1;

  constructor(chan: Chan<T, S>) {
    this.chan = chan;
  }

  /** Counts one more use: a pending call or a permit. */
  retain(): void {
    this.#uses++;
  }

  /** Ends one use; the last one releases the sender's count. */
  release(): void {
    if (--this.#uses === 0) this.chan.dropTx();
  }
}

/**
 * The state every handle of one channel shares.
 *
 * @typeParam T The type of the messages.
 * @typeParam S The semaphore that counts the room.
 */
export class Chan<T, S extends Semaphore = Semaphore> {
  /** The queued messages. */
  readonly list: List<T> = new List<T>();
  /** Counts the room (bounded) or the queued messages (unbounded). */
  readonly semaphore: S;
  /** Strong senders, each counted until its last use is released. */
  txCount = 1;
  /** Weak senders alive. */
  weakCount = 0;
  /** The receiver called `close()` or was disposed. */
  rxClosed = false;
  /** The receiver was disposed: messages sent from now on are dropped. */
  rxDropped = false;
  // Receive calls waiting for a message. Invariant: non-empty only while the
  // list is empty, so an arriving message always goes to the oldest.
  readonly #receivers = new WaiterQueue<Receiving<T>>();
  readonly #closedWaiters = new WaiterQueue<ClosedWaiter>();
  #sharedClosed: ClosedWaiter | undefined = undefined;
  // Receive calls parked by the budget; while there are any, new receive
  // calls park behind them, keeping call order.
  #rxParked = 0;
  /**
   * Send and reserve calls parked by the budget; while there are any, new
   * ones park too, so they keep their call order.
   */
  txParked = 0;

  constructor(semaphore: S) {
    this.semaphore = semaphore;
  }

  // -- Sending side --

  /**
   * Delivers a message whose room is already paid for: straight to the
   * oldest waiting receive call, else to the end of the list.
   */
  send(value: T): void {
    // A disposed receiver discards; the permit's slot is not given back.
    if (this.rxDropped) return;
    const receiver = this.#receivers.shift();
    if (receiver === undefined) {
      this.list.push(value);
      return;
    }
    receiver.deliver(value);
    // The message is consumed already, so its room is free again.
    this.releasePermits(1);
  }

  /**
   * Gives `n` slots back, then ends waiting receive calls if that was the
   * last thing a closed channel waited for.
   */
  releasePermits(n: number): void {
    this.semaphore.addPermits(n);
    if (
      this.rxClosed && this.#receivers.length > 0 && this.isFinished()
    ) {
      this.#finishReceivers();
    }
  }

  /** Counts a new strong sender made from a weak one, if any is left. */
  upgrade(): boolean {
    if (this.txCount === 0) return false;
    this.txCount++;
    return true;
  }

  /** Releases one strong sender's count. */
  dropTx(): void {
    // Invariant: once 0, `txCount` never rises again (`upgrade` refuses).
    if (--this.txCount === 0 && this.list.length === 0) {
      this.#finishReceivers();
    }
  }

  /** Resolves once the receiver is closed or disposed. */
  closed(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.rxClosed) return RESOLVED;
    if (signal === undefined) {
      // Calls without a signal share one promise: nothing can remove their
      // waiters, and a caller that stops waiting (say, it lost a race) must
      // not leave one behind.
      let shared = this.#sharedClosed;
      if (shared === undefined) {
        shared = this.#sharedClosed = new ClosedWaiter(this.#closedWaiters);
        this.#closedWaiters.push(shared);
      }
      return shared.promise;
    }
    const waiter = new ClosedWaiter(this.#closedWaiters);
    waiter.listen(signal);
    this.#closedWaiters.push(waiter);
    return waiter.promise;
  }

  // -- Receiving side --

  /**
   * Whether receive calls are over for good: nothing is queued, and no
   * strong sender is left, or the receiver was disposed, or it closed and no
   * permit is out.
   */
  isFinished(): boolean {
    return this.list.length === 0 &&
      (this.txCount === 0 || this.rxDropped ||
        (this.rxClosed && this.semaphore.isIdle()));
  }

  /** Whether `close()` was called, or no strong sender is left. */
  isClosed(): boolean {
    return this.rxClosed || this.txCount === 0;
  }

  /** The next message, or `undefined` once finished. */
  recv(signal: AbortSignal | undefined): Promise<T | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#mayProceed()) return this.#park(new ReceiveValue(this), signal);
    if (this.list.length > 0) return Promise.resolve(this.take());
    if (this.isFinished()) return RESOLVED_UNDEFINED;
    return this.#wait(new ReceiveValue<T>(this), signal);
  }

  /** The async iterator's step: a message, or the end once finished. */
  recvResult(): Promise<IteratorResult<T, undefined>> {
    if (!this.#mayProceed()) {
      return this.#park(new ReceiveResult(this), undefined);
    }
    if (this.list.length > 0) {
      return Promise.resolve({ value: this.take(), done: false });
    }
    if (this.isFinished()) return RESOLVED_DONE;
    return this.#wait(new ReceiveResult<T>(this), undefined);
  }

  /**
   * Appends up to `limit` messages to `buffer`, waiting for at least one;
   * resolves how many, 0 once finished.
   */
  recvMany(
    buffer: T[],
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#mayProceed()) {
      return this.#park(new ReceiveMany(this, buffer, limit), signal);
    }
    if (limit === 0) return RESOLVED_ZERO;
    if (this.list.length > 0) {
      return Promise.resolve(this.takeMany(buffer, limit));
    }
    if (this.isFinished()) return RESOLVED_ZERO;
    return this.#wait(new ReceiveMany<T>(this, buffer, limit), signal);
  }

  /** Moves up to `limit` queued messages to `buffer`; returns how many. */
  takeMany(buffer: T[], limit: number): number {
    const count = Math.min(this.list.length, limit);
    this.list.popInto(buffer, count);
    this.releasePermits(count);
    return count;
  }

  /** Takes the oldest queued message, freeing its slot. */
  take(): T {
    const value = this.list.pop();
    this.releasePermits(1);
    return value;
  }

  /** Carries on a receive call parked by the budget. */
  resumeReceive(waiter: Receiving<T>): void {
    this.#rxParked--;
    charge();
    if (!waiter.tryComplete()) this.#receivers.push(waiter);
  }

  /** The next message now, or a {@linkcode TryRecvError}. */
  tryRecv(): T {
    if (this.list.length > 0) return this.take();
    throw new TryRecvError(this.isFinished() ? "disconnected" : "empty");
  }

  /**
   * Closes the receiving side: senders fail from now on, waiting senders
   * fail oldest first, `closed()` resolves. Queued messages stay.
   */
  close(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    this.semaphore.close();
    let waiter;
    while ((waiter = this.#closedWaiters.shift())) waiter.resolve();
    this.#sharedClosed = undefined;
    if (this.isFinished()) this.#finishReceivers();
    // Invariant: no sender waits in the semaphore (a call parked by the
    // budget fails when the refill resumes it), and no new send or
    // reservation succeeds.
  }

  /** Disposes the receiving side: closes it and drops what is queued. */
  drop(): void {
    this.close();
    this.rxDropped = true;
    const dropped = this.list.clear();
    if (dropped > 0) this.semaphore.addPermits(dropped);
    this.#finishReceivers();
    // Invariant: the channel references no message and no receive call.
  }

  /** Forgets a receive call that was aborted, parked or queued. */
  cancelReceive(waiter: Receiving<T>): void {
    if (waiter.parked) {
      unpark(waiter);
      this.#rxParked--;
    } else {
      this.#receivers.remove(waiter);
    }
  }

  /**
   * Charges the budget. A call parks when the budget is spent, or when
   * earlier receive calls are parked, so receive calls keep their order.
   */
  #mayProceed(): boolean {
    return this.#rxParked === 0 && charge();
  }

  #park<R>(waiter: Receive<T, R>, signal: AbortSignal | undefined): Promise<R> {
    this.#rxParked++;
    waiter.listen(signal);
    park(waiter);
    return waiter.promise;
  }

  #wait<R>(waiter: Receive<T, R>, signal: AbortSignal | undefined): Promise<R> {
    waiter.listen(signal);
    this.#receivers.push(waiter);
    return waiter.promise;
  }

  #finishReceivers(): void {
    let waiter;
    while ((waiter = this.#receivers.shift())) waiter.finish();
  }
}

/** What the channel sees of a waiting receive call. */
interface Receiving<T> extends Parked {
  deliver(value: T): void;
  finish(): void;
  /** Completes the call now if it can; `false` if it must wait. */
  tryComplete(): boolean;
}

/** A waiting receive call; settled by a message or by the channel's end. */
abstract class Receive<T, R> extends PromiseWaiter<R> implements Receiving<T> {
  readonly chan: Chan<T>;

  constructor(chan: Chan<T>) {
    super();
    this.chan = chan;
  }

  /** Hands the call its message. */
  abstract deliver(value: T): void;

  /** Tells the call the channel is finished. */
  abstract finish(): void;

  tryComplete(): boolean {
    const chan = this.chan;
    if (chan.list.length > 0) {
      this.deliver(chan.take());
      return true;
    }
    if (chan.isFinished()) {
      this.finish();
      return true;
    }
    return false;
  }

  /** The budget's turn came: carry on. */
  resume(): void {
    this.chan.resumeReceive(this);
  }

  abort(reason: unknown): void {
    // Nothing was delivered yet, so nothing is lost.
    this.chan.cancelReceive(this);
    this.reject(reason);
  }
}

class ReceiveValue<T> extends Receive<T, T | undefined> {
  deliver(value: T): void {
    this.resolve(value);
  }

  finish(): void {
    this.resolve(undefined);
  }
}

class ReceiveResult<T> extends Receive<T, IteratorResult<T, undefined>> {
  deliver(value: T): void {
    this.resolve({ value, done: false });
  }

  finish(): void {
    this.resolve(DONE);
  }
}

class ReceiveMany<T> extends Receive<T, number> {
  readonly #buffer: T[];
  readonly #limit: number;

  constructor(chan: Chan<T>, buffer: T[], limit: number) {
    super(chan);
    this.#buffer = buffer;
    this.#limit = limit;
  }

  deliver(value: T): void {
    this.#buffer.push(value);
    this.resolve(1);
  }

  finish(): void {
    this.resolve(0);
  }

  override tryComplete(): boolean {
    if (this.#limit === 0) {
      this.resolve(0);
      return true;
    }
    if (this.chan.list.length > 0) {
      this.resolve(this.chan.takeMany(this.#buffer, this.#limit));
      return true;
    }
    return super.tryComplete();
  }
}

class ClosedWaiter extends PromiseWaiter<void> {
  readonly #queue: WaiterQueue<ClosedWaiter>;

  constructor(queue: WaiterQueue<ClosedWaiter>) {
    super();
    this.#queue = queue;
  }

  abort(reason: unknown): void {
    this.#queue.remove(this);
    this.reject(reason);
  }
}

/**
 * A receiver's async iterator: ends when the channel is finished, yields
 * `undefined` messages as they are, and leaves the receiver open when the
 * loop is left early.
 *
 * @typeParam T The type of the messages.
 */
export class ReceiverIterator<T> implements AsyncIterableIterator<T> {
  readonly #chan: Chan<T>;

  constructor(chan: Chan<T>) {
    this.#chan = chan;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    return this.#chan.recvResult();
  }

  return(): Promise<IteratorResult<T, undefined>> {
    return RESOLVED_DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

// -- Argument checks shared by the handles --

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" || typeof value === "function"
    ? `an ${typeof value}`
    : typeof value === "number"
    ? String(value)
    : `a ${typeof value}`;
}

/**
 * Reads `options.signal`, checking both.
 *
 * @throws {TypeError} If `options` is not an object or `signal` not an
 * `AbortSignal`.
 */
export function signalOf(
  action: string,
  options: { signal?: AbortSignal | undefined } | undefined,
): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options must be an object, received ${describe(options)}`,
    );
  }
  const signal = options.signal;
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `${action}: options.signal must be an AbortSignal, received ${
      describe(signal)
    }`,
  );
}

/**
 * Checks that `value` is an integer from `min` to `max`.
 *
 * @throws {TypeError} If `value` is not a number.
 * @throws {RangeError} If it is not an integer in range.
 */
export function checkInteger(
  action: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${action}: ${name} must be a number, received ${describe(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${action}: ${name} must be an integer from ${min} to ${max}, received ${value}`,
    );
  }
  return value;
}

/** The error for any call on a disposed handle but `dispose()`. */
export function disposedError(action: string, handle: string): ReferenceError {
  return new ReferenceError(`${action}: ${handle} is disposed`);
}

/**
 * Checks that `buffer` is an array that can grow.
 *
 * @throws {TypeError} If it is not.
 */
export function checkBuffer(action: string, buffer: unknown): void {
  if (!Array.isArray(buffer)) {
    throw new TypeError(
      `${action}: buffer must be an array, received ${describe(buffer)}`,
    );
  }
  // A frozen or sealed array would make delivery throw inside the channel,
  // after the message had left the queue.
  if (!Object.isExtensible(buffer)) {
    throw new TypeError(
      `${action}: buffer must be an extensible array, received a frozen or sealed array`,
    );
  }
}

/**
 * The error for an argument that should be one of our handles and is not.
 */
export function notAHandle(
  action: string,
  name: string,
  expected: string,
  value: unknown,
): TypeError {
  return new TypeError(
    `${action}: ${name} must be a ${expected}, received ${describe(value)}`,
  );
}

/**
 * Makes each class's `[Symbol.dispose]` the very function its `dispose` is,
 * as the contract asks; the class bodies declare it for the types and docs.
 */
export function aliasDispose(
  ...classes: { prototype: { dispose(): void } }[]
): void {
  for (const { prototype } of classes) {
    Object.defineProperty(prototype, Symbol.dispose, {
      value: prototype.dispose,
      writable: true,
      configurable: true,
    });
  }
}
