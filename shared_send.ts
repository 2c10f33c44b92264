// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// A shared sender's line of waiting calls: sends and reservations that wait for room, in call order, async or blocking.
// Internal: not exported from the package.
//
// Each `SharedSender` handle has one line. A call that cannot complete at
// once (no room, a call of the handle already waiting, or the budget
// spent) joins the line; only the call at the head asks for room: it takes
// a ticket in the shared semaphore (`shared_semaphore.ts`), or waits in the
// core's queue for room in the ticket ring, then sleeps on its ticket's
// entry. So a handle's messages keep their call order, whichever thread
// grants them room.
//
// A blocking call (`blockingSend`) of a handle whose line is not empty
// drives the line itself, in order, blocking on each call's ticket: the
// event loop that would drive it is the thread it blocks. At its own time
// limit it stops: the calls it completed stay complete, the head keeps its
// ticket (or its place for one), and the async driver carries on. A call
// whose own deadline passes meanwhile times out as it would have.
//
// Which state is whose: the semaphore's words are shared; a call's ticket,
// the line's place in the core's ring queue (`#inRing`) and the budget
// parking (`#parked`) are this thread's, changed only here.

import { park, type Parked } from "./budget.ts";
import {
  NO_TICKET_IN_TIME,
  type RingSeat,
  type SharedCore,
} from "./shared_chan.ts";
import {
  ACQUIRED,
  CLOSED,
  PENDING,
  RING_CLOSED,
  RING_FULL,
} from "./shared_semaphore.ts";
import { ABORTED, TIMED_OUT, TimedWaiter, WordSleeper } from "./shared_wait.ts";
import { type Waiter, WaiterQueue } from "./waiter.ts";

/** A call without a ticket. */
const NO_TICKET = -1;

/**
 * A send or reservation waiting in its handle's line. The subclass says
 * what a granted permit becomes (`granted`) and how the call fails.
 */
export abstract class SendCall<T, R> extends TimedWaiter<R> {
  line: SendLine<T> | undefined = undefined;
  /** Its ticket while it is the head and waits for a grant. */
  ticket = NO_TICKET;

  /** Holds a permit now: sends its value or resolves with a permit. */
  abstract granted(): void;
  /** Failed: `CLOSED`, `TIMED_OUT`, or `ABORTED` with `reason`. */
  abstract failed(how: number, reason: unknown): void;

  abort(reason: unknown): void {
    this.line!.giveUp(this as SendCall<T, unknown>, ABORTED, reason);
  }

  expire(): void {
    this.line!.giveUp(this as SendCall<T, unknown>, TIMED_OUT, undefined);
  }
}

/** The line's place in the core's queue for room in the ticket ring. */
class Seat implements RingSeat {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly line: SendLine<unknown>;

  constructor(line: SendLine<unknown>) {
    this.line = line;
  }

  ticket(ticket: number): void {
    this.line.ticketed(ticket);
  }
}

/** The line's place in the budget's queue of parked calls. */
class ParkedLine implements Parked {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly line: SendLine<unknown>;

  constructor(line: SendLine<unknown>) {
    this.line = line;
  }

  resume(): void {
    this.line.resumed();
  }
}

/** One sender handle's waiting calls, in call order. */
export class SendLine<T> {
  readonly core: SharedCore<T>;
  readonly calls: WaiterQueue<SendCall<T, unknown>> = new WaiterQueue();
  #seat: Seat | undefined;
  #inRing = false;
  #parkedLine: ParkedLine | undefined;
  #parked = false;
  // Re-entry guard: a call's completion runs user code (the codec, a
  // promise's `then`) that may call back into this line.
  #busy = false;
  #again = false;

  constructor(core: SharedCore<T>) {
    this.core = core;
  }

  /** Whether any call of the handle waits. */
  get length(): number {
    return this.calls.length;
  }

  /**
   * Queues `call`. With `parkFirst`, the line waits for the budget's refill
   * before it asks for room (the turn has run its slice).
   */
  start(
    call: SendCall<T, unknown>,
    signal: AbortSignal | undefined,
    deadline: number,
    parkFirst: boolean,
  ): void {
    call.line = this;
    call.arm(signal, deadline);
    this.calls.push(call);
    if (parkFirst && !this.#parked) {
      this.#parked = true;
      park(this.#parkedLine ??= new ParkedLine(this as SendLine<unknown>));
    }
    this.advance();
  }

  /** The budget's refill: the line may go on. */
  resumed(): void {
    this.#parked = false;
    this.advance();
  }

  /** The core took a ticket for this line's head (or the channel closed). */
  ticketed(ticket: number): void {
    this.#inRing = false;
    const call = this.calls.peek();
    if (call === undefined || call.ticket !== NO_TICKET) {
      // Nobody to use it (cannot happen while the seat leaves the queue
      // with the last call): give it up, handing on a grant.
      if (ticket >= 0 && !this.core.sem.cancel(ticket)) {
        this.core.releasePermit();
      }
      return;
    }
    if (ticket !== RING_CLOSED) call.ticket = ticket;
    else this.#finish(call, CLOSED);
    this.advance();
  }

  /** Serves the head call as far as it can go without waiting. */
  advance(): void {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#again = false;
        this.#step();
      } while (this.#again);
    } finally {
      this.#busy = false;
    }
  }

