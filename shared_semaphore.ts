// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's semaphore: free slots and a first-come, first-served ticket queue in shared memory.
// Internal: not exported from the package.
//
// How this relates to `semaphore.ts`: `BatchSemaphore` counts the
// one-thread channel's room and keeps its waiters in a queue of objects.
// This one counts the same thing (free permits = capacity minus buffered
// messages minus permits held) for senders on many threads, so its state is
// a few words of shared memory: the free permits (shifted left by two,
// with the closed flag in bit 0, as Tokio's semaphore keeps it, and a
// "somebody waits" flag in bit 1), and a ring of tickets for the
// senders that wait. A sender that finds no room takes the next ticket and
// writes its entry in the ring; whoever frees a permit hands it to the
// oldest ticket instead of the free count, so nobody who arrives later can
// take it first (no barging, as in-process). Only one permit is taken at a
// time (the shared sender has no `reserveMany`).
//
// A ticket entry holds the ticket number (its low 30 bits) and a state, so
// an entry reused by a later ticket is never mistaken for an earlier one:
// - WAITING, SLEEPING (the waiter sleeps on the entry: notify it);
// - GRANTED: it holds one permit;
// - CANCELLED: the waiter gave up and took nothing; whoever grants skips it;
// - CLOSED: the channel closed while it waited.
// The head ticket moves past an entry only once the entry is GRANTED or
// CANCELLED (never past a CLOSED one), and an entry is reused only once the
// head has moved past it. So a waiter that finds its entry overwritten by a
// later ticket knows it was granted (it did not cancel itself).
//
// The "somebody waits" flag lets the uncontended paths stay at one atomic
// access each: `tryAcquire` is one subtraction that it undoes when the flag
// is set (no barging), and `release` is one add that only drains
// the queue when the flag was set. A waiter sets the flag after publishing
// its ticket; whoever finds the queue empty clears it, then looks again.
//
// No locks: every change is one compare-and-exchange, and a thread that
// finds another half way (an entry granted, the head not yet moved) helps
// it along. At most `TICKET_ENTRIES` senders wait in the ring; when it is
// full, later ones wait for the head to move before taking a ticket.

import {
  type AtomicOps,
  TICKET_ENTRIES,
  W_HEAD_TICKET,
  W_NEXT_TICKET,
  W_OVERFLOW,
  W_PERMITS,
} from "./shared_list.ts";

/** Ticket entry states (the entry's low two bits). */
export const WAITING = 0;
export const SLEEPING = 1;
export const GRANTED = 2;
export const CANCELLED = 3;
/** `CLOSED` is not a low-bit state: a closed entry holds this value. */
export const CLOSED_ENTRY = -1;

/** Outcomes of {@linkcode SharedSemaphore.tryAcquire} and `poll`. */
export const ACQUIRED = 0;
export const NO_PERMITS = 1;
export const CLOSED = 2;
export const PENDING = 3;

/** `W_PERMITS` flag: the semaphore is closed. */
const CLOSED_BIT = 1;
/** `W_PERMITS` flag: some ticket may be waiting. */
const WAITERS_BIT = 2;
/** One permit, in `W_PERMITS` units. */
const ONE = 4;

/** The entry value for `ticket` in `state`. */
function entryOf(ticket: number, state: number): number {
  return ((ticket & 0x3fffffff) << 2) | state;
}

/** The permit-counting semaphore of one shared channel. */
export class SharedSemaphore {
  readonly i32: Int32Array;
  readonly ops: AtomicOps;
  readonly capacity: number;
  readonly ticketsAt: number;
  /**
   * Called when a permit given back finds the semaphore closed: the
   * receiver may be waiting for the last permit to come home.
   */
  onClosedRelease: (() => void) | undefined = undefined;

  constructor(
    i32: Int32Array,
    capacity: number,
    ticketsAt: number,
    ops: AtomicOps,
  ) {
    this.i32 = i32;
    this.capacity = capacity;
    this.ticketsAt = ticketsAt;
    this.ops = ops;
  }

  /** The number of free permits. */
  available(): number {
    // Clamped: an optimistic `tryAcquire` may hold the count one low.
    return Math.max(0, this.ops.load(this.i32, W_PERMITS) >> 2);
  }

  /** Whether the semaphore is closed. */
  isClosed(): boolean {
    return (this.ops.load(this.i32, W_PERMITS) & CLOSED_BIT) !== 0;
  }

  /**
   * Whether `tryAcquire` would succeed or report closed now (one load, no
   * write): what a sender spins on before it queues.
   */
  mayTryAcquire(): boolean {
    const word = this.ops.load(this.i32, W_PERMITS);
    return (word & CLOSED_BIT) !== 0 ||
      ((word & WAITERS_BIT) === 0 && word >= ONE);
  }

