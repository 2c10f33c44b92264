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
// The price of no locks, as in Tokio: a producer stopped for good between
// its claim and its ready bit (a Worker terminated mid-write; no code runs
// at termination) leaves its slot unpublished, and the receiver, which
// reads in position order, never passes it: later messages stay behind it.
// Nothing in shared memory can tell a dead producer from a slow one. The
// receiver gets out with `dispose()` (see `SharedReceiver.close()`).
//
// Memory orderings: JavaScript's `Atomics` operations are sequentially
// consistent, which covers Tokio's release/acquire pairs: the plain writes
// of a slot's bytes happen before the `Atomics.or` that sets its ready bit,
// and the receiver's `Atomics.load` that sees the bit happens before its
// plain reads of those bytes.
//
// Where the words and slots live is `shared_layout.ts`'s table. Every
// atomic access goes through an injected `AtomicOps` (the real `Atomics`
// object in the channel), so that `_test/shared_list_test.ts`
// can drive several producers and the receiver through every interleaving
// of their steps, with this very code.

import {
  type AtomicOps,
  ATOMICS,
  type Layout,
  W_HEAD,
  W_RX_SLEEP,
  W_TAIL,
} from "./shared_layout.ts";

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

  /**
   * Claims `count` consecutive positions; returns the first (the others
   * follow it modulo the period). The caller holds `count` permits.
   */
  claimMany(count: number): number {
    return this.ops.add(this.i32, W_TAIL, count) % this.period;
  }

  /**
   * Sets the ready bits of `count` consecutive positions from `first`, one
   * atomic access per block: their bytes and lengths are written.
   */
  publishMany(first: number, count: number): void {
    const { i32, ops, blockSlots, ringSlots, period } = this;
    let position = first;
    while (count > 0) {
      const slot = position % ringSlots;
      const offset = slot % blockSlots;
      const n = Math.min(count, blockSlots - offset);
      const bits = n === 32 ? -1 : ((1 << n) - 1) << offset;
      ops.or(i32, this.blocksAt + 2 * ((slot - offset) / blockSlots), bits);
      position = (position + n) % period;
      count -= n;
    }
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
    this.advanceBy(1);
  }

  /**
   * Moves past `count` slots from the head on, which the caller has read,
   * all in the head's block (a run from `readyRun`): as `advance` `count`
   * times, with one recycling at most.
   */
  advanceBy(count: number): void {
    const { i32, ops, blockSlots } = this;
    let index = this.#index + count;
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
