// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The channel core shared by bounded and unbounded channels: the message
// list, the sender counts, and the receive side with its waiting calls.
// This file owns every count and flag of a channel; the handles
// (bounded.ts, unbounded.ts), `select` and the sending side's waiting calls
// (send_call.ts) change them only through `Chan`'s methods. The room is
// the semaphore's (semaphore.ts), the queued messages the list's (list.ts).
// Internal: not exported from the package.

import { bufferRefused } from "./_args.ts";
import {
  charge,
  park,
  type Parked,
  rejectCharged,
  rejectOnTurn,
  unpark,
} from "./budget.ts";
import { TryRecvError } from "./error.ts";
import { List } from "./list.ts";
import { ACQUIRED, type Semaphore, type TryAcquire } from "./semaphore.ts";
import { isAborted, PromiseWaiter, reasonOf, WaiterQueue } from "./waiter.ts";

// Re-exported for shared.ts until it imports _args.ts directly.
export { bufferRefused, checkInteger, describe } from "./_args.ts";
// Re-exported for shared.ts until it imports _inspect.ts directly.
export { inspectAs } from "./_inspect.ts";

const RESOLVED: Promise<void> = Promise.resolve();
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_ZERO: Promise<number> = Promise.resolve(0);
const DONE: IteratorReturnResult<undefined> = Object.freeze({
  value: undefined,
  done: true,
});
const RESOLVED_DONE: Promise<IteratorReturnResult<undefined>> = Promise
  .resolve(DONE);

// The executor of every fast wait, one for all channels: it hands the
// resolve function over in `captured`. A closure per channel would make
// V8's optimized `recv()` depend on that one channel's closure, and throw
// the code away when the channel dies (measured: a program making channels
// of two kinds ran at about two thirds of the rate).
let captured: ((value: never) => void) | undefined;
function capture(resolve: (value: never) => void): void {
  captured = resolve;
}

/** What {@linkcode Chan.takeMany} returns when the buffer refused. */
export const REFUSED = -1;

// What the fast receive slot resolves with: the message, or an iterator
// result around it.
const VALUE = 0;
const RESULT = 1;

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
 * Messages reach receive calls in one of two ways: a send hands its message
 * straight to the oldest waiting call, or the call finds it queued. The
 * receive side keeps one line of calls in call order: the fast slot (at most
 * one plain `recv()` or iterator step with no signal, held as the bare
 * resolve function of its promise: the cheapest wait there is), then the
 * queue of every other waiting call.
 *
 * User code can run inside the channel: a message's `then` getter when a
 * promise is resolved with it, a `recvMany` buffer's `push`. The channel
 * calls it only once its own state is complete, so whatever that code does
 * to the channel finds it consistent.
 *
 * @typeParam T The type of the messages.
 * @typeParam S The semaphore that counts the room.
 */
