// Copyright 2026 the @seed/mpsc authors. MIT license.
import { assertStrictEquals } from "@std/assert";
import {
  BLOCK_CAP,
  linkBlock,
  newBlock,
  nextBlock,
  SLOT_MASK,
  takeSlot,
  writeSlot,
} from "../block.ts";

// -- Shape --

Deno.test("newBlock() holds BLOCK_CAP empty slots and no link", () => {
  const block = newBlock();
  assertStrictEquals(BLOCK_CAP, 32);
  assertStrictEquals(SLOT_MASK, 31);
  for (let i = 0; i < BLOCK_CAP; i++) assertStrictEquals(block[i], undefined);
  assertStrictEquals(nextBlock(block), undefined);
});

// -- Slots --

Deno.test("takeSlot() returns the written value and clears the slot", () => {
  const block = newBlock();
  const message = { id: 1 };
  writeSlot(block, 0, message);
  writeSlot(block, SLOT_MASK, "last");
  assertStrictEquals(takeSlot(block, 0), message);
  assertStrictEquals(block[0], undefined);
  assertStrictEquals(takeSlot(block, SLOT_MASK), "last");
  assertStrictEquals(block[SLOT_MASK], undefined);
});

Deno.test("writeSlot() never touches the link to the next block", () => {
  const a = newBlock();
  const b = newBlock();
  linkBlock(a, b);
  for (let i = 0; i < BLOCK_CAP; i++) writeSlot(a, i, i);
  assertStrictEquals(nextBlock(a), b);
  linkBlock(a, undefined);
  assertStrictEquals(nextBlock(a), undefined);
});
