// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// A linked list of fixed-size blocks holding the channel's queued messages.
// Internal: not exported from the package.

import {
  type Block,
  BLOCK_CAP,
  linkBlock,
  newBlock,
  nextBlock,
  readSlot,
  SLOT_MASK,
  takeSlot,
  writeSlot,
} from "./block.ts";

/** How many emptied blocks the list keeps for reuse, as Tokio does. */
export const MAX_SPARE_BLOCKS = 3;

/**
 * A FIFO queue of messages stored in blocks of {@linkcode BLOCK_CAP} slots.
 *
 * Pushes and pops are O(1) and never move messages. Blocks the reader has
 * finished are reset and kept as spares for the writer (up to
 * {@linkcode MAX_SPARE_BLOCKS}); the rest go to the garbage collector, so
 * memory follows the queue's length.
 *
 * @typeParam T The type of the messages.
 */
export class List<T> {
  // Invariant: the reader is at slot `#headSlot` of `#head`, the writer at
  // slot `#tailSlot` of `#tail`; following links from `#head` reaches
  // `#tail`; `#tail` always has a free slot at `#tailSlot`.
  #head: Block;
  #tail: Block;
  #headSlot = 0;
  #tailSlot = 0;
  #length = 0;
  // Emptied blocks, linked through their own link slot.
  #spare: Block | undefined = undefined;
  #spareCount = 0;

  constructor() {
    this.#head = this.#tail = newBlock();
  }

  /** The number of queued messages. */
  get length(): number {
    return this.#length;
  }

  /** Appends `value` at the tail. */
  push(value: T): void {
    const tail = this.#tail;
    writeSlot(tail, this.#tailSlot, value);
    this.#length++;
    if (++this.#tailSlot === BLOCK_CAP) {
      // The tail is full: link a fresh block now, so the next push has room.
      const next = this.#takeSpare();
      linkBlock(tail, next);
      this.#tail = next;
      this.#tailSlot = 0;
    }
    // Invariant: `#tail` has a free slot at `#tailSlot`.
  }

  /**
   * Removes and returns the oldest message. The caller checks `length`
   * first: popping an empty list is a bug and returns `undefined`.
   */
  pop(): T {
    const head = this.#head;
    const value = takeSlot(head, this.#headSlot) as T;
    this.#length--;
    if ((++this.#headSlot & SLOT_MASK) === 0) {
      // The reader has passed every slot of `head`: the writer is already in
      // a later block, so `head` can be recycled.
      this.#head = nextBlock(head)!;
      this.#headSlot = 0;
      this.#recycle(head);
    }
    // Invariant: the slot just read holds `undefined`.
    return value;
  }

  /**
   * Appends the `count` oldest messages to `out` without removing them; the
   * caller checks `count <= length`. `out` may be a user's array that
   * refuses them (frozen, a proxy): then this throws and the list is as it
   * was, so nothing is lost. {@linkcode List.advance} removes them once
   * they are handed over.
   */
  copyInto(out: T[], count: number): void {
    let block = this.#head;
    let slot = this.#headSlot;
    while (count > 0) {
      const end = Math.min(BLOCK_CAP, slot + count);
      count -= end - slot;
      for (; slot < end; slot++) out.push(readSlot(block, slot) as T);
      if (slot === BLOCK_CAP) {
        block = nextBlock(block)!;
        slot = 0;
      }
    }
  }

  /**
   * Drops the `count` oldest messages, a block at a time, after
   * {@linkcode List.copyInto} handed them over. The caller checks
   * `count <= length`.
   */
  advance(count: number): void {
    let head = this.#head;
    let slot = this.#headSlot;
    this.#length -= count;
    while (count > 0) {
      const end = Math.min(BLOCK_CAP, slot + count);
      count -= end - slot;
      for (; slot < end; slot++) writeSlot(head, slot, undefined);
      if (slot === BLOCK_CAP) {
        const next = nextBlock(head)!;
        this.#recycle(head);
        head = next;
        slot = 0;
      }
    }
    this.#head = head;
    this.#headSlot = slot;
    // Invariant: every slot passed holds `undefined`; passed blocks are
    // spares or garbage.
  }

  /**
   * Puts `value` back in front of every queued message: a message taken
   * for a call that could not hand it over goes back first in line.
   */
  unshift(value: T): void {
    if (this.#headSlot === 0) {
      // The head block has no free slot before the reader: put a block in
      // front, and read from its last slot.
      const block = this.#takeSpare();
      linkBlock(block, this.#head);
      this.#head = block;
      this.#headSlot = BLOCK_CAP;
    }
    writeSlot(this.#head, --this.#headSlot, value);
    this.#length++;
    // Invariant: `value` is the oldest message; the writer's place is
    // unchanged.
  }

  /**
   * Drops every queued message and every block but one, without reading
   * them, so nothing queued stays reachable from the list.
   *
   * @returns How many messages were dropped.
   */
  clear(): number {
    const dropped = this.#length;
    this.#head = this.#tail = newBlock();
    this.#headSlot = this.#tailSlot = this.#length = 0;
    this.#spare = undefined;
    this.#spareCount = 0;
    // Invariant: one empty block; no reference to any dropped message.
    return dropped;
  }

  /**
   * Counts the blocks the list holds, spares included (walks the list; for
   * tests and memory measurements).
   */
  blockCount(): number {
    let count = this.#spareCount;
    for (let b: Block | undefined = this.#head; b; b = nextBlock(b)) count++;
    return count;
  }

  #takeSpare(): Block {
    const spare = this.#spare;
    if (spare === undefined) return newBlock();
    this.#spare = nextBlock(spare);
    linkBlock(spare, undefined);
    this.#spareCount--;
    return spare;
  }

  #recycle(block: Block): void {
    linkBlock(block, undefined);
    if (this.#spareCount === MAX_SPARE_BLOCKS) return;
    // Every slot of `block` was taken, so it is already clean.
    linkBlock(block, this.#spare);
    this.#spare = block;
    this.#spareCount++;
    // Invariant: at most MAX_SPARE_BLOCKS clean blocks wait for reuse.
  }
}
