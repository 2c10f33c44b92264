// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's core: its memory seen from one thread, writing a message, waiting for room, and tokens.
// Internal: not exported from the package.
//
// A `SharedCore` is one thread's view of a channel's buffer: the typed views,
// the list (`shared_list.ts`), the semaphore (`shared_semaphore.ts`) and the
// codec. Every handle of the channel on this thread that came from the same
// handle (`clone()`) shares one core; a handle adopted from a token gets its
// own. The core owns what this thread's waiting calls share: the queue of
// send lines waiting for room in the ticket ring (one sleep on
// `W_RING_MOVED` for all of them) and the `closed()` waiters (one sleep on
// `W_STATE`). A sender's line of calls lives in `shared_send.ts`; the
// receiver's is the in-process engine's (`chan.ts`, through
// `shared_recv.ts`).

import { describe } from "./_args.ts";
import { type Codec, codecs } from "./shared_codec.ts";
import {
  ATOMICS,
  initialize,
  type Layout,
  layoutOf,
  MAX_BUFFER_BYTES,
  readLayout,
  TOKEN_ENTRIES,
  W_CODEC,
  W_RING_MOVED,
  W_SENDERS,
  W_STATE,
  W_TOKEN_SERIAL,
} from "./shared_layout.ts";
import { SharedList } from "./shared_list.ts";
import {
  ACQUIRED,
  CLOSED,
  PENDING,
  RING_CLOSED,
  RING_FULL,
  SharedSemaphore,
} from "./shared_semaphore.ts";
import { Spinner, TIMED_OUT, TimedWaiter, WordSleeper } from "./shared_wait.ts";
import { type Waiter, WaiterQueue } from "./waiter.ts";
import type { AdoptOptions, SharedSenderToken } from "./shared_options.ts";

/**
 * {@linkcode SharedCore.ticketSync}: the time limit passed first. Negative,
 * like the semaphore's `RING_FULL` and `RING_CLOSED`, so that it is never a
 * ticket.
 */
export const NO_TICKET_IN_TIME = -3;

/** Marks a token as one of this module's. */
export const TOKEN_TYPE = "@seed/mpsc/shared";

function tooLarge(length: number, limit: number): RangeError {
  return new RangeError(
    `Cannot send value: its encoding takes ${length} bytes, more than slotBytes (${limit})`,
  );
}

/**
 * A send line waiting for room in the ticket ring: it stands in the core's
 * queue, and `ticket` hands it the ticket taken for it (or `RING_CLOSED`).
 */
export interface RingSeat extends Waiter {
  ticket(ticket: number): void;
}

/** A `closed()` call waiting on this thread. */
class ClosedWait extends TimedWaiter<void> {
  readonly core: SharedCore<unknown>;

  constructor(core: SharedCore<unknown>) {
    super();
    this.core = core;
  }

  abort(reason: unknown): void {
    this.core.leaveClosed(this);
    this.reject(reason);
  }

  expire(): void {}
}

/** Everything a handle needs to reach the channel. */
export class SharedCore<T> {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly layout: Layout;
  readonly list: SharedList;
  readonly sem: SharedSemaphore;
  readonly codec: Codec<T>;
  readonly capacity: number;
  readonly slotBytes: number;
  /** This thread's spin budget before it blocks. */
  readonly spinner: Spinner = new Spinner();
  // Send lines of this thread waiting for room in the ticket ring, in the
  // order they found it full; one sleep on `W_RING_MOVED` serves them all,
  // so a ticket moving wakes one sleeper per thread, not one per sender.
  #seats = new WaiterQueue<RingSeat>();
  #ringSleeper: WordSleeper;
  #serving = false;
  // `closed()` calls of this thread, behind one sleep on `W_STATE`.
  #closedWaits = new WaiterQueue<ClosedWait>();
  #stateSleeper: WordSleeper;

