// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's message storage: a ring of fixed-size blocks in one SharedArrayBuffer.
// Internal: not exported from the package.
//
// How this relates to `block.ts` and `list.ts`: those hold the one-thread
// channel's messages in a linked list of 32-slot blocks that grows and
// shrinks with the queue. This file is the same idea for producers on many
// threads, as Tokio's `list.rs` / `block.rs` build it: producers claim a
// slot position with one atomic add on the tail position, write the slot,
// and set the slot's bit in its block's ready bitmask; the one receiver
// reads at its own head position once that bit is set, and hands every
// block it has passed back for reuse as a future tail block (stamping the
// block with its new start index). No producer takes a lock or waits for
// another: one paused between its claim and its ready bit delays only the
// delivery of its own slot and of later ones.
//
// Where this departs from Tokio, and why:
// - The pool of blocks is fixed. The channel is bounded: a producer claims a
//   position only while holding one of `capacity` permits, and the receiver
//   gives a permit back only after it has read (and, at a block's end,
//   recycled) the slot, so at most `capacity` positions are claimed and
//   unread at any time. With `ceil(capacity / B) + 1` blocks of `B` slots,
//   every position a permit holder can claim falls in a block that the
//   receiver has already recycled for that lap (the `+ 1` is the block the
//   receiver is still reading). So nothing is allocated after creation.
// - The blocks form a ring, so a block's successor is implicit (`(k + 1) mod
//   blockCount`) and a producer computes its block from its position instead
//   of walking `next` links from a shared tail-block pointer. Tokio needs
//   that pointer, the `RELEASED` flag and `observed_tail_position` to learn
//   when no producer can still be walking through a passed block; here a
//   producer only ever touches its own slot's block, and the receiver cannot
//   pass that slot before the producer's last access (setting the ready
//   bit), so a fully read block can be recycled at once.
// - Tokio closes the list by claiming one more position and setting a
//   `TX_CLOSED` bit. Here the strong sender count lives in the same memory
//   (a sender gives its count back only after its last ready bit), so the
//   receiver knows the stream ended when the count is zero and the next slot
//   is not ready.
// - Positions live in an `Int32Array`, so they cannot grow forever. They
//   count modulo a period that is a multiple of the ring's size: when the
//   receiver's position reaches the period it starts again from 0 and
//   subtracts the period from the tail position (an atomic subtraction, so
//   producers adding at the same time lose nothing). A raw tail position is
//   then always below `period + capacity` < 2^31, and every reader reduces it
//   modulo the period.
//
// Memory orderings: JavaScript's `Atomics` operations are sequentially
// consistent, which covers Tokio's release/acquire pairs: the plain writes
// of a slot's bytes happen before the `Atomics.or` that sets its ready bit,
// and the receiver's `Atomics.load` that sees the bit happens before its
// plain reads of those bytes.
//
// Every atomic access goes through an injected `AtomicOps` (the real
// `Atomics` object in the channel), so that `_test/shared_list_test.ts`
// can drive several producers and the receiver through every interleaving
// of their steps, with this very code.

/** The atomic operations the shared list and semaphore use. */
export interface AtomicOps {
  load(array: Int32Array, index: number): number;
  store(array: Int32Array, index: number, value: number): number;
  add(array: Int32Array, index: number, value: number): number;
  sub(array: Int32Array, index: number, value: number): number;
  or(array: Int32Array, index: number, value: number): number;
  and(array: Int32Array, index: number, value: number): number;
  exchange(array: Int32Array, index: number, value: number): number;
  compareExchange(
    array: Int32Array,
    index: number,
    expected: number,
    replacement: number,
  ): number;
  notify(array: Int32Array, index: number, count?: number): number;
}

/** The platform's own atomics. */
export const ATOMICS: AtomicOps = Atomics as unknown as AtomicOps;

// -- Layout of the header words --

/** Marks a buffer as one of ours (and the layout's version). */
export const MAGIC = 0x6d707331;
/**
 * Header word indices. The words that change per message sit on cache lines
 * of their own (16 words, 64 bytes apart): the tail position (producers),
 * the free permits (producers and the receiver), the receiver's sleep flag
 * (read by producers), and the ticket words (read by producers); sharing
 * one line would make every access of one side stall the other.
 */