  /** Whether any sender waits for a permit. */
  hasWaiters(): boolean {
    const { i32, ops } = this;
    return ops.load(i32, W_HEAD_TICKET) !== ops.load(i32, W_NEXT_TICKET);
  }

  /**
   * Takes a permit now if one is free and nobody waits for one.
   */
  tryAcquire(): typeof ACQUIRED | typeof NO_PERMITS | typeof CLOSED {
    // Optimistic: take a permit with one subtraction, and give it back if
    // there was none, or the semaphore is closed, or somebody waits (no
    // barging). Meanwhile the count may read one low (even -1): others then
    // see the channel full for that instant, as if this call held a permit.
    const before = this.ops.sub(this.i32, W_PERMITS, ONE);
    if ((before & (CLOSED_BIT | WAITERS_BIT)) === 0 && before >= ONE) {
      // Invariant: the caller holds one permit.
      return ACQUIRED;
    }
    // Giving it back hands it to a waiter that it may have kept waiting, or,
    // once closed, may be the last thing a draining receiver waits for.
    if (this.release(1)) this.onClosedRelease?.();
    return before & CLOSED_BIT ? CLOSED : NO_PERMITS;
  }

  /**
   * Gives back `n` permits: to the oldest waiters first, the rest to the
   * free count. Returns whether the semaphore is closed (the receiver may
   * wait for the last permits to come home).
   */
  release(n: number): boolean {
    const before = this.ops.add(this.i32, W_PERMITS, n * ONE);
    // Invariant: the permits are free, until `drain` hands them on.
    if (before & CLOSED_BIT) return true;
    if (before & WAITERS_BIT) this.drain();
    return false;
  }