export class Chan<T, S extends Semaphore = Semaphore> {
  /**
   * The queued messages: a {@linkcode List}, or the storage a subclass
   * plugs in (the shared channel's, `shared_recv.ts`), which the receive
   * side reads through `length`, `pop` (by `take`), `clear` and `unshift`.
   */
  readonly list: List<T>;
  /** Counts the room (bounded) or the queued messages (unbounded). */
  readonly semaphore: S;
  // Strong senders, each counted until its last use is released; the
  // channel starts with the one its constructor's caller hands out.
  // Invariant: once 0, never rises again (`upgrade` refuses).
  #txCount = 1;
  // Weak senders alive.
  #weakCount = 0;
  // Send and reserve calls parked by the budget (a parked `select` with a
  // sender branch counts too); while there are any, new ones park behind
  // them and `try*` calls report "full", so calls keep their order.
  #txParked = 0;
  // The receiver called `close()` or was disposed. Invariant: never unset.
  #rxClosed = false;
  // The receiver was disposed: messages sent from now on are dropped.
  // Invariant: never unset, and set only after `#rxClosed`.
  #rxDropped = false;
  // The receiver closed or no strong sender is left: the channel may be
  // finished once drained. Invariant: `#rxClosed || #txCount === 0`.
  #ending = false;
  // The oldest waiting receive call when it is a plain one: its resolve
  // function and what it resolves with. Invariant: set only while the queue
  // below is empty, so it is always first in line.
  #fast: ((value: never) => void) | undefined = undefined;
  #fastKind = VALUE;
  // Receive calls waiting for a message, after `#fast`. Invariant: the line
  // (`#fast`, then these) is non-empty only while the list is empty, except
  // while `#serveLine` runs or user code takes messages (`busy`).
  readonly #receivers = new WaiterQueue<Receiving<T>>();
  readonly #closedWaiters = new WaiterQueue<ClosedWaiter>();
  #sharedClosed: ClosedWaiter | undefined = undefined;
  // Receive calls parked by the budget; while there are any, new receive
  // calls park behind them, keeping call order.
  #rxParked = 0;
  /**
   * User code runs over the head of the list (a buffer's `push`, a shared
   * codec's `decode`): the head is being handed over, so no other receive
   * may take from it. Set only by the take that runs the user code.
   */
  busy = false;
  #serving = false;

  /**
   * @param semaphore Counts the room.
   * @param list The storage; a new {@linkcode List} unless a subclass plugs
   * in its own.
   */
  constructor(semaphore: S, list: List<T> = new List<T>()) {
    this.semaphore = semaphore;
    this.list = list;
  }

  // -- Sending side --

  /**
   * Sends `value` if there is room: the one place that decides whether a
   * message goes straight to a waiting receive. Returns `ACQUIRED` once it
   * is delivered, `NO_PERMITS` if the channel is full (or senders wait for
   * room), `CLOSED` if the receiver closed.
   */
  deliver(value: T): TryAcquire {
    const fast = this.#fast;
    // The handoff to a plain receive in the fast slot needs no slot: one
    // taken and given back at once would only cost two calls. Room must
    // still be free, or a waiting sender would be overtaken.
    if (fast !== undefined && this.semaphore.canAcquireNow(1)) {
      this.#fast = undefined;
      this.#settleFast(fast, value);
      // Invariant: the message reached a receive; no slot changed hands.
      return ACQUIRED;
    }
    const outcome = this.semaphore.tryAcquire(1);
    // The ready path: no allocation beyond what the caller returns.
    if (outcome === ACQUIRED) this.deliverReserved(value);
    return outcome;
  }

