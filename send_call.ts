// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The sending side's calls: a send or reservation that completes at once or
// waits for room, carrying its own completion steps, as the receive calls
// in `chan.ts` do. This file owns no state of its own: a waiting call stands
// in the channel's semaphore (for room) or in the budget's queue (parked),
// and counts change through the channel's methods.
// Internal: not exported from the package.

import {
  charge,
  park,
  type Parked,
  rejectCharged,
  rejectOnTurn,
  unpark,
} from "./budget.ts";
import type { Chan, TxRef } from "./chan.ts";
import { SendError, SendTimeoutError, TrySendError } from "./error.ts";
import {
  ACQUIRED,
  type Acquirer,
  type BatchSemaphore,
  CLOSED,
} from "./semaphore.ts";
import { isAborted, PromiseWaiter, reasonOf, type Waiter } from "./waiter.ts";

type BoundedChan<T> = Chan<T, BatchSemaphore>;
type BoundedRef<T> = TxRef<T, BatchSemaphore>;

const RESOLVED: Promise<void> = Promise.resolve();

// The executor of every plain waiting send, one for all: it hands the
// settling functions over in these variables, so a waiting send allocates
// no closure of its own.
let capturedResolve: (() => void) | undefined;
let capturedReject: ((reason: unknown) => void) | undefined;
function capture(
  resolve: () => void,
  reject: (reason: unknown) => void,
): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

// -- Waiting senders --

/**
 * A send or reservation that waits: for room in the semaphore's queue, or
 * first for its turn in the budget's queue (parked). Owns one use of `ref`,
 * through which it reaches the semaphore.
 *
 * It has no constructor and no field initializers on purpose: the engine
 * then skips it when a subclass calls `super()`, so building a waiting send
 * (the hot path of a full channel) runs two constructors, not three. Each
 * subclass sets the three fields below in its own constructor.
 */
export abstract class SenderCall<T, R> extends PromiseWaiter<R>
  implements Acquirer, Parked {
  /** The sender's hold on the channel; this call owns one use of it. */
  declare ref: BoundedRef<T>;
  /** How many permits the call needs in all. */
  declare needed: number;
  /** How many it holds so far. */
  declare acquired: number;

  /** Holds all its permits and has left the queue. */
  abstract granted(): void;

  /** The budget's turn came: carry on as a fresh call would. */
  resume(): void {
    const chan = this.ref.chan;
    chan.releaseParkedSend();
    // Invariant: no longer counted as parked; the refill resumes parked
    // calls in call order, so none that came later is ahead of this one.
    charge();
    if (this.needed > chan.semaphore.bound) {
      this.unlisten();
      this.ref.release();
      this.reject(beyondCapacity(this.needed, chan.semaphore.bound));
      return;
    }
    switch (chan.semaphore.tryAcquire(this.needed)) {
      case ACQUIRED:
        this.acquired = this.needed;
        this.granted();
        return;
      case CLOSED:
        this.closed();
        return;
    }
    if (!this.noRoom()) chan.semaphore.enqueue(this);
  }

  /**
   * There is no room now. Returns `true` if the call settled instead of
   * waiting (a reservation of nothing, a send with no time to wait).
   */
  noRoom(): boolean {
    if (this.needed > 0) return false;
    this.granted();
    return true;
  }

  /** Leaves the queue it waits in, handing on what it collected. */
  withdraw(): void {
    const chan = this.ref.chan;
    if (this.parked) {
      unpark(this);
      chan.releaseParkedSend();
    } else {
      // Invariant: what it collected goes to the next waiter, or is free.
      chan.semaphore.cancel(this);
    }
  }

  /** Leaves the queue, hands on what it collected, and settles. */
  abort(reason: unknown): void {
    const parked = this.parked;
    this.withdraw();
    if (parked) {
      this.ref.release();
      rejectOnTurn(this, reason);
    } else {
      this.cancelled(reason);
    }
  }

  /** The semaphore closed; its permits were taken back. */
  closed(): void {
    // Invariant: the call holds no slot and no longer counts its sender.
    this.ref.release();
    this.reject(this.closedError());
  }

  /** Gave up (abort or time limit); its permits were handed on. */
  cancelled(reason: unknown): void {
    this.ref.release();
    this.reject(reason);
  }

  /** What the call rejects with when the channel is closed. */
  abstract closedError(): Error;
}

/** A `send` waiting for room; delivers its message when granted. */
class SendWaiter<T> extends SenderCall<T, void> {
  declare readonly value: T;

