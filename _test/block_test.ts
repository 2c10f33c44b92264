// Copyright 2026 the @seed/mpsc authors. MIT license.
import assert from "node:assert/strict";
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
  assert.equal(BLOCK_CAP, 32);
  assert.equal(SLOT_MASK, 31);
  for (let i = 0; i < BLOCK_CAP; i++) assert.equal(block[i], undefined);
  assert.equal(nextBlock(block), undefined);
});

// -- Slots --

Deno.test("takeSlot() returns the written value and clears the slot", () => {
  const block = newBlock();
  const message = { id: 1 };
  writeSlot(block, 0, message);
  writeSlot(block, SLOT_MASK, "last");
  assert.equal(takeSlot(block, 0), message);
  assert.equal(block[0], undefined);
  assert.equal(takeSlot(block, SLOT_MASK), "last");
  assert.equal(block[SLOT_MASK], undefined);
});

Deno.test("writeSlot() never touches the link to the next block", () => {
  const a = newBlock();
  const b = newBlock();
  linkBlock(a, b);
  for (let i = 0; i < BLOCK_CAP; i++) writeSlot(a, i, i);
  assert.equal(nextBlock(a), b);
  linkBlock(a, undefined);
  assert.equal(nextBlock(a), undefined);
});
