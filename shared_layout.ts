// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's memory map: where every word, table and slot lives in its SharedArrayBuffer.
// Internal: not exported from the package.
//
// One table for the whole buffer, read by the list (`shared_list.ts`), the
// semaphore (`shared_semaphore.ts`) and the handles: nobody computes an
// offset of their own. The buffer is, in order:
//
// | words / bytes              | what                                       |
// |----------------------------|--------------------------------------------|
// | words 0-79 (the header)    | the words of `W_*` below                   |
// | `tokensAt`, 64 words       | the token table (serials of tokens in transit) |
// | `ticketsAt`, `ticketEntries` words | the ring of waiting senders' tickets |
// | `blocksAt`, 2 per block    | each block's ready bits and start position |
// | byte `dataAt` on           | `ringSlots` slots of `slotStride` bytes    |
//
// The words that change per message sit on cache lines of their own (16
// words, 64 bytes apart): the tail position (producers), the free permits
// (producers and the receiver), the receiver's sleep flag (read by
// producers), and the ticket words (read by waiting producers); sharing one
// line would make every access of one side stall the other.

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

/**
 * The platform's own atomics. Every atomic access of the list and the
 * semaphore goes through an `AtomicOps` so that the interleaving tests can
 * replay the very same code one access at a time.
 */
export const ATOMICS: AtomicOps = Atomics as unknown as AtomicOps;

// -- The header words --

/**
 * Marks a buffer as one of ours, and the layout's version: a buffer of an
 * older layout is refused by `readLayout`.
 */
export const MAGIC = 0x6d707332;

/** `MAGIC`: written last by `initialize`, so a marked buffer is complete. */
export const W_MAGIC = 0;
/** The capacity, as created. */
export const W_CAPACITY = 1;
/** The slot size in bytes, as created. */
export const W_SLOT_BYTES = 2;
/** Slots per block. */
export const W_BLOCK_SLOTS = 3;
/** The built-in codec's id (0: one of the creator's). */
export const W_CODEC = 4;
/** The receiver's head position, saved when the receiver moves threads. */
export const W_HEAD = 5;
/** The strong sender count (handles, tokens not yet adopted). */
export const W_SENDERS = 6;
/** Bit flags: {@linkcode CLOSED_BY_RX}, {@linkcode RX_GONE}. */
export const W_STATE = 7;
/** The last serial number given to a token. */
export const W_TOKEN_SERIAL = 8;
/** Tickets in the ring (a power of two), as created. */
export const W_TICKET_ENTRIES = 9;
/** The tail position: producers claim slots here with an atomic add. */
export const W_TAIL = 16;
/** Free permits shifted left by two; flags: closed (bit 0), waiters (bit 1). */
export const W_PERMITS = 32;
/** 1 while the receiver sleeps (or is about to) waiting for a message. */
export const W_RX_SLEEP = 48;
/** The next waiting ticket to hand out. */
export const W_NEXT_TICKET = 64;
/** The oldest ticket not yet granted, cancelled past or closed. */
export const W_HEAD_TICKET = 65;
/** How many threads sleep on `W_RING_MOVED`, waiting for the ring to have room. */
export const W_OVERFLOW = 66;
/**
 * Bumped whenever the ring may have gained room (its head ticket moved) or
 * the channel closed: the word that senders waiting for room in the ring
 * sleep on. A counter, not the head ticket itself, so that a close (which
 * moves no ticket) changes it too: a sender that loaded it before finding
 * the ring full cannot sleep through the close.
 */
export const W_RING_MOVED = 67;
/** Words in the header. */
export const HEADER_WORDS = 80;

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
  /** First word of the token table (`TOKEN_ENTRIES` words). */
  readonly tokensAt: number;
  /** First word of the ticket ring. */
  readonly ticketsAt: number;
  /** Words in the ticket ring: a power of two. */
  readonly ticketEntries: number;
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
 * Computes where everything lives. `blockSlots`, `laps` (how many trips
 * round the ring the position period holds) and `ticketEntries` are for
 * tests, which make the positions wrap early and the ticket ring small.
 */
export function layoutOf(
  capacity: number,
  slotBytes: number,
  blockSlots: number = blockSlotsFor(capacity),
  laps?: number,
  ticketEntries: number = TICKET_ENTRIES,
): Layout {
  const blockCount = Math.ceil(capacity / blockSlots) + 1;
  const ringSlots = blockCount * blockSlots;
  const period = ringSlots * (laps ?? Math.floor(2 ** 30 / ringSlots));
  const tokensAt = HEADER_WORDS;
  const ticketsAt = tokensAt + TOKEN_ENTRIES;
  const blocksAt = ticketsAt + ticketEntries;
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
    ticketEntries,
    blocksAt,
    dataAt,
    slotStride,
    // A whole number of 8-byte words, so every typed view fits.
    byteLength: dataAt + ringSlots * slotStride,
  };
}

/**
 * The value of a ticket entry that holds no ticket: it matches no
 * `entryOf(ticket, state)`, since no state uses all three low bits.
 */
export const NO_TICKET_ENTRY = -1;

/** Writes a fresh channel's header and block stamps into `i32`. */
export function initialize(i32: Int32Array, layout: Layout): void {
  i32[W_CAPACITY] = layout.capacity;
  i32[W_SLOT_BYTES] = layout.slotBytes;
  i32[W_BLOCK_SLOTS] = layout.blockSlots;
  i32[W_TICKET_ENTRIES] = layout.ticketEntries;
  i32[W_PERMITS] = layout.capacity * 4;
  // No ticket is published yet: a granter never mistakes a zeroed entry for
  // ticket 0.
  i32.fill(
    NO_TICKET_ENTRY,
    layout.ticketsAt,
    layout.ticketsAt + layout.ticketEntries,
  );
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
  const entries = i32[W_TICKET_ENTRIES]!;
  if (!(entries > 0 && (entries & (entries - 1)) === 0)) return undefined;
  const layout = layoutOf(
    i32[W_CAPACITY]!,
    i32[W_SLOT_BYTES]!,
    i32[W_BLOCK_SLOTS]!,
    undefined,
    entries,
  );
  return layout.byteLength === i32.buffer.byteLength ? layout : undefined;
}
