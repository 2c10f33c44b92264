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
// A ticket entry holds the ticket number (its low 29 bits) and a state (the
// low three bits), so an entry reused by a later ticket is never mistaken
// for an earlier one:
// - WAITING, SLEEPING (the waiter sleeps on the entry: notify it);
// - GRANTED: it holds one permit;
// - CANCELLED: the waiter gave up and took nothing; whoever grants skips it;
// - SHUT: the channel closed while it waited.
// Every state keeps the ticket number. (An earlier version wrote one marker
// value, -1, for a closed entry; ticket 0x3fffffff cancelled encoded to that
// same -1, and the head stopped there for good, as before a closed entry.
// No state uses all three low bits, so -1, the value of an entry that holds
// no ticket yet, now matches no ticket.)
// The head ticket moves past an entry only once the entry is GRANTED or
// CANCELLED (never past a CLOSED one), and an entry is reused only once the
// head has moved past it. So a waiter that finds its entry overwritten by a
// later ticket knows it was granted (it did not cancel itself).
//
// The "somebody waits" flag lets the uncontended paths stay short:
// `tryAcquire` is a load and one compare-and-exchange that it does not try
// when the flag is set (no barging), and `release` is one add that only
// drains the queue when the flag was set. (`tryAcquire` once subtracted
// first and added back on failure; meanwhile the count read one low, so a
// concurrent `trySend` could see "full" while a permit was free.) A waiter sets the flag after publishing
// its ticket; whoever finds the queue empty clears it, then looks again.
//
// No locks: every change is one compare-and-exchange, and a thread that
// finds another half way (an entry granted, the head not yet moved) helps
// it along. At most `ticketEntries` senders wait in the ring; when it is
// full, later ones wait for room (`W_RING_MOVED`) before taking a ticket.
// Where the words live is `shared_layout.ts`'s table.

import {
  type AtomicOps,
  type Layout,
  W_HEAD_TICKET,
  W_NEXT_TICKET,
  W_OVERFLOW,
  W_PERMITS,
  W_RING_MOVED,
} from "./shared_layout.ts";

/** Ticket entry states (the entry's low three bits). */
export const WAITING = 0;
export const SLEEPING = 1;
export const GRANTED = 2;
export const CANCELLED = 3;
/** The channel closed while the ticket waited. */
export const SHUT = 4;
const STATE_BITS = 3;
const STATE_MASK = 7;
const TICKET_MASK = 0x1fffffff;

/** Outcomes of {@linkcode SharedSemaphore.tryAcquire} and `poll`. */
export const ACQUIRED = 0;
export const NO_PERMITS = 1;
export const CLOSED = 2;
export const PENDING = 3;

/** {@linkcode SharedSemaphore.enqueue}: the ring of tickets is full. */
export const RING_FULL = -1;
/** {@linkcode SharedSemaphore.enqueue}: the semaphore is closed. */
export const RING_CLOSED = -2;

/** `W_PERMITS` flag: the semaphore is closed. */
const CLOSED_BIT = 1;
/** `W_PERMITS` flag: some ticket may be waiting. */
const WAITERS_BIT = 2;
/** One permit, in `W_PERMITS` units. */
const ONE = 4;

/** The entry value for `ticket` in `state`. */
export function entryOf(ticket: number, state: number): number {
  return ((ticket & TICKET_MASK) << STATE_BITS) | state;
}

/** Whether `entry` is ticket `ticket`'s (in any state). */
function isTicket(entry: number, ticket: number): boolean {
  // State 7 is no state: `NO_TICKET_ENTRY` (-1) holds it.
  return (entry >>> STATE_BITS) === (ticket & TICKET_MASK) &&
    (entry & STATE_MASK) !== STATE_MASK;
}

/** The permit-counting semaphore of one shared channel. */
export class SharedSemaphore {
  readonly i32: Int32Array;
  readonly ops: AtomicOps;
  readonly capacity: number;
  readonly ticketsAt: number;
  readonly ticketMask: number;
  /**
   * Called when a permit given back finds the semaphore closed: the
   * receiver may be waiting for the last permit to come home.
   */
  onClosedRelease: (() => void) | undefined = undefined;

  constructor(i32: Int32Array, layout: Layout, ops: AtomicOps) {
    this.i32 = i32;
    this.capacity = layout.capacity;
    this.ticketsAt = layout.ticketsAt;
    this.ticketMask = layout.ticketEntries - 1;
    this.ops = ops;
  }

  /** The number of free permits. */
  available(): number {
    return this.ops.load(this.i32, W_PERMITS) >> 2;
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
    const { i32, ops } = this;
    for (;;) {
      // Decided on a load, written only on success: a failing call never
      // moves the count, so nobody sees it one low.
      const word = ops.load(i32, W_PERMITS);
      if (word & CLOSED_BIT) return CLOSED;
      if (word & WAITERS_BIT || word < ONE) return NO_PERMITS;
      if (ops.compareExchange(i32, W_PERMITS, word, word - ONE) === word) {
        // Invariant: the caller holds one permit.
        return ACQUIRED;
      }
    }
  }

