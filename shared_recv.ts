// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared receiver's two halves: reading messages from the shared list (the storage), and its line of waiting calls.
// Internal: not exported from the package.
//
// `SharedSource` is the storage: it decodes slots from the shared list, tells
// when the stream has ended, and wakes its owner with `Atomics.waitAsync`
// when a producer publishes. It knows nothing of calls. `RecvLine` is the
// line of receive calls of this thread, in call order, served from the
// source. The split is the seam for the one receive engine: the line is
// what the in-process channel's engine (`chan.ts`) will replace, with the
// source plugged in as its storage and `wake()` as its "serve the line"
// step.

import { park, type Parked } from "./budget.ts";
import { bufferRefused } from "./_args.ts";
import type { SharedCore } from "./shared_chan.ts";
import { W_RX_SLEEP } from "./shared_layout.ts";
import { TimedWaiter, WordSleeper } from "./shared_wait.ts";
import { type Waiter, WaiterQueue } from "./waiter.ts";

/** What `SharedSource.pop` returns when no message is ready. */
export const EMPTY: unique symbol = Symbol("empty");

/** The receiving side of the shared list, for the one receiver. */
export class SharedSource<T> {
  readonly core: SharedCore<T>;
  // Slots from the head on that a load of the ready bits showed published
  // and that are not read yet. Invariant: `#run` slots from the head are
  // published.
  #run = 0;
  // Whether a codec's `decode` or a buffer's `push` runs: user code that
  // may call back into the receiver while the head slot is not yet read.
  // Meanwhile nothing is taken (receives wait or report "empty").
  busy = false;
  // Set by `discard()`: the receiver is gone; user code that ran during a
  // read must not move the head again.
  #gone = false;
  #sleeper: WordSleeper;

  /** `wake` runs when a producer may have published or the state changed. */
  constructor(core: SharedCore<T>, wake: () => void) {
    this.core = core;
    this.#sleeper = new WordSleeper(core.i32, W_RX_SLEEP, wake);
  }

  /** Whether the receiver was disposed (by user code during a read, say). */
  get gone(): boolean {
    return this.#gone;
  }

  /** Takes the message at the head, or EMPTY. */
  pop(): T | typeof EMPTY {
    if (this.busy) return EMPTY;
    const core = this.core;
    const list = core.list;
    // One load of a block's ready bits serves the whole published run.
    while (this.#run > 0 || (this.#run = list.readyRun()) > 0) {
      this.#run--;
      const slot = list.headSlot;
      const length = list.length(slot);
      this.busy = true;
      try {
        if (length >= 0) {
          return core.codec.decode(
            core.u8,
            core.view,
            list.payloadAt(slot),
            length,
          );
        }
      } finally {
        this.busy = false;
        // A decode that disposed the receiver discarded the slot already.
        if (!this.#gone) {
          list.advance();
          core.sem.release(1);
        }
      }
    }
    return EMPTY;
  }