  constructor(buffer: SharedArrayBuffer, layout: Layout, codec: Codec<T>) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.layout = layout;
    this.list = new SharedList(this.i32, layout, ATOMICS);
    this.sem = new SharedSemaphore(this.i32, layout, ATOMICS);
    this.sem.onClosedRelease = () => this.list.wakeReceiver();
    this.codec = codec;
    this.capacity = layout.capacity;
    this.slotBytes = layout.slotBytes;
    this.#ringSleeper = new WordSleeper(this.i32, W_RING_MOVED, () => {
      this.sem.endRingWait();
      this.#serveRing();
    });
    this.#stateSleeper = new WordSleeper(
      this.i32,
      W_STATE,
      () => this.#serveClosed(),
    );
  }

  // -- Sending --

  /**
   * Sends `value` with a permit the caller holds. If the codec fails or the
   * encoding does not fit, the claimed slot is published as empty (the
   * receiver skips it and gives its permit back) and the error is thrown:
   * nothing is sent.
   */
  write(value: T): void {
    const list = this.list;
    const position = list.claim();
    if (!list.check(position)) {
      throw new Error("Cannot send value: shared channel memory is corrupt");
    }
    const slot = list.slotOf(position);
    const limit = this.slotBytes;
    let length = -1;
    try {
      length = this.codec.encode(
        value,
        this.u8,
        this.view,
        list.payloadAt(slot),
        limit,
      );
      if (!(length >= 0 && length <= limit && Number.isInteger(length))) {
        throw tooLarge(length, limit);
      }
    } catch (error) {
      length = -1;
      throw error;
    } finally {
      list.setLength(slot, length);
      list.publish(position);
      list.wakeReceiver();
    }
  }

  /**
   * Sends `count` values from `values[start]` on with as many permits the
   * caller holds: one claim, one ready-bit write per block and one wake-up
   * for the run. If the codec fails on a value (or its encoding does not
   * fit), that slot and the rest of the run are published as empty (the
   * receiver skips them and gives their permits back) and the error is
   * thrown: the values before it are sent.
   */
  writeMany(values: readonly T[], start: number, count: number): void {
    const list = this.list;
    const first = list.claimMany(count);
    const { codec, u8, view } = this;
    const limit = this.slotBytes;
    let failed = false;
    let failure: unknown;
    try {
      for (let i = 0; i < count; i++) {
        const position = (first + i) % list.period;
        const slot = list.slotOf(position);
        let length = -1;
        if (!failed) {
          try {
            if (!list.check(position)) {
              throw new Error(
                "Cannot send value: shared channel memory is corrupt",
              );
            }
            length = codec.encode(
              values[start + i]!,
              u8,
              view,
              list.payloadAt(slot),
              limit,
            );
            if (!(length >= 0 && length <= limit && Number.isInteger(length))) {
              throw tooLarge(length, limit);
            }
          } catch (error) {
            failed = true;
            failure = error;
            length = -1;
          }
        }
        list.setLength(slot, length);
      }
    } finally {
      list.publishMany(first, count);
      list.wakeReceiver();
    }
    if (failed) throw failure;
  }

  /**
   * Throws if the codec can tell, before any room is taken, that `value`
   * cannot be sent: a `RangeError` if too large, or the codec's error.
   */
  check(value: T): void {
    const codec = this.codec;
    if (codec.byteLengthOf === undefined) return;
    const length = codec.byteLengthOf(value);
    if (length > this.slotBytes) throw tooLarge(length, this.slotBytes);
  }

  /** Gives back one permit a sender held and did not use. */
  releasePermit(): void {
    // After a close, the receiver may be waiting for the last permits.
    if (this.sem.release(1)) this.list.wakeReceiver();
  }

  /** Whether the receiver closed the channel or was disposed. */
  isClosed(): boolean {
    return this.sem.isClosed() || Atomics.load(this.i32, W_STATE) !== 0;
  }

  /** The number of strong senders on every thread. */
  senders(): number {
    return Atomics.load(this.i32, W_SENDERS);
  }

  // -- Waiting for room in the ticket ring (async) --

  /**
   * Takes a ticket for `seat`: returns it, or `RING_CLOSED`, or `RING_FULL`
   * when the ring is full: then `seat` is queued and its `ticket` method is
   * called later (from a wake-up, or from this call, once the ring moved).
   */
  ticketFor(seat: RingSeat): number {
    if (this.#seats.length === 0) {
      const ticket = this.sem.enqueue();
      if (ticket !== RING_FULL) return ticket;
    }
    this.#seats.push(seat);
    this.#serveRing();
    return RING_FULL;
  }

  /** Takes `seat` out of the queue (its line has no call left). */
  leaveRing(seat: RingSeat): void {
    this.#seats.remove(seat);
    // Nobody of this thread waits: end the sleep (a pending sleep would
    // keep the event loop alive).
    if (this.#seats.length === 0) this.#ringSleeper.end();
  }

  /** Hands tickets to the queued seats in order; sleeps while it cannot. */
  #serveRing(): void {
    // A seat's line may queue its next call here (re-entry): the loop
    // running already serves it, and one announcement stands at a time.
    if (this.#serving) return;
    this.#serving = true;
    try {
      this.#serveRingOnce();
    } finally {
      this.#serving = false;
    }
  }

  #serveRingOnce(): void {
    const { sem } = this;
    while (this.#seats.length > 0 && !this.#ringSleeper.pending) {
      // Announced before the last tries, so a move after them wakes us.
      const moved = sem.beginRingWait();
      let seat;
      while ((seat = this.#seats.peek()) !== undefined) {
        const ticket = sem.enqueue();
        if (ticket === RING_FULL) break;
        this.#seats.shift();
        // May run user code (its line goes on): the loop reads afresh.
        seat.ticket(ticket);
      }
      if (this.#seats.length > 0 && this.#ringSleeper.sleep(moved)) return;
      sem.endRingWait();
    }
  }

  // -- Waiting for room, blocking --

  /**
   * Takes a ticket, blocking while the ring is full. Returns the ticket,
   * `RING_CLOSED`, or `NO_TICKET_IN_TIME`.
   */
  ticketSync(deadline: number): number {
    const { i32, sem } = this;
    for (;;) {
      let ticket = sem.enqueue();
      if (ticket !== RING_FULL) return ticket;
      const moved = sem.beginRingWait();
      ticket = sem.enqueue();
      if (ticket === RING_FULL) {
        const left = deadline - performance.now();
        if (left > 0) Atomics.wait(i32, W_RING_MOVED, moved, left);
      }
      sem.endRingWait();
      if (ticket !== RING_FULL) return ticket;
      if (performance.now() >= deadline) return NO_TICKET_IN_TIME;
    }
  }

  /**
   * Blocks until `ticket` is granted or closed, or `deadline` passes. On
   * time out, a `cancel`ling call gives the ticket up (unless granted
   * first: the grant is final); otherwise the ticket keeps waiting.
   * Returns ACQUIRED, CLOSED or TIMED_OUT.
   */
  awaitTicketSync(ticket: number, deadline: number, cancel: boolean): number {
    const { i32, sem, spinner } = this;
    let spin = spinner.budget;
    while (spin > 0 && sem.poll(ticket) === PENDING) spin--;
    spinner.done(spin > 0);
    for (;;) {
      const state = sem.poll(ticket);
      if (state !== PENDING) return state;
      const value = sem.prepareSleep(ticket);
      if (value === undefined) continue;
      const left = deadline - performance.now();
      if (left > 0) Atomics.wait(i32, sem.entryIndex(ticket), value, left);
      if (performance.now() < deadline) continue;
      if (sem.poll(ticket) !== PENDING) continue;
      if (!cancel) return TIMED_OUT;
      return sem.cancel(ticket) ? TIMED_OUT : ACQUIRED;
    }
  }

  /**
   * Waits for a permit, blocking the thread: ACQUIRED, CLOSED or TIMED_OUT.
   */
  acquireSync(deadline: number): number {
    const ticket = this.ticketSync(deadline);
    if (ticket === RING_CLOSED) return CLOSED;
    if (ticket === NO_TICKET_IN_TIME) return TIMED_OUT;
    return this.awaitTicketSync(ticket, deadline, true);
  }

  // -- closed() --

  /** Waits until the receiver closes the channel or is disposed. */
  waitClosed(signal: AbortSignal | undefined): Promise<void> {
    const wait = new ClosedWait(this as SharedCore<unknown>);
    wait.arm(signal, Infinity);
    this.#closedWaits.push(wait);
    this.#serveClosed();
    return wait.promise;
  }

  /** Forgets an aborted `closed()` call. */
  leaveClosed(wait: ClosedWait): void {
    this.#closedWaits.remove(wait);
    if (this.#closedWaits.length === 0) this.#stateSleeper.end();
  }

  #serveClosed(): void {
    while (this.#closedWaits.length > 0) {
      if (this.isClosed()) {
        let wait;
        while ((wait = this.#closedWaits.shift()) !== undefined) {
          wait.resolve();
        }
        return;
      }
      if (this.#stateSleeper.sleep(0)) return;
    }
  }
}

// -- Making and adopting cores --

/** The built-in codecs by the id a channel's header keeps (0: custom). */
const CODEC_IDS: readonly unknown[] = [
  undefined,
  codecs.bytes,
  codecs.number,
  codecs.string,
  codecs.json,
];

/** Checks that `codec` has the shape of a codec. */
export function checkCodec<T>(action: string, codec: unknown): Codec<T> {
  if (
    typeof codec !== "object" || codec === null ||
    typeof (codec as Codec<T>).encode !== "function" ||
    typeof (codec as Codec<T>).decode !== "function"
  ) {
    throw new TypeError(
      `${action}: options.codec must be a codec (an object with encode and decode methods), received ${
        describe(codec)
      }`,
    );
  }
  return codec as Codec<T>;
}

/**
 * Allocates and initializes a channel's buffer (one strong sender); returns
 * its core.
 */
export function createCore<T>(
  action: string,
  capacity: number,
  slotBytes: number,
  codec: Codec<T>,
): SharedCore<T> {
  if (typeof SharedArrayBuffer !== "function") {
    throw new TypeError(
      `${action}: SharedArrayBuffer is not available (a browser page needs cross-origin isolation: Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers)`,
    );
  }
  const layout = layoutOf(capacity, slotBytes);
  if (layout.byteLength > MAX_BUFFER_BYTES) {
    throw new RangeError(
      `${action}: capacity × slotBytes must fit in ${MAX_BUFFER_BYTES} bytes, received ${capacity} × ${slotBytes}`,
    );
  }
  const buffer = new SharedArrayBuffer(layout.byteLength);
  const i32 = new Int32Array(buffer);
  i32[W_CODEC] = Math.max(0, CODEC_IDS.indexOf(codec));
  i32[W_SENDERS] = 1;
  initialize(i32, layout);
  return new SharedCore(buffer, layout, codec);
}

/** Reads a token, checking it is one of ours; returns its core. */
export function adopt<T>(
  kind: "sender" | "receiver",
  token: unknown,
  options: AdoptOptions<T> | undefined,
): SharedCore<T> {
  const action = `Cannot adopt ${kind}`;
  const t = token as Partial<SharedSenderToken<T>> | null;
  const buffer = typeof t === "object" && t !== null && t.type === TOKEN_TYPE
    ? t.buffer
    : undefined;
  const layout = buffer instanceof SharedArrayBuffer
    ? readLayout(new Int32Array(buffer))
    : undefined;
  if (
    layout === undefined || t!.kind !== kind ||
    !Number.isInteger(t!.entry) || t!.entry! < 0 ||
    t!.entry! >= TOKEN_ENTRIES || !Number.isInteger(t!.serial) ||
    // Free entries hold 0 and `share()` never issues it: a token with
    // serial 0 is made by hand and would adopt a free entry.
    t!.serial! < 1
  ) {
    throw new TypeError(
      `${action}: token must be a shared ${kind} token from share(), received ${
        describe(token)
      }`,
    );
  }
  const i32 = new Int32Array(buffer!);
  const id = i32[W_CODEC]!;
  const codec = options?.codec !== undefined
    ? checkCodec<T>(action, options.codec)
    : CODEC_IDS[id] as Codec<T> | undefined;
  if (codec === undefined) {
    throw new TypeError(
      `${action}: the channel uses a codec of its creator's: pass the same codec as options.codec`,
    );
  }
  const index = layout.tokensAt + t!.entry!;
  if (Atomics.compareExchange(i32, index, t!.serial!, 0) !== t!.serial) {
    throw new ReferenceError(`${action}: token was already adopted`);
  }
  // Invariant: the token's count (a strong sender, or the receiver) now
  // belongs to the handle about to be made.
  return new SharedCore(buffer!, layout, codec);
}

/** Books an entry in the token table and makes the token. */
export function issueToken<Token>(
  core: SharedCore<unknown>,
  action: string,
  kind: "sender" | "receiver",
): Token {
  const { i32, layout } = core;
  let serial = (Atomics.add(i32, W_TOKEN_SERIAL, 1) + 1) & 0x7fffffff;
  if (serial === 0) serial = 1;
  for (let entry = 0; entry < TOKEN_ENTRIES; entry++) {
    if (
      Atomics.compareExchange(i32, layout.tokensAt + entry, 0, serial) === 0
    ) {
      return {
        type: TOKEN_TYPE,
        kind,
        buffer: core.buffer,
        serial,
        entry,
      } as SharedSenderToken<unknown> as Token;
    }
  }
  throw new RangeError(
    `${action}: ${TOKEN_ENTRIES} tokens already wait to be adopted`,
  );
}