  /**
   * Delivers a message whose room is already paid for (a permit's, or a
   * waiting send's that was granted): straight to the oldest waiting
   * receive call, else to the end of the list.
   */
  deliverReserved(value: T): void {
    // A disposed receiver discards; the permit's slot is not given back.
    if (this.#rxDropped) return;
    const fast = this.#fast;
    if (fast !== undefined) {
      // The hot handoff: no object, one call. The slot is free again before
      // the call is resolved, since resolving may run the message's `then`.
      this.#fast = undefined;
      this.releasePermits(1);
      this.#settleFast(fast, value);
      return;
    }
    this.list.push(value);
    // Invariant: the message is queued; a waiting call takes it in turn.
    if (this.#receivers.length > 0) this.#serveLine();
  }

  /** Makes the plain receive's promise, its resolve function the fast slot. */
  #waitFast<R>(): Promise<R> {
    const promise = new Promise<R>(capture);
    this.#fast = captured;
    // Not kept past the call: it would hold the receive's promise.
    captured = undefined;
    return promise;
  }

  /** Resolves the receive that was in the fast slot with `value`. */
  #settleFast(fast: (value: never) => void, value: T): void {
    if (this.#fastKind === VALUE) (fast as (value: T) => void)(value);
    else (fast as (result: IteratorResult<T>) => void)({ value, done: false });
  }

  /**
   * Gives `n` slots back, then ends waiting receive calls if that was the
   * last thing a closed channel waited for.
   */
  releasePermits(n: number): void {
    this.semaphore.addPermits(n);
    if (this.#rxClosed && this.#lineLength() > 0 && this.isFinished()) {
      this.#finishReceivers();
    }
  }

  // -- Sender counts and the receiver's state --

  /** The receiver called `close()` or was disposed. */
  get rxClosed(): boolean {
    return this.#rxClosed;
  }

  /** The receiver was disposed: messages sent from now on are dropped. */
  get rxDropped(): boolean {
    return this.#rxDropped;
  }

  /** Strong senders, each counted until its last use is released. */
  get txCount(): number {
    return this.#txCount;
  }

  /** Weak senders alive. */
  get weakCount(): number {
    return this.#weakCount;
  }

  /**
   * Counts a new strong sender cloned from a live one, and returns its hold.
   * The caller holds a live sender, so the count is above 0 and the channel
   * is not finished for want of senders.
   */
  cloneTx(): TxRef<T, S> {
    this.#txCount++;
    return new TxRef(this);
  }

  /**
   * Counts a new strong sender made from a weak one, if a strong one is
   * left, and returns its hold; `undefined` once the last one is gone.
   */
  upgrade(): TxRef<T, S> | undefined {
    // A count of 0 is final: the receive side may already have ended.
    if (this.#txCount === 0) return undefined;
    this.#txCount++;
    return new TxRef(this);
  }

  /** Releases one strong sender's count. */
  dropTx(): void {
    // Invariant: once 0, `#txCount` never rises again (`upgrade` refuses).
    if (--this.#txCount === 0) {
      this.#ending = true;
      if (this.list.length === 0) this.#finishReceivers();
    }
  }

  /**
   * Counts one more weak sender: a strong one downgraded, or a weak one
   * cloned. Weak senders keep nothing open; the count is only reported.
   */
  downgrade(): void {
    this.#weakCount++;
  }

  /** Ends one weak sender's count. */
  dropWeak(): void {
    this.#weakCount--;
  }

  // -- Parked sends --

  /**
   * Charges a send or reservation to the budget: `false` when it must park,
   * because the slice is spent or earlier calls are parked (they keep their
   * order).
   */
  maySend(): boolean {
    return this.#txParked === 0 && charge();
  }

  /**
   * Whether a reservation of one slot made now (a `select`'s sender branch)
   * would complete at once: room is free and no call waits or is parked
   * ahead of it, or the channel is closed (it completes as "done").
   */
  reserveReady(): boolean {
    return this.semaphore.isClosed() ||
      (this.#txParked === 0 && this.semaphore.canAcquireNow(1));
  }

  /**
   * Whether a reservation parked by the budget, now resumed, would complete
   * at once: calls parked after it do not count as ahead of it.
   */
  reserveReadyForResumed(): boolean {
    return this.semaphore.isClosed() || this.semaphore.canAcquireNow(1);
  }

  /** Whether send or reserve calls are parked by the budget. */
  hasParkedSends(): boolean {
    return this.#txParked > 0;
  }

  /**
   * Counts a send, reservation or `select` parked by the budget: later ones
   * park behind it and `try*` calls report "full".
   */
  holdParkedSend(): void {
    this.#txParked++;
  }

  /** Ends {@linkcode Chan.holdParkedSend}: it resumed or gave up. */
  releaseParkedSend(): void {
    this.#txParked--;
  }

  /** Resolves once the receiver is closed or disposed. */
  closed(signal: AbortSignal | undefined): Promise<void> {
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    // Counted like any operation that may complete at once: a loop of
    // `await tx.closed()` on a closed channel must still let timers run.
    if (!charge()) {
      const waiter = new ClosedWaiter(this);
      waiter.listen(signal);
      park(waiter);
      return waiter.promise;
    }
    if (this.#rxClosed) return RESOLVED;
    return this.waitClosed(signal);
  }

  /** Queues a `closed()` call on an open channel. */
  waitClosed(signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) {
      // Calls without a signal share one promise: nothing can remove their
      // waiters, and a caller that stops waiting (say, it lost a race) must
      // not leave one behind.
      let shared = this.#sharedClosed;
      if (shared === undefined) {
        shared = this.#sharedClosed = new ClosedWaiter(this);
        this.#closedWaiters.push(shared);
      }
      return shared.promise;
    }
    const waiter = new ClosedWaiter(this);
    waiter.listen(signal);
    this.#closedWaiters.push(waiter);
    return waiter.promise;
  }

  /** Queues a `closed()` waiter that was parked, or resolves it. */
  resumeClosed(waiter: ClosedWaiter): void {
    if (this.#rxClosed) waiter.resolve();
    else this.#closedWaiters.push(waiter);
  }

  /** Forgets an aborted `closed()` waiter, parked or queued. */
  cancelClosed(waiter: ClosedWaiter): void {
    if (waiter.parked) unpark(waiter);
    else this.#closedWaiters.remove(waiter);
  }

  // -- Receiving side --

  /**
   * Whether receive calls are over for good: nothing is queued, and no
   * strong sender is left, or the receiver was disposed, or it closed and no
   * permit is out.
   */
  isFinished(): boolean {
    // `#ending` first: on an open channel (every call of a busy loop that
    // finds the queue empty) one field read decides.
    return this.#ending && this.list.length === 0 &&
      (this.#txCount === 0 || this.#rxDropped || this.semaphore.isIdle());
  }

  /** Whether `close()` was called, or no strong sender is left. */
  isClosed(): boolean {
    return this.#ending;
  }

  /**
   * Whether a new receive call would be first in line: nothing waits,
   * nothing is parked, and no buffer is taking messages.
   */
  #firstInLine(): boolean {
    return this.#fast === undefined && this.#receivers.length === 0 &&
      !this.busy && this.#rxParked === 0;
  }

  // A receive that would wait parks too once the slice is spent: where
  // sends are not charged (an unbounded channel's), receives are the only
  // calls of a ping-pong that can yield. (Waiting in line instead kept a
  // producer's queue small but starved timers through such a ping-pong.)
  #lineLength(): number {
    return (this.#fast === undefined ? 0 : 1) + this.#receivers.length;
  }

  /** Whether a receive call waits in line (parked ones do not count). */
  hasWaitingReceives(): boolean {
    return this.#fast !== undefined || this.#receivers.length > 0;
  }

  /**
   * Whether a new receive call would be first in line (a blocking receive
   * may take only then).
   */
  isFirstInLine(): boolean {
    return this.#firstInLine();
  }

  /**
   * Serves the line from the storage: the wake-up's step, for a storage
   * that is filled from elsewhere (another thread's sends).
   */
  serveWaiting(): void {
    this.#serveLine();
  }

  /** Whether the line is being served (a step's user code may run). */
  get serving(): boolean {
    return this.#serving;
  }

  /** The next message, or `undefined` once finished. */
  recv(signal: AbortSignal | undefined): Promise<T | undefined> {
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    if (!this.#firstInLine()) {
      return this.#queue(new ReceiveValue(this), signal);
    }
    if (!charge()) return this.#park(new ReceiveValue(this), signal);
    // `Promise.resolve` may run the message's `then`: the take is complete.
    if (this.list.length > 0) return Promise.resolve(this.take());
    if (this.isFinished()) return RESOLVED_UNDEFINED;
    if (signal !== undefined) {
      return this.#wait(new ReceiveValue<T>(this), signal);
    }
    this.#fastKind = VALUE;
    return this.#waitFast<T | undefined>();
  }

  /** The async iterator's step: a message, or the end once finished. */
  recvResult(
    signal: AbortSignal | undefined,
  ): Promise<IteratorResult<T, undefined>> {
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    if (!this.#firstInLine()) {
      return this.#queue(new ReceiveResult(this), signal);
    }
    if (!charge()) return this.#park(new ReceiveResult(this), signal);
    if (this.list.length > 0) {
      return Promise.resolve({ value: this.take(), done: false });
    }
    if (this.isFinished()) return RESOLVED_DONE;
    if (signal !== undefined) {
      return this.#wait(new ReceiveResult<T>(this), signal);
    }
    this.#fastKind = RESULT;
    return this.#waitFast<IteratorResult<T, undefined>>();
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
    if (signal !== undefined && isAborted(signal)) {
      return rejectCharged(reasonOf(signal));
    }
    if (limit === 0) {
      // It asks for nothing, so it waits for no one, but is charged, and
      // yields in turn like any other receive.
      if (this.#rxParked === 0 && charge()) return RESOLVED_ZERO;
      return this.#park(new ReceiveMany(this, buffer, 0), signal);
    }
    if (!this.#firstInLine()) {
      return this.#queue(new ReceiveMany(this, buffer, limit), signal);
    }
    if (!charge()) {
      return this.#park(new ReceiveMany(this, buffer, limit), signal);
    }
    if (this.list.length > 0) {
      const count = this.takeMany(buffer, limit);
      return count === REFUSED
        ? Promise.reject(bufferRefused())
        : Promise.resolve(count);
    }
    if (this.isFinished()) return RESOLVED_ZERO;
    return this.#wait(new ReceiveMany<T>(this, buffer, limit), signal);
  }

  /**
   * Hands up to `limit` queued messages to `buffer`; returns how many, or
   * {@linkcode REFUSED} if `buffer` would not take them: then they stay
   * first in the queue, and `buffer` is put back to its length, if it can
   * be. The caller checks that a message is queued.
   */
  takeMany(buffer: T[], limit: number): number {
    const count = Math.min(this.list.length, limit);
    // `buffer` is a user's object: its `push` may throw or call back into
    // the channel. While it runs, no receive takes from the list (they
    // queue), so the messages it is given are still first when it returns.
    this.busy = true;
    let start = -1;
    let refused = false;
    try {
      start = buffer.length;
      this.list.copyInto(buffer, count);
    } catch {
      refused = true;
    }
    this.busy = false;
    if (refused) {
      try {
        if (start >= 0) buffer.length = start;
      } catch {
        // A buffer that refuses to shrink keeps what it took; the channel
        // still has every message.
      }
    } else if (!this.#rxDropped) {
      // (A disposal while `push` ran dropped the queue, these included.)
      this.list.advance(count);
      this.releasePermits(count);
    }
    // Calls that came in while the buffer ran wait behind: serve them.
    if (this.#lineLength() > 0) this.#serveLine();
    return refused ? REFUSED : count;
  }

  /**
   * Puts `count` messages a receive took back in front of the queue, in
   * order, as if never taken: a stream's pull was served just as the
   * stream was cancelled. Dropped if the receiver is gone.
   */
  unreceive(values: readonly T[], count: number): void {
    if (this.#rxDropped || count === 0) return;
    for (let i = count - 1; i >= 0; i--) this.list.unshift(values[i]!);
    this.semaphore.reclaim(count);
    // Invariant: the messages are first again and hold their room; calls
    // that came to wait meanwhile take them in turn.
    if (this.#lineLength() > 0) this.#serveLine();
  }

  /** Takes the oldest queued message, freeing its slot. */
  take(): T {
    const value = this.list.pop();
    this.releasePermits(1);
    return value;
  }

  /**
   * Serves waiting receive calls from the queue, oldest first, until either
   * runs out. Each step is complete before the call it serves is settled,
   * and calls made meanwhile join the end of the line.
   */
  #serveLine(): void {
    if (this.#serving) return;
    this.#serving = true;
    try {
      while (this.list.length > 0 && !this.busy) {
        const fast = this.#fast;
        if (fast !== undefined) {
          this.#fast = undefined;
          let value: T;
          try {
            value = this.take();
          } catch (error) {
            // A storage whose take runs user code (a shared codec's
            // `decode`) may throw: that call alone rejects, and took the
            // message that failed.
            (fast as (value: Promise<never>) => void)(Promise.reject(error));
            continue;
          }
          this.#settleFast(fast, value);
          continue;
        }
        const waiter = this.#receivers.shift();
        if (waiter === undefined) break;
        waiter.serve();
      }
    } finally {
      this.#serving = false;
    }
    if (this.#lineLength() > 0 && this.isFinished()) this.#finishReceivers();
  }

  // -- `select` --

  /**
   * Whether a receive made now would complete at once: it is first in line
   * and a message is queued, or the channel is finished.
   */
  receiveReady(): boolean {
    return this.#firstInLine() && (this.list.length > 0 || this.isFinished());
  }

  /**
   * Whether a receive parked by the budget, now resumed, would complete at
   * once: calls parked after it do not count as ahead of it.
   */
  readyForResumed(): boolean {
    return this.#lineLength() === 0 && !this.busy &&
      (this.list.length > 0 || this.isFinished());
  }

  /** Whether receive calls are parked by the budget. */
  hasParkedReceives(): boolean {
    return this.#rxParked > 0;
  }

  /**
   * Counts a parked `select` as a parked receive, so later receive calls
   * park behind it and `tryRecv` does not overtake it.
   */
  holdParkedReceive(): void {
    this.#rxParked++;
  }

  /** Ends {@linkcode Chan.holdParkedReceive}: the select resumed or gave up. */
  releaseParkedReceive(): void {
    this.#rxParked--;
  }

  /**
   * Queues a receive registered by a `select`, in call order among the
   * receive calls. The caller checked that it cannot be served at once.
   */
  waitReceive(waiter: Receiving<T>): void {
    this.#receivers.push(waiter);
  }

  /** Carries on a receive call parked by the budget. */
  resumeReceive(waiter: Receiving<T>): void {
    this.#rxParked--;
    charge();
    if (waiter.wantsNothing()) {
      // A `recvMany` with limit 0: nothing to wait for.
      waiter.serve();
      return;
    }
    if (
      this.#lineLength() === 0 && !this.busy &&
      (this.list.length > 0 || this.isFinished())
    ) {
      if (this.list.length > 0) waiter.serve();
      else waiter.finish();
      return;
    }
    this.#receivers.push(waiter);
    if (this.list.length > 0) this.#serveLine();
  }

  /** The next message now, or a {@linkcode TryRecvError}. */
  tryRecv(): T {
    // No barging: a receive call waiting or parked is ahead of this one.
    if (this.list.length > 0 && this.#firstInLine()) return this.take();
    throw new TryRecvError(
      this.#firstInLine() && this.isFinished() ? "disconnected" : "empty",
    );
  }

  /**
   * Closes the receiving side: senders fail from now on, waiting senders
   * fail oldest first, `closed()` resolves. Queued messages stay.
   */
  close(): void {
    if (this.#rxClosed) return;
    this.#rxClosed = true;
    this.#ending = true;
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
    this.#rxDropped = true;
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

  /** Queues a receive call behind the calls already in line. */
  #queue<R>(
    waiter: Receive<T, R>,
    signal: AbortSignal | undefined,
  ): Promise<R> {
    if (this.#rxParked > 0) return this.#park(waiter, signal);
    return this.#wait(waiter, signal);
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
    const fast = this.#fast;
    if (fast !== undefined) {
      this.#fast = undefined;
      if (this.#fastKind === VALUE) {
        (fast as (value: undefined) => void)(undefined);
      } else (fast as (result: typeof DONE) => void)(DONE);
    }
    let waiter;
    while ((waiter = this.#receivers.shift())) waiter.finish();
  }
}

/** What the channel sees of a waiting receive call. */
export interface Receiving<T> extends Parked {
  /** Takes its message(s) from the list, now first in line, and settles. */
  serve(): void;
  /** Tells the call the channel is finished. */
  finish(): void;
  /** Whether the call asks for no message (a limit of 0). */
  wantsNothing(): boolean;
}

/** A waiting receive call; settled by a message or by the channel's end. */
abstract class Receive<T, R> extends PromiseWaiter<R> implements Receiving<T> {
  readonly chan: Chan<T>;

  constructor(chan: Chan<T>) {
    super();
    this.chan = chan;
  }

  /**
   * Takes its message(s) from the list and settles. Each call stops
   * listening first: from there its outcome is decided, whatever a
   * message's `then` does when the promise is resolved with it.
   */
  abstract serve(): void;

  /** Tells the call the channel is finished. */
  abstract finish(): void;

  wantsNothing(): boolean {
    return false;
  }

  /** The budget's turn came: carry on. */
  resume(): void {
    this.chan.resumeReceive(this);
  }

  abort(reason: unknown): void {
    // Nothing was delivered yet, so nothing is lost.
    const parked = this.parked;
    this.chan.cancelReceive(this);
    if (parked) rejectOnTurn(this, reason);
    else this.reject(reason);
  }
}

class ReceiveValue<T> extends Receive<T, T | undefined> {
  serve(): void {
    this.unlisten();
    let value: T;
    try {
      value = this.chan.take();
    } catch (error) {
      // A take that runs user code (a shared codec) failed: this call
      // rejects with it, and the line goes on.
      this.reject(error);
      return;
    }
    this.resolve(value);
  }

  finish(): void {
    this.resolve(undefined);
  }
}

class ReceiveResult<T> extends Receive<T, IteratorResult<T, undefined>> {
  serve(): void {
    this.unlisten();
    let value: T;
    try {
      value = this.chan.take();
    } catch (error) {
      this.reject(error);
      return;
    }
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

  serve(): void {
    this.unlisten();
    if (this.#limit === 0) {
      this.resolve(0);
      return;
    }
    let count: number;
    try {
      count = this.chan.takeMany(this.#buffer, this.#limit);
    } catch (error) {
      this.reject(error);
      return;
    }
    if (count === REFUSED) this.reject(bufferRefused());
    else this.resolve(count);
  }

  override wantsNothing(): boolean {
    return this.#limit === 0;
  }

  override finish(): void {
    this.resolve(0);
  }
}

class ClosedWaiter extends PromiseWaiter<void> implements Parked {
  readonly #chan: Chan<unknown>;

  constructor(chan: Chan<unknown>) {
    super();
    this.#chan = chan;
  }

  resume(): void {
    this.#chan.resumeClosed(this);
  }

  abort(reason: unknown): void {
    const parked = this.parked;
    this.#chan.cancelClosed(this);
    if (parked) rejectOnTurn(this, reason);
    else this.reject(reason);
  }
}

/**
 * A receiver's async iterator: ends when the channel is finished, yields
 * `undefined` messages as they are, and leaves the receiver open when the
 * loop is left early. With a signal, an abort rejects the pending step and
 * takes nothing.
 *
 * @typeParam T The type of the messages.
 */
export class ReceiverIterator<T> implements AsyncIterableIterator<T> {
  readonly #chan: Chan<T>;
  readonly #signal: AbortSignal | undefined;

  constructor(chan: Chan<T>, signal?: AbortSignal) {
    this.#chan = chan;
    this.#signal = signal;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    return this.#chan.recvResult(this.#signal);
  }

  return(): Promise<IteratorResult<T, undefined>> {
    return RESOLVED_DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