  constructor(ref: BoundedRef<T>, value: T) {
    super();
    this.ref = ref;
    this.needed = 1;
    this.acquired = 0;
    this.value = value;
  }

  granted(): void {
    // Decided: no abort may run for this call from here, whatever the
    // message's `then` does when a waiting receive is resolved with it.
    this.unlisten();
    // The message is sent the moment room is granted, so it keeps its place
    // in line even though the caller's continuation runs later.
    this.ref.chan.deliverReserved(this.value);
    this.ref.release();
    this.resolve();
  }

  closedError(): Error {
    return new SendError(this.value);
  }
}

/** The longest delay `setTimeout` takes without overflowing. */
const MAX_TIMER_MS = 0x7fffffff;

/** A `sendTimeout` waiting for room, with a timer that gives up. */
class SendTimeoutWaiter<T> extends SendWaiter<T> {
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ref: BoundedRef<T>, value: T, ms: number) {
    super(ref, value);
    this.#ms = ms;
    // 0 needs no timer: the call gives up as soon as it finds no room;
    // Infinity needs none either.
    if (ms > 0 && ms !== Infinity) this.#arm(ms);
  }

  #arm(ms: number): void {
    // A timer longer than 2^31 − 1 ms would overflow and fire at once, so a
    // longer limit is waited out in steps.
    const step = Math.min(ms, MAX_TIMER_MS);
    this.#timer = setTimeout(
      () => step < ms ? this.#arm(ms - step) : this.#timeout(),
      step,
    );
  }

  #timeout(): void {
    this.#timer = undefined;
    this.withdraw();
    this.ref.release();
    this.reject(new SendTimeoutError("timeout", this.value));
  }

  override granted(): void {
    this.#clear();
    super.granted();
  }

  override noRoom(): boolean {
    if (this.#ms > 0) return false;
    this.#timeout();
    return true;
  }

  override resolve(): void {
    this.#clear();
    super.resolve();
  }

  override reject(reason: unknown): void {
    this.#clear();
    super.reject(reason);
  }

  override closedError(): Error {
    return new SendTimeoutError("closed", this.value);
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Turns granted room into what a reservation resolves with. */
export type Grant<T, R> = (ref: BoundedRef<T>, n: number) => R;

/** A `reserve*` waiting for `n` slots. */
class ReserveWaiter<T, R> extends SenderCall<T, R> {
  readonly #grant: Grant<T, R>;

  constructor(ref: BoundedRef<T>, n: number, grant: Grant<T, R>) {
    super();
    this.ref = ref;
    this.needed = n;
    this.acquired = 0;
    this.#grant = grant;
  }

  granted(): void {
    this.unlisten();
    // The call's use of the sender passes to what it resolves with.
    this.resolve(this.#grant(this.ref, this.needed));
  }

  closedError(): Error {
    return new SendError(undefined);
  }
}

/** The error of a reservation larger than the channel can ever hold. */
function beyondCapacity(n: number, bound: number): SendError<undefined> {
  return new SendError(
    undefined,
    `Cannot reserve ${n} permits: the channel's capacity is ${bound}`,
  );
}

/** Parks a call until the event loop has had a turn. */
function parkCall<R>(
  call: SenderCall<unknown, R>,
  signal: AbortSignal | undefined,
): Promise<R> {
  call.ref.chan.holdParkedSend();
  call.listen(signal);
  park(call);
  // Invariant: later sends on this channel park behind this call.
  return call.promise;
}

/** Queues a call that found no room. */
function wait<R>(
  call: SenderCall<unknown, R>,
  signal: AbortSignal | undefined,
): Promise<R> {
  call.listen(signal);
  call.ref.chan.semaphore.enqueue(call);
  // Invariant: the call is settled by `granted`, `closed` or `abort`, once.
  return call.promise;
}

/**
 * Reserves `n` slots for a call that owns one use of `ref`; the use passes
 * to the result, or is released if the call fails.
 */
export function reserve<T, R>(
  ref: BoundedRef<T>,
  n: number,
  signal: AbortSignal | undefined,
  grant: Grant<T, R>,
): Promise<R> {
  if (signal !== undefined && isAborted(signal)) {
    ref.release();
    return rejectCharged(reasonOf(signal));
  }
  const semaphore = ref.chan.semaphore;
  // Charged first: a loop of failing calls must still let timers run.
  if (!ref.chan.maySend()) {
    return parkCall(new ReserveWaiter(ref, n, grant), signal);
  }
  if (n > semaphore.bound) {
    ref.release();
    return Promise.reject(beyondCapacity(n, semaphore.bound));
  }
  switch (semaphore.tryAcquire(n)) {
    case ACQUIRED:
      return Promise.resolve(grant(ref, n));
    case CLOSED:
      ref.release();
      return Promise.reject(new SendError(undefined));
  }
  if (n === 0) return Promise.resolve(grant(ref, 0));
  return wait(new ReserveWaiter(ref, n, grant), signal);
}

/**
 * Sends `value`: now if there is room, else through a waiter. `ms` is
 * `sendTimeout`'s limit, `undefined` for a plain `send`.
 */
export function send<T>(
  ref: BoundedRef<T>,
  value: T,
  signal: AbortSignal | undefined,
  ms: number | undefined,
): Promise<void> {
  const chan = ref.chan;
  if (!chan.maySend()) {
    ref.retain();
    return parkCall(newSendWaiter(ref, value, ms), signal);
  }
  switch (chan.deliver(value)) {
    case ACQUIRED:
      // The ready path: no allocation beyond the shared resolved promise.
      return RESOLVED;
    case CLOSED:
      return Promise.reject(
        ms === undefined
          ? new SendError(value)
          : new SendTimeoutError("closed", value),
      );
  }
  if (ms === 0) return Promise.reject(new SendTimeoutError("timeout", value));
  ref.retain();
  if (signal === undefined && ms === undefined) {
    // The common wait of a full channel: no signal, no time limit.
    const promise = new Promise<void>(capture);
    chan.semaphore.enqueue(
      new PlainSendWaiter(ref, value, capturedResolve!, capturedReject!),
    );
    // Not kept past the call: they would hold the send's promise.
    capturedResolve = capturedReject = undefined;
    return promise;
  }
  return wait(newSendWaiter(ref, value, ms), signal);
}

/**
 * A plain `send()` waiting for room: no signal to listen to and no timer,
 * so none of {@linkcode SendWaiter}'s fields for them. Waiting sends are the
 * hot path of a full channel with many producers, so this is a small class
 * of its own (as small as the node a hand-written channel queues), built in
 * one constructor.
 */
class PlainSendWaiter<T> implements Acquirer {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly needed = 1;
  acquired = 0;
  readonly ref: BoundedRef<T>;
  readonly value: T;
  // The settling functions of the promise `send` returned (the waiter does
  // not keep the promise itself: nothing here reads it).
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;

  constructor(
    ref: BoundedRef<T>,
    value: T,
    resolve: () => void,
    reject: (reason: unknown) => void,
  ) {
    this.ref = ref;
    this.value = value;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  granted(): void {
    // Sent the moment room is granted, so it keeps its place in line.
    this.ref.chan.deliverReserved(this.value);
    this.ref.release();
    this.#resolve();
  }

  closed(): void {
    this.ref.release();
    this.#reject(new SendError(this.value));
  }
}

function newSendWaiter<T>(
  ref: BoundedRef<T>,
  value: T,
  ms: number | undefined,
): SendWaiter<T> {
  return ms === undefined
    ? new SendWaiter(ref, value)
    : new SendTimeoutWaiter(ref, value, ms);
}

// -- Calls that never wait --

/**
 * Sends `value` now through `chan`, or throws: `trySend`. Not charged to
 * the budget (`try*` calls never are).
 *
 * @throws {TrySendError} `"closed"` if the receiver closed, `"full"` if
 * there is no room or earlier sends wait or are parked (no barging).
 */
export function trySend<T>(chan: BoundedChan<T>, value: T): void {
  if (chan.semaphore.isClosed()) throw new TrySendError("closed", value);
  if (chan.hasParkedSends() || chan.deliver(value) !== ACQUIRED) {
    throw new TrySendError("full", value);
  }
}

/**
 * Takes `n` slots of `chan` now for `tryReserve*`, or throws with
 * `handBack` as the error's value.
 *
 * @throws {TrySendError} `"full"` if `n` is beyond the capacity, there is
 * no room, or earlier sends wait or are parked; `"closed"` if the receiver
 * closed.
 */
export function tryReserve(
  chan: BoundedChan<unknown>,
  n: number,
  handBack: unknown,
): void {
  const semaphore = chan.semaphore;
  if (n > semaphore.bound) throw new TrySendError("full", handBack);
  if (semaphore.isClosed()) throw new TrySendError("closed", handBack);
  if (n === 0) return;
  // A parked send or reserve is ahead in line: no barging past it.
  if (chan.hasParkedSends() || semaphore.tryAcquire(n) !== ACQUIRED) {
    throw new TrySendError("full", handBack);
  }
  // Invariant: the caller holds `n` slots, for a permit to give back.
}
