// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The semaphores that count a channel's room: a fair batch one and a counter.
// Internal: not exported from the package.

import { type Waiter, WaiterQueue } from "./waiter.ts";

/**
 * What the channel core needs from the thing that counts its room. A bounded
 * channel counts free slots; an unbounded one counts queued messages.
 */
export interface Semaphore {
  /** Whether {@linkcode Semaphore.tryAcquire} of `n` would succeed now. */
  canAcquireNow(n: number): boolean;
  /** Takes `n` slots now if nobody waits and enough are free. */
  tryAcquire(n: number): TryAcquire;
  /** Whether no message is queued and no slot is held by a permit. */
  isIdle(): boolean;
  /** Gives back `n` slots: messages were received, or permits unused. */
  addPermits(n: number): void;
  /** Refuses every later acquisition and fails every waiter. */
  close(): void;
  /** Whether {@linkcode Semaphore.close} was called. */
  isClosed(): boolean;
  /**
   * Counts `n` received messages as queued again (they were put back), even
   * beyond the bound: the room they take is repaid as messages leave.
   */
  reclaim(n: number): void;
}

/** {@linkcode BatchSemaphore.tryAcquire} took the permits. */
export const ACQUIRED = 0;
/** Not enough permits are free, or somebody is already waiting for some. */
export const NO_PERMITS = 1;
/** The semaphore is closed. */
export const CLOSED = 2;
/** The outcome of {@linkcode BatchSemaphore.tryAcquire}. */
export type TryAcquire = typeof ACQUIRED | typeof NO_PERMITS | typeof CLOSED;

/**
 * What the semaphore sees of a call waiting for `needed` permits, whatever
 * it resolves with. It collects permits as they are freed and is granted
 * once it holds them all.
 */
export interface Acquirer extends Waiter {
  /** How many permits the call needs in all. */
  readonly needed: number;
  /** How many it holds so far. */
  acquired: number;
  /** Holds all its permits and has left the queue. */
  granted(): void;
  /** The semaphore closed; its permits were taken back. */
  closed(): void;
}

/**
 * A first-come, first-served semaphore whose callers may ask for several
 * permits at once. The oldest waiter takes every freed permit until it is
 * complete, so a large request is never starved by small ones, and nobody
 * overtakes a waiter (no barging).
 */
export class BatchSemaphore implements Semaphore {
  /** The number of permits in all: the channel's capacity. */
  readonly bound: number;
  // Invariant: `#permits` are free; the rest are held by permits, by queued
  // messages, or by waiters (their `acquired`). Below 0 only after
  // `reclaim`: the channel holds more than its bound until it is repaid.
  #permits: number;
  #closed = false;
  readonly #waiters = new WaiterQueue<Acquirer>();
  // Set while `addPermits` hands permits out: granting a waiter can free a
  // permit again (a message handed straight to a waiting receiver), and that
  // nested call only adds to `#permits` for the running loop to hand on.
  #handingOut = false;

  constructor(bound: number) {
    this.bound = bound;
    this.#permits = bound;
  }

  /** The number of free permits. */
  available(): number {
    return Math.max(0, this.#permits);
  }

  isIdle(): boolean {
    return this.#permits === this.bound;
  }

  isClosed(): boolean {
    return this.#closed;
  }

  /** Whether {@linkcode tryAcquire} of `n` would succeed now. */
  canAcquireNow(n: number): boolean {
    return !this.#closed && this.#permits >= n && this.#waiters.length === 0;
  }

  /** Takes `n` permits now if nobody waits and enough are free. */
  tryAcquire(n: number): TryAcquire {
    if (this.#closed) return CLOSED;
    if (this.#waiters.length > 0 || this.#permits < n) {
      return NO_PERMITS;
    }
    this.#permits -= n;
    return ACQUIRED;
  }

  /**
   * Queues `waiter` after a failed {@linkcode tryAcquire}. If it is the only
   * waiter it starts with the permits that are free now.
   */
  enqueue(waiter: Acquirer): void {
    if (this.#waiters.length === 0) {
      const take = Math.max(0, Math.min(this.#permits, waiter.needed));
      this.#permits -= take;
      waiter.acquired = take;
    }
    this.#waiters.push(waiter);
    // Invariant: the queued waiter still needs at least one permit, since
    // `tryAcquire` failed with nobody ahead of it.
  }

  addPermits(n: number): void {
    this.#permits += n;
    // Small on purpose, so that the engine inlines it into every receive:
    // the loop that hands permits out is a method of its own.
    if (this.#waiters.length > 0 && !this.#handingOut) this.#handOut();
  }

  /** Hands free permits to the waiters, oldest first. */
  #handOut(): void {
    this.#handingOut = true;
    try {
      let waiter;
      while (this.#permits > 0 && (waiter = this.#waiters.peek())) {
        const take = Math.min(this.#permits, waiter.needed - waiter.acquired);
        this.#permits -= take;
        waiter.acquired += take;
        if (waiter.acquired < waiter.needed) break;
        this.#waiters.shift();
        // May run `addPermits` again (re-entrant): that call only adds.
        waiter.granted();
      }
    } finally {
      this.#handingOut = false;
    }
    // Invariant: either no permit is free or nobody waits.
  }

  reclaim(n: number): void {
    this.#permits -= n;
  }

  /** Removes a waiter that gave up and hands its permits to the next. */
  cancel(waiter: Acquirer): void {
    this.#waiters.remove(waiter);
    const held = waiter.acquired;
    waiter.acquired = 0;
    if (held > 0) this.addPermits(held);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Fail the waiters oldest first; what they collected comes back free.
    let waiter;
    while ((waiter = this.#waiters.shift())) {
      this.#permits += waiter.acquired;
      waiter.acquired = 0;
      waiter.closed();
    }
    // Invariant: nobody waits and nobody will.
  }
}

/**
 * The unbounded channel's stand-in for a semaphore: it counts the queued
 * messages, which is all the core needs to know when the channel is idle.
 */
export class Counter implements Semaphore {
  // Invariant: `#queued` equals the number of messages in the channel.
  #queued = 0;
  #closed = false;

  /** Room is unlimited: only a closed channel refuses. */
  canAcquireNow(_n: number): boolean {
    return !this.#closed;
  }

  /** Counts `n` more messages unless closed. */
  tryAcquire(n: number): TryAcquire {
    if (this.#closed) return CLOSED;
    this.#queued += n;
    // Invariant: the caller queues (or hands over) the `n` messages now.
    return ACQUIRED;
  }

  isIdle(): boolean {
    return this.#queued === 0;
  }

  addPermits(n: number): void {
    this.#queued -= n;
  }

  reclaim(n: number): void {
    this.#queued += n;
  }

  close(): void {
    this.#closed = true;
  }

  isClosed(): boolean {
    return this.#closed;
  }
}