  #step(): void {
    const core = this.core;
    const sem = core.sem;
    let call;
    while ((call = this.calls.peek()) !== undefined && !this.#parked) {
      if (call.ticket === NO_TICKET) {
        if (this.#inRing) return;
        const state = sem.tryAcquire();
        if (state !== ACQUIRED && state !== CLOSED) {
          // Marked first: the core may hand the seat its ticket before
          // `ticketFor` returns (`ticketed` then clears the mark and asks
          // for another pass).
          this.#inRing = true;
          const ticket = core.ticketFor(
            this.#seat ??= new Seat(this as SendLine<unknown>),
          );
          if (ticket === RING_FULL) return;
          this.#inRing = false;
          if (ticket !== RING_CLOSED) {
            call.ticket = ticket;
            continue;
          }
        }
        this.#finish(call, state === ACQUIRED ? ACQUIRED : CLOSED);
        continue;
      }
      const state = sem.poll(call.ticket);
      if (state !== PENDING) {
        this.#finish(call, state);
        continue;
      }
      const value = sem.prepareSleep(call.ticket);
      if (value === undefined) continue;
      // One sleep per waiting ticket; its wake (or a stale one) just looks
      // again.
      const sleeper = new WordSleeper(
        core.i32,
        sem.entryIndex(call.ticket),
        () => this.advance(),
      );
      if (sleeper.sleep(value)) return;
    }
  }

  /** Takes the head call out and settles it: ACQUIRED or CLOSED. */
  #finish(call: SendCall<T, unknown>, state: number): void {
    this.calls.remove(call);
    call.ticket = NO_TICKET;
    this.#leaveRingIfIdle();
    if (state === ACQUIRED) call.granted();
    else call.failed(CLOSED, undefined);
  }

  #leaveRingIfIdle(): void {
    if (this.#inRing && this.calls.length === 0) {
      this.#inRing = false;
      this.core.leaveRing(this.#seat!);
    }
  }

  /** A call gave up (aborted or timed out): it takes nothing. */
  giveUp(call: SendCall<T, unknown>, how: number, reason: unknown): void {
    const head = this.calls.peek() === call;
    if (head && call.ticket !== NO_TICKET) {
      // Giving up the ticket wakes its sleep (if any). If it was granted
      // first, the grant is final: the call completes.
      const ticket = call.ticket;
      if (!this.core.sem.cancel(ticket)) {
        this.#finish(call, ACQUIRED);
        this.advance();
        return;
      }
    }
    this.calls.remove(call);
    call.ticket = NO_TICKET;
    this.#leaveRingIfIdle();
    call.failed(how, reason);
    if (head) this.advance();
  }

  /**
   * Drives the line to empty, blocking the thread, until `deadline`.
   * Returns false if the deadline came first (the calls left wait on, for
   * the async driver).
   */
  drainSync(deadline: number): boolean {
    if (this.#busy) return false;
    const core = this.core;
    this.#busy = true;
    try {
      let call;
      while ((call = this.calls.peek()) !== undefined) {
        const until = Math.min(deadline, call.deadline);
        if (call.ticket === NO_TICKET) {
          if (this.#inRing) {
            this.#inRing = false;
            core.leaveRing(this.#seat!);
          }
          let state = core.sem.tryAcquire();
          if (state !== ACQUIRED && state !== CLOSED) {
            const ticket = core.ticketSync(until);
            if (ticket === NO_TICKET_IN_TIME) {
              if (performance.now() < call.deadline) return false;
              this.calls.remove(call);
              call.failed(TIMED_OUT, undefined);
              continue;
            }
            if (ticket !== RING_CLOSED) {
              call.ticket = ticket;
              continue;
            }
            state = CLOSED;
          }
          this.#finish(call, state);
          continue;
        }
        const own = call.deadline <= deadline;
        const state = core.awaitTicketSync(call.ticket, until, own);
        if (state !== TIMED_OUT) {
          this.#finish(call, state);
          continue;
        }
        if (!own) return false;
        this.calls.remove(call);
        call.ticket = NO_TICKET;
        call.failed(TIMED_OUT, undefined);
      }
      return true;
    } finally {
      this.#busy = false;
      // What is left goes on asynchronously.
      if (this.calls.length > 0) this.advance();
    }
  }
}