export const W_MAGIC = 0;
export const W_CAPACITY = 1;
export const W_SLOT_BYTES = 2;
export const W_BLOCK_SLOTS = 3;
export const W_CODEC = 4;
/** The tail position: producers claim slots here with an atomic add. */
export const W_TAIL = 16;
/** The receiver's head position, saved when the receiver moves threads. */
export const W_HEAD = 5;
/** 1 while the receiver sleeps (or is about to) waiting for a message. */
export const W_RX_SLEEP = 48;
/** Free permits shifted left by two; flags: closed (bit 0), waiters (bit 1). */
export const W_PERMITS = 32;
/** The next waiting ticket to hand out. */
export const W_NEXT_TICKET = 64;
/** The oldest ticket not yet granted, cancelled past or closed. */
export const W_HEAD_TICKET = 65;
/** How many senders wait for room in the ticket ring (it was full). */
export const W_OVERFLOW = 66;
/** The strong sender count (handles, tokens not yet adopted). */
export const W_SENDERS = 6;
/** Bit flags: {@linkcode CLOSED_BY_RX}, {@linkcode RX_GONE}. */
export const W_STATE = 7;
/** The last serial number given to a token. */
export const W_TOKEN_SERIAL = 8;
const HEADER_WORDS = 80;

/** `W_STATE` flag: the receiver closed the channel. */
export const CLOSED_BY_RX = 1;
/** `W_STATE` flag: the receiver was disposed. */
export const RX_GONE = 2;

/** How many shared tokens may wait to be adopted at once. */
export const TOKEN_ENTRIES = 64;
/** How many senders wait in strict order for room (more wait for a turn). */
export const TICKET_ENTRIES = 256;

/** The largest capacity a shared channel accepts. */
export const MAX_SHARED_CAPACITY = 2 ** 24;
/** The largest slot a shared channel accepts, in bytes. */
export const MAX_SLOT_BYTES = 2 ** 24;
/** The largest buffer a shared channel allocates, in bytes. */
export const MAX_BUFFER_BYTES = 2 ** 31 - 1;

/** Where everything lives in a shared channel's buffer. */
export interface Layout {
  readonly capacity: number;
  readonly slotBytes: number;
  /** Slots per block (`B`): at most 32, one bit each in a ready bitmask. */
  readonly blockSlots: number;
  /** Blocks in the ring: `ceil(capacity / B) + 1`. */
  readonly blockCount: number;
  /** Slots in the ring: `blockCount * blockSlots`. */
  readonly ringSlots: number;
  /** Positions count modulo this multiple of `ringSlots`. */
  readonly period: number;
  /** First word of the token table. */
  readonly tokensAt: number;
  /** First word of the ticket ring. */
  readonly ticketsAt: number;
  /** First word of the block headers (ready bitmask, start index). */
  readonly blocksAt: number;
  /** Byte offset of slot 0. */
  readonly dataAt: number;
  /**
   * Bytes from one slot to the next: an 8-byte header holding the encoded
   * length (in the same cache line as the message, which the receiver reads
   * next), then `slotBytes` rounded up to a multiple of 8.
   */
  readonly slotStride: number;
  /** The buffer's size in bytes. */
  readonly byteLength: number;
}

/**
 * Picks the block size for `capacity`: 32 slots (Tokio's) once the spare
 * block costs at most a quarter more, smaller blocks below that.
 */
export function blockSlotsFor(capacity: number): number {
  let slots = 32;
  while (slots > 1 && slots * 4 > capacity) slots >>= 1;
  return slots;
}

/**
 * Computes where everything lives. `blockSlots` and `laps` (how many trips
 * round the ring the position period holds) are for tests, which make the
 * positions wrap early.
 */