  /**
   * Appends up to `limit` messages to `buffer`; returns how many. Each
   * message is decoded and pushed before the head moves past its slot, so
   * a message the buffer refuses stays first: with some appended already
   * the count so far is returned, else the buffer's refusal is thrown as a
   * `TypeError` naming it. A message that fails to decode is skipped, as
   * by `pop`, and its error thrown, unless some were appended: then the
   * count so far is returned and the message stays first.
   */
  popMany(buffer: unknown[], limit: number): number {
    if (this.busy) return 0;
    const core = this.core;
    const { list, codec, u8, view } = core;
    let count = 0;
    let taken = 0;
    this.busy = true;
    try {
      while (
        count < limit && (this.#run > 0 || (this.#run = list.readyRun()) > 0)
      ) {
        this.#run--;
        const slot = list.headSlot;
        const length = list.length(slot);
        if (length < 0) {
          list.advance();
          taken++;
          continue;
        }
        let value: unknown;
        try {
          value = codec.decode(u8, view, list.payloadAt(slot), length);
        } catch (error) {
          if (this.#gone) return count;
          if (count > 0) {
            this.#run++;
            return count;
          }
          list.advance();
          taken++;
          throw error;
        }
        const before = buffer.length;
        try {
          buffer.push(value);
        } catch {
          if (this.#gone) return count;
          this.#run++;
          try {
            buffer.length = before;
          } catch {
            // A buffer that refuses to shrink keeps what it took; the
            // channel still has the message.
          }
          if (count > 0) return count;
          throw bufferRefused();
        }
        count++;
        // A push that disposed the receiver discarded the slot already.
        if (this.#gone) return count;
        list.advance();
        taken++;
      }
    } finally {
      this.busy = false;
      if (taken > 0 && !this.#gone) core.sem.release(taken);
    }
    return count;
  }

  /** Whether the head slot is published. */
  ready(): boolean {
    return this.core.list.ready();
  }

  /**
   * Whether the stream has ended: every strong sender is gone, or the
   * channel is closed and every permit is back; and the head slot is empty.
   */
  finished(): boolean {
    const { sem, list, capacity } = this.core;
    if (
      this.core.senders() !== 0 &&
      !(sem.isClosed() && sem.available() === capacity)
    ) {
      return false;
    }
    // Loaded after the count: a sender publishes before it leaves.
    return !list.ready();
  }

  /**
   * Arranges for `wake` to run once a producer publishes or the channel's
   * state changes. Returns false if something is ready now instead (serve
   * at once).
   */
  sleep(): boolean {
    if (this.#sleeper.pending) return true;
    const i32 = this.core.i32;
    // A short spin: an async sleep costs a promise, a timer and a wake-up
    // from the other side. Shorter than the blocking spin, since this
    // thread's event loop waits meanwhile.
    for (let spin = 0; spin < 32; spin++) {
      if (this.ready()) return false;
    }
    // Announce the sleep before the last look, so that a producer either
    // sees the flag or this sees its ready bit.
    Atomics.store(i32, W_RX_SLEEP, 1);
    if (this.ready() || this.finished() || !this.#sleeper.sleep(1)) {
      Atomics.store(i32, W_RX_SLEEP, 0);
      return false;
    }
    return true;
  }

  /** Ends a pending sleep: nobody waits any more. */
  endSleep(): void {
    if (
      this.#sleeper.pending && Atomics.exchange(this.core.i32, W_RX_SLEEP, 0)
    ) {
      Atomics.notify(this.core.i32, W_RX_SLEEP);
    }
  }

  /**
   * Blocks until a message may be ready, the stream may have ended, or
   * `deadline` passes (returns false then).
   */
  blockUntilReady(deadline: number): boolean {
    const { i32, spinner } = this.core;
    let spin = spinner.budget;
    while (spin > 0 && !this.ready()) spin--;
    spinner.done(spin > 0);
    if (spin > 0) return true;
    Atomics.store(i32, W_RX_SLEEP, 1);
    if (!this.ready() && !this.finished()) {
      const left = deadline - performance.now();
      if (left <= 0) {
        Atomics.store(i32, W_RX_SLEEP, 0);
        return false;
      }
      Atomics.wait(i32, W_RX_SLEEP, 1, left);
    }
    Atomics.store(i32, W_RX_SLEEP, 0);
    return true;
  }

  /** Discards what is buffered, giving the room back: the receiver goes. */
  discard(): void {
    this.#gone = true;
    const { list, sem } = this.core;
    let taken = 0;
    while (list.ready()) {
      list.advance();
      taken++;
    }
    if (taken > 0) sem.release(taken);
    this.endSleep();
  }
}

const NOT_ABORTED: unique symbol = Symbol("not aborted");

/** A receive call waiting on this thread. */
export class RecvCall extends TimedWaiter<unknown> {
  readonly line: RecvLine<unknown>;
  /** Where `recvMany` appends, or undefined for one message. */
  readonly buffer: unknown[] | undefined;
  readonly limit: number;
  /** What the call resolves with once the channel is finished. */
  readonly finishedWith: unknown;

  constructor(
    line: RecvLine<unknown>,
    buffer: unknown[] | undefined,
    limit: number,
    finishedWith: unknown,
  ) {
    super();
    this.line = line;
    this.buffer = buffer;
    this.limit = limit;
    this.finishedWith = finishedWith;
  }

  /** An abort that came while this call was being served (see `abort`). */
  abortReason: unknown = NOT_ABORTED;

  abort(reason: unknown): void {
    // While the line serves this call, user code (a decode, a push) may
    // abort it after it took a message: the take is final, so the abort
    // waits for the serving step to see whether it took anything.
    if (this.line.serving === this) {
      this.abortReason = reason;
      return;
    }
    this.line.leave(this);
    this.reject(reason);
  }

  expire(): void {}
}

/** The line's place in the budget's queue of parked calls. */
class ParkedRecv implements Parked {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly line: RecvLine<unknown>;

  constructor(line: RecvLine<unknown>) {
    this.line = line;
  }

  resume(): void {
    this.line.resumed();
  }
}

/** The receiver's waiting calls, in call order, served from its source. */
export class RecvLine<T> {
  readonly source: SharedSource<T>;
  readonly calls: WaiterQueue<RecvCall> = new WaiterQueue();
  /** The call being served while user code runs, if any. */
  serving: RecvCall | undefined = undefined;
  #parkedRecv: ParkedRecv | undefined;
  #parked = false;

  constructor(core: SharedCore<T>) {
    this.source = new SharedSource(core, () => this.serve());
  }

  /** Whether a receive call waits (or is parked). */
  get pending(): boolean {
    return this.calls.length > 0;
  }

  /** Queues a receive call; `parkFirst`: the budget's slice is spent. */
  wait(
    buffer: unknown[] | undefined,
    limit: number,
    finishedWith: unknown,
    signal: AbortSignal | undefined,
    parkFirst: boolean,
  ): Promise<unknown> {
    const call = new RecvCall(
      this as RecvLine<unknown>,
      buffer,
      limit,
      finishedWith,
    );
    call.arm(signal, Infinity);
    this.calls.push(call);
    if (parkFirst && !this.#parked) {
      this.#parked = true;
      park(this.#parkedRecv ??= new ParkedRecv(this as RecvLine<unknown>));
    }
    this.serve();
    return call.promise;
  }

  /** The budget's refill. */
  resumed(): void {
    this.#parked = false;
    this.serve();
  }

  /** Forgets an aborted call. */
  leave(call: RecvCall): void {
    this.calls.remove(call);
    if (this.calls.length === 0) this.source.endSleep();
  }

  /** Serves the waiting calls in order; sleeps if some are left. */
  serve(): void {
    // Called again from user code that runs while a call is served (a
    // decode that closes the receiver): the loop running goes on.
    if (this.serving !== undefined) return;
    const source = this.source;
    for (;;) {
      let call;
      while (
        !this.#parked && !source.gone &&
        (call = this.calls.peek()) !== undefined
      ) {
        let result: unknown;
        let wait = false;
        this.serving = call;
        try {
          if (call.buffer === undefined) {
            const value = source.pop();
            if (value === EMPTY) {
              if (source.busy || !source.finished()) wait = true;
              else result = call.finishedWith;
            } else {
              result = value;
            }
          } else if (call.limit === 0) {
            // A `recvMany(buffer, 0)` that was parked by the budget.
            result = 0;
          } else {
            const count = source.popMany(call.buffer, call.limit);
            if (count === 0 && (source.busy || !source.finished())) {
              wait = true;
            } else {
              result = count;
            }
          }
        } catch (error) {
          this.serving = undefined;
          // User code may have disposed the receiver, settling every call.
          if (this.calls.peek() === call) {
            this.calls.shift();
            call.reject(error);
          }
          continue;
        } finally {
          this.serving = undefined;
        }
        // User code (a decode, a push) may have disposed the receiver,
        // which settled every call.
        if (this.calls.peek() !== call) continue;
        if (wait) {
          if (call.abortReason === NOT_ABORTED) break;
          // Aborted while served, and it took nothing: the abort stands.
          this.calls.shift();
          call.reject(call.abortReason);
          continue;
        }
        this.calls.shift();
        call.resolve(result);
      }
      if (this.#parked || source.gone) return;
      if (this.calls.length === 0) {
        // Nobody waits any more: end a sleep left pending (a close settled
        // the last call), so no wait keeps the event loop alive.
        source.endSleep();
        return;
      }
      if (source.busy || source.sleep()) return;
    }
  }

  /** Settles every waiting call as finished: the receiver is disposed. */
  finishAll(): void {
    let call;
    while ((call = this.calls.shift()) !== undefined) {
      call.resolve(call.buffer === undefined ? call.finishedWith : 0);
    }
  }
}
