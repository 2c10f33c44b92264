// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// A fixed-size block of message slots, the unit the message list is made of.
// Internal: not exported from the package.

/** How many messages one block holds. */
export const BLOCK_CAP = 32;

/** Masks a position down to its slot within a block. */
export const SLOT_MASK = BLOCK_CAP - 1;

// A block is one array of BLOCK_CAP + 1 elements: the slots, then the link
// to the next block. One array and no object around it keeps a block to a
// single allocation with a single header, which is what holds the cost of a
// queued number near the cost of a plain array element.
const NEXT = BLOCK_CAP;

/**
 * A block of {@linkcode BLOCK_CAP} slots followed by a link to the next
 * block. Slots that hold no message hold `undefined`, so a block never keeps
 * a message alive after it has been read.
 */
export type Block = unknown[];

/** Allocates an empty, unlinked block. */
export function newBlock(): Block {
  return new Array(BLOCK_CAP + 1);
}

/** The block after `block`, if one is linked. */
export function nextBlock(block: Block): Block | undefined {
  return block[NEXT] as Block | undefined;
}

/** Links `next` after `block` (or unlinks with `undefined`). */
export function linkBlock(block: Block, next: Block | undefined): void {
  block[NEXT] = next;
}

/** Stores `value` in slot `slot` of `block`. */
export function writeSlot(block: Block, slot: number, value: unknown): void {
  block[slot] = value;
}

/** Reads the value in slot `slot`, leaving it there. */
export function readSlot(block: Block, slot: number): unknown {
  return block[slot];
}

/**
 * Takes the value out of slot `slot`: returns it and leaves `undefined`, so
 * the block does not keep the message alive.
 */
export function takeSlot(block: Block, slot: number): unknown {
  const value = block[slot];
  block[slot] = undefined;
  return value;
}