export function layoutOf(
  capacity: number,
  slotBytes: number,
  blockSlots: number = blockSlotsFor(capacity),
  laps?: number,
): Layout {
  const blockCount = Math.ceil(capacity / blockSlots) + 1;
  const ringSlots = blockCount * blockSlots;
  const period = ringSlots * (laps ?? Math.floor(2 ** 30 / ringSlots));
  const tokensAt = HEADER_WORDS;
  const ticketsAt = tokensAt + TOKEN_ENTRIES;
  const blocksAt = ticketsAt + TICKET_ENTRIES;
  const dataAt = Math.ceil((blocksAt + 2 * blockCount) * 4 / 64) * 64;
  const slotStride = 8 + Math.ceil(slotBytes / 8) * 8;
  return {
    capacity,
    slotBytes,
    blockSlots,
    blockCount,
    ringSlots,
    period,
    tokensAt,
    ticketsAt,
    blocksAt,
    dataAt,
    slotStride,
    // A whole number of 8-byte words, so every typed view fits.
    byteLength: dataAt + ringSlots * slotStride,
  };
}

/** Writes a fresh channel's header and block stamps into `i32`. */
export function initialize(i32: Int32Array, layout: Layout): void {
  i32[W_CAPACITY] = layout.capacity;
  i32[W_SLOT_BYTES] = layout.slotBytes;
  i32[W_BLOCK_SLOTS] = layout.blockSlots;
  i32[W_PERMITS] = layout.capacity * 4;
  // No ticket is published yet: -1 matches no ticket (the semaphore's
  // CLOSED_ENTRY), so a granter never mistakes a zeroed entry for ticket 0.
  i32.fill(-1, layout.ticketsAt, layout.ticketsAt + TICKET_ENTRIES);
  for (let k = 0; k < layout.blockCount; k++) {
    // Block k starts the ring at position k * B; ready bits all clear.
    i32[layout.blocksAt + 2 * k + 1] = k * layout.blockSlots;
  }
  // Published last: a buffer with the magic word is complete.
  Atomics.store(i32, W_MAGIC, MAGIC);
}

/** Reads the layout back from a buffer's header, or `undefined`. */
export function readLayout(i32: Int32Array): Layout | undefined {
  if (i32.length < HEADER_WORDS || Atomics.load(i32, W_MAGIC) !== MAGIC) {
    return undefined;
  }
  const layout = layoutOf(
    i32[W_CAPACITY]!,
    i32[W_SLOT_BYTES]!,
    i32[W_BLOCK_SLOTS]!,
  );
  return layout.byteLength === i32.buffer.byteLength ? layout : undefined;
}

/**
 * The block list over one buffer: the producers' side (`claim`, `check`,
 * `publish`, `wakeReceiver`) is stateless and may be used from any number
 * of threads at once; the receiver's side (`ready`, `advance`) keeps the
 * head position and is used by the one receiver only.
 *
 * Each method performs at most one atomic access, except `advance` at a
 * block's end (see there): these are the steps the interleaving test
 * schedules.
 */
export class SharedList {
  readonly i32: Int32Array;
  readonly ops: AtomicOps;
  readonly blockSlots: number;
  readonly ringSlots: number;
  readonly period: number;
  readonly blocksAt: number;
  readonly dataAt: number;
  readonly slotStride: number;
  // Invariant: the receiver has read every position before `index` (modulo
  // the period) and no position from `index` on.
  #index: number;

  constructor(i32: Int32Array, layout: Layout, ops: AtomicOps = ATOMICS) {
    this.i32 = i32;
    this.ops = ops;
    this.blockSlots = layout.blockSlots;
    this.ringSlots = layout.ringSlots;
    this.period = layout.period;
    this.blocksAt = layout.blocksAt;
    this.dataAt = layout.dataAt;
    this.slotStride = layout.slotStride;
    this.#index = ops.load(i32, W_HEAD);
  }

  // -- Producers --

  /**
   * Claims the next position. The caller holds a permit, which is what
   * guarantees the position's block is already recycled for this lap.
   */
  claim(): number {
    return this.ops.add(this.i32, W_TAIL, 1) % this.period;
  }

  /** The ring slot that holds `position`. */
  slotOf(position: number): number {
    return position % this.ringSlots;
  }

  /**
   * Whether `position`'s block is stamped for the lap `position` is in:
   * always true while the permit argument holds; a defensive check the
   * interleaving test also asserts. Costs no atomic access.
   */
  check(position: number): boolean {
    const slot = position % this.ringSlots;
    const start = position - slot % this.blockSlots;
    const block = (slot / this.blockSlots) | 0;
    // A plain read: the receiver stamped the block before it gave back the
    // permit this producer holds, and stamps it again only after reading
    // this producer's slot, so the read races with no write.
    return this.i32[this.blocksAt + 2 * block + 1] === start;
  }