  /**
   * Takes up to `n` permits now, as many as are free, if nobody waits for
   * one. Returns how many (0: none free, or senders wait), or -1 if closed.
   */
  tryAcquireUpTo(n: number): number {
    const { i32, ops } = this;
    for (;;) {
      const word = ops.load(i32, W_PERMITS);
      if (word & CLOSED_BIT) return -1;
      if (word & WAITERS_BIT || word < ONE) return 0;
      const take = Math.min(n, word >> 2);
      if (
        ops.compareExchange(i32, W_PERMITS, word, word - take * ONE) === word
      ) {
        // Invariant: the caller holds `take` permits.
        return take;
      }
    }
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
   * Takes a ticket and writes its entry. Returns the ticket (from 0), or
   * {@linkcode RING_FULL} (the caller waits for room with
   * `beginRingWait`, then tries again), or {@linkcode RING_CLOSED}.
   */
  enqueue(): number {
    const { i32, ops } = this;
    for (;;) {
      if (this.isClosed()) return RING_CLOSED;
      const next = ops.load(i32, W_NEXT_TICKET);
      const head = ops.load(i32, W_HEAD_TICKET);
      if (((next - head) | 0) > this.ticketMask) return RING_FULL;
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
      // Ticket numbers wrap round 2^32; the sign bit is dropped so that a
      // ticket never reads as one of the negative outcomes (every use of a
      // ticket reads only its low bits).
      return next & 0x7fffffff;
    }
  }

  /**
   * Announces a sender that found the ring full and is about to sleep until
   * it may have room. Returns the value to sleep on at `W_RING_MOVED`: loaded
   * after the count goes up, so a ticket moving or a close after this call
   * either sees the count (and bumps the word) or happened before the load.
   * Call `enqueue` once more before sleeping, and `endRingWait` after.
   */
  beginRingWait(): number {
    const { i32, ops } = this;
    ops.add(i32, W_OVERFLOW, 1);
    return ops.load(i32, W_RING_MOVED);
  }

  /** Ends a `beginRingWait`. */
  endRingWait(): void {
    this.ops.sub(this.i32, W_OVERFLOW, 1);
  }

  /** Wakes the senders waiting for room in the ring, if any. */
  #ringMoved(): void {
    const { i32, ops } = this;
    if (ops.load(i32, W_OVERFLOW) > 0) {
      ops.add(i32, W_RING_MOVED, 1);
      // Every sleeper looks again; on each thread only one sleeps per
      // channel handle's core (`shared_chan.ts` queues the rest locally),
      // so this wakes one per thread, not one per sender.
      ops.notify(i32, W_RING_MOVED);
    }
  }

  /**
   * The state of `ticket`: ACQUIRED (granted: the caller holds a permit),
   * CLOSED, or PENDING.
   */
  poll(ticket: number): number {
    const entry = this.ops.load(this.i32, this.#entryIndex(ticket));
    // A later ticket reuses the entry only once the head has moved past
    // this one, which it does only past a granted or cancelled entry: a
    // waiter that did not cancel was granted.
    if (!isTicket(entry, ticket)) return ACQUIRED;
    const state = entry & STATE_MASK;
    if (state === GRANTED) return ACQUIRED;
    if (state === CANCELLED || state === SHUT) return CLOSED;
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
    // A close moves no ticket, but senders waiting for room in the ring
    // must wake to fail: the word they sleep on changes.
    this.#ringMoved();
    // Invariant: every ticket published before the close is failed or was
    // granted; later ones fail themselves in `enqueue`; every sender
    // waiting for the ring loaded `W_RING_MOVED` before this bump, or will
    // find the channel closed in `enqueue`.
    return true;
  }

  /** Fails `ticket` if it still waits. */
  #closeEntry(ticket: number): void {
    const { i32, ops } = this;
    const index = this.#entryIndex(ticket);
    for (const state of [WAITING, SLEEPING]) {
      const expected = entryOf(ticket, state);
      if (
        ops.compareExchange(i32, index, expected, entryOf(ticket, SHUT)) ===
          expected
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
      // Not yet published (its waiter drains once it is), or closed (the
      // head never moves past a closed ticket).
      if (!isTicket(entry, head)) return;
      const state = entry & STATE_MASK;
      if (state === SHUT) return;
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
      ops.compareExchange(i32, W_HEAD_TICKET, head, (head + 1) | 0) === head
    ) {
      // Invariant: the ring has one more free entry.
      this.#ringMoved();
    }
  }

  #entryIndex(ticket: number): number {
    return this.ticketsAt + (ticket & this.ticketMask);
  }
}