  /**
   * Takes a ticket and writes its entry. Returns the ticket, or -1 if the
   * ring is full (the caller waits for `W_HEAD_TICKET` to move and tries
   * again), or -2 if the semaphore is closed.
   */
  enqueue(): number {
    const { i32, ops } = this;
    for (;;) {
      if (this.isClosed()) return -2;
      const next = ops.load(i32, W_NEXT_TICKET);
      const head = ops.load(i32, W_HEAD_TICKET);
      if (((next - head) | 0) >= TICKET_ENTRIES) return -1;
      if (
        ops.compareExchange(i32, W_NEXT_TICKET, next, (next + 1) | 0) !== next
      ) {
        continue;
      }
      // The entry's previous ticket is past the head: nobody reads it now
      // but its own waiter, who reads a different ticket number as granted.
      ops.store(i32, this.#entryIndex(next), entryOf(next, WAITING));
      // From now on releases drain, and `tryAcquire` does not barge.
      ops.or(i32, W_PERMITS, WAITERS_BIT);
      // Invariant: ticket `next` is queued. Permits freed before it was
      // published went to the free count: take them now.
      this.drain();
      if (this.isClosed()) this.#closeEntry(next);
      return next;
    }
  }

  /**
   * The state of `ticket`: ACQUIRED (granted: the caller holds a permit),
   * CLOSED, or PENDING.
   */
  poll(ticket: number): number {
    const entry = this.ops.load(this.i32, this.#entryIndex(ticket));
    if (entry === CLOSED_ENTRY) {
      // The head never moves past a closed entry, so a ticket behind the
      // head was granted before the close: the closed value is a later
      // ticket's, which reuses this entry.
      const head = this.ops.load(this.i32, W_HEAD_TICKET);
      return ((ticket - head) | 0) < 0 ? ACQUIRED : CLOSED;
    }
    if (entry >> 2 !== entryOf(ticket, 0) >> 2) return ACQUIRED;
    const state = entry & 3;
    if (state === GRANTED) return ACQUIRED;
    if (state === CANCELLED) return CLOSED;
    return PENDING;
  }

  /**
   * Marks `ticket` as sleeping. Returns the value to wait on with
   * `Atomics.wait`/`waitAsync` at {@linkcode entryIndex}, or undefined if
   * the ticket is no longer pending (poll it).
   */
  prepareSleep(ticket: number): number | undefined {
    const index = this.#entryIndex(ticket);
    const waiting = entryOf(ticket, WAITING);
    const sleeping = entryOf(ticket, SLEEPING);
    const seen = this.ops.compareExchange(this.i32, index, waiting, sleeping);
    return seen === waiting || seen === sleeping ? sleeping : undefined;
  }

  /** Where `ticket`'s entry lives (the word its waiter sleeps on). */
  entryIndex(ticket: number): number {
    return this.#entryIndex(ticket);
  }

  /**
   * Gives up `ticket`. Returns true if it took nothing; false if it had
   * been granted meanwhile, in which case the caller holds a permit (and
   * hands it on with `release(1)` if it does not want it).
   */
  cancel(ticket: number): boolean {
    const { i32, ops } = this;
    const index = this.#entryIndex(ticket);
    for (const state of [WAITING, SLEEPING]) {
      const expected = entryOf(ticket, state);
      const seen = ops.compareExchange(
        i32,
        index,
        expected,
        entryOf(ticket, CANCELLED),
      );
      if (seen === expected) {
        if (state === SLEEPING) ops.notify(i32, index);
        // Invariant: the ticket holds nothing; if it was the head, the
        // waiters behind it may be served now.
        this.drain();
        return true;
      }
    }
    return this.poll(ticket) !== ACQUIRED;
  }

  /**
   * Closes: no permit is granted from now on, and every waiting ticket is
   * failed, oldest first. Returns whether this call closed it.
   */
  close(): boolean {
    const { i32, ops } = this;
    const before = ops.or(i32, W_PERMITS, CLOSED_BIT);
    if (before & CLOSED_BIT) return false;
    const next = ops.load(i32, W_NEXT_TICKET);
    for (let t = ops.load(i32, W_HEAD_TICKET); t !== next; t = (t + 1) | 0) {
      this.#closeEntry(t);
    }
    if (ops.load(i32, W_OVERFLOW) > 0) ops.notify(i32, W_HEAD_TICKET);
    // Invariant: every ticket published before the close is failed or was
    // granted; later ones fail themselves in `enqueue`.
    return true;
  }

  /** Fails `ticket` if it still waits. */
  #closeEntry(ticket: number): void {
    const { i32, ops } = this;
    const index = this.#entryIndex(ticket);
    for (const state of [WAITING, SLEEPING]) {
      const expected = entryOf(ticket, state);
      if (
        ops.compareExchange(i32, index, expected, CLOSED_ENTRY) === expected
      ) {
        if (state === SLEEPING) ops.notify(i32, index);
        return;
      }
    }
  }

  /**
   * Hands free permits to the waiting tickets, oldest first, skipping
   * cancelled ones, until no permit is free, nobody waits, or the head
   * ticket is not yet published (its waiter drains once it is).
   */
  drain(): void {
    const { i32, ops } = this;
    for (;;) {
      const head = ops.load(i32, W_HEAD_TICKET);
      if (head === ops.load(i32, W_NEXT_TICKET)) {
        // Nobody waits: clear the flag, then look again, since a waiter
        // that came meanwhile may have set it before the clear.
        ops.and(i32, W_PERMITS, ~WAITERS_BIT);
        if (ops.load(i32, W_NEXT_TICKET) === head) return;
        ops.or(i32, W_PERMITS, WAITERS_BIT);
        continue;
      }
      const index = this.#entryIndex(head);
      const entry = ops.load(i32, index);
      if (entry === CLOSED_ENTRY || entry >> 2 !== entryOf(head, 0) >> 2) {
        return;
      }
      const state = entry & 3;
      if (state === GRANTED || state === CANCELLED) {
        // Resolved: help the head past it.
        this.#advanceHead(head);
        continue;
      }
      const permits = ops.load(i32, W_PERMITS);
      if (permits & CLOSED_BIT || permits < ONE) return;
      if (
        ops.compareExchange(i32, W_PERMITS, permits, permits - ONE) !== permits
      ) {
        continue;
      }
      const granted = entryOf(head, GRANTED);
      if (ops.compareExchange(i32, index, entry, granted) !== entry) {
        // The entry changed under us (it slept, gave up, or was closed):
        // put the permit back and look again. A close that came in between
        // may have counted on it coming home: wake the receiver then.
        const back = ops.add(i32, W_PERMITS, ONE);
        if (back & CLOSED_BIT) this.onClosedRelease?.();
        continue;
      }
      if (state === SLEEPING) ops.notify(i32, index);
      // Invariant: ticket `head` holds one permit.
      this.#advanceHead(head);
    }
  }

  #advanceHead(head: number): void {
    const { i32, ops } = this;
    if (
      ops.compareExchange(i32, W_HEAD_TICKET, head, (head + 1) | 0) === head &&
      ops.load(i32, W_OVERFLOW) > 0
    ) {
      ops.notify(i32, W_HEAD_TICKET);
    }
  }

  #entryIndex(ticket: number): number {
    return this.ticketsAt + (ticket & (TICKET_ENTRIES - 1));
  }
}