  /**
   * Sets `position`'s ready bit: its bytes and length are written. This is
   * the producer's last access to the block (Tokio's release store).
   */
  publish(position: number): void {
    const slot = position % this.ringSlots;
    const block = (slot / this.blockSlots) | 0;
    this.ops.or(
      this.i32,
      this.blocksAt + 2 * block,
      1 << (slot % this.blockSlots),
    );
  }

  /**
   * Wakes the receiver if it sleeps. Costs one load when it does not: the
   * receiver announces its sleep (`W_RX_SLEEP` = 1) before its last check
   * of the ready bit, so either it sees the bit or this sees the flag.
   */
  wakeReceiver(): void {
    const { i32, ops } = this;
    if (ops.load(i32, W_RX_SLEEP) !== 0 && ops.exchange(i32, W_RX_SLEEP, 0)) {
      ops.notify(i32, W_RX_SLEEP);
    }
  }

  // -- The receiver --

  /** The receiver's head position. */
  get index(): number {
    return this.#index;
  }

  /** The ring slot at the head. */
  get headSlot(): number {
    return this.#index % this.ringSlots;
  }

  /** Whether the slot at the head has been published (acquire load). */
  ready(): boolean {
    const slot = this.#index % this.ringSlots;
    const block = (slot / this.blockSlots) | 0;
    const bits = this.ops.load(this.i32, this.blocksAt + 2 * block);
    return ((bits >>> (slot % this.blockSlots)) & 1) === 1;
  }

  /**
   * How many slots from the head on are published, within the head's block
   * (one acquire load): the receiver may read them all without loading
   * again.
   */
  readyRun(): number {
    const slot = this.#index % this.ringSlots;
    const offset = slot % this.blockSlots;
    const block = (slot - offset) / this.blockSlots;
    const bits = this.ops.load(this.i32, this.blocksAt + 2 * block) >>> offset;
    // The run of ones from bit 0 is the run of zeros of the complement.
    const zeros = ~bits;
    const run = zeros === 0 ? 32 : 31 - Math.clz32(zeros & -zeros);
    return Math.min(run, this.blockSlots - offset);
  }

  /** How many positions are claimed and not yet read. */
  claimed(): number {
    const tail = this.ops.load(this.i32, W_TAIL) % this.period;
    return (tail - this.#index + this.period) % this.period;
  }

  /**
   * Moves past the head slot, which the caller has read. At a block's end
   * the block is recycled: its ready bits cleared, then its start index
   * moved one lap on. No producer can touch the block in between: all its
   * slots are published, and the permits that let anyone claim a position
   * in its next lap are given back only after this returns.
   */
  advance(): void {
    const { i32, ops, blockSlots } = this;
    let index = this.#index + 1;
    if (index % blockSlots === 0) {
      const slot = (index - 1) % this.ringSlots;
      const block = (slot / blockSlots) | 0;
      ops.store(i32, this.blocksAt + 2 * block, 0);
      ops.store(
        i32,
        this.blocksAt + 2 * block + 1,
        (index - blockSlots + this.ringSlots) % this.period,
      );
      if (index === this.period) {
        // Invariant: the tail stays below period + capacity.
        index = 0;
        ops.sub(i32, W_TAIL, this.period);
      }
    }
    // Invariant: every position before `index` is read; blocks wholly
    // before it are stamped for their next lap.
    this.#index = index;
  }

  /** Saves the head position for the receiver's next owner. */
  save(): void {
    this.ops.store(this.i32, W_HEAD, this.#index);
  }

  /** The encoded length stored with `slot` (-1: nothing was sent). */
  length(slot: number): number {
    return this.i32[(this.dataAt + slot * this.slotStride) >> 2]!;
  }

  /** Stores `slot`'s encoded length (a plain write, before `publish`). */
  setLength(slot: number, length: number): void {
    this.i32[(this.dataAt + slot * this.slotStride) >> 2] = length;
  }

  /** The byte offset of `slot`'s message. */
  payloadAt(slot: number): number {
    return this.dataAt + slot * this.slotStride + 8;
  }
}
