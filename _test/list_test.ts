// Copyright 2026 the @seed/mpsc authors. MIT license.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { delay } from "@std/async/delay";
import { BLOCK_CAP } from "../block.ts";
import { List, MAX_SPARE_BLOCKS } from "../list.ts";

function fill(list: List<number>, from: number, count: number): void {
  for (let i = from; i < from + count; i++) list.push(i);
}

function drain(list: List<number>): number[] {
  const out: number[] = [];
  while (list.length > 0) out.push(list.pop());
  return out;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

// -- Block boundaries --

Deno.test("List.push() and pop() keep FIFO order around block boundaries", async (t) => {
  for (const count of [1, 31, 32, 33, 63, 64, 65, 1000]) {
    await t.step(`${count} messages`, () => {
      const list = new List<number>();
      fill(list, 0, count);
      assertStrictEquals(list.length, count);
      assertEquals(drain(list), range(0, count));
      assertStrictEquals(list.length, 0);
    });
  }
});

Deno.test("List keeps FIFO order when pushes and pops interleave across blocks", () => {
  const list = new List<number>();
  let next = 0;
  let expected = 0;
  // Uneven steps make the reader and the writer cross block edges at
  // different moments.
  for (let round = 0; round < 200; round++) {
    const pushes = (round * 7) % 45;
    for (let i = 0; i < pushes; i++) list.push(next++);
    const pops = Math.min(list.length, (round * 5) % 41);
    for (let i = 0; i < pops; i++) assertStrictEquals(list.pop(), expected++);
  }
  assertEquals(drain(list), range(expected, next - expected));
});

Deno.test("List stores undefined and null messages as they are", () => {
  const list = new List<unknown>();
  list.push(undefined);
  list.push(null);
  assertStrictEquals(list.length, 2);
  assertStrictEquals(list.pop(), undefined);
  assertStrictEquals(list.pop(), null);
});

// -- Block reuse --

Deno.test("List reuses drained blocks instead of allocating", () => {
  const list = new List<number>();
  // Fill and drain two blocks' worth, many times over: the blocks count
  // must stay small, since the drained ones come back as spares.
  for (let round = 0; round < 100; round++) {
    fill(list, 0, 2 * BLOCK_CAP);
    drain(list);
  }
  assert(list.blockCount() <= 1 + MAX_SPARE_BLOCKS);
});

Deno.test("List keeps at most MAX_SPARE_BLOCKS spares after a drain", () => {
  const list = new List<number>();
  fill(list, 0, 100 * BLOCK_CAP);
  assertStrictEquals(list.blockCount(), 101);
  drain(list);
  assertStrictEquals(list.blockCount(), 1 + MAX_SPARE_BLOCKS);
});

Deno.test("List reads no stale value from a reused block", () => {
  const list = new List<number | undefined>();
  fill(list as List<number>, 0, 3 * BLOCK_CAP);
  drain(list as List<number>);
  list.push(undefined);
  list.push(7);
  assertStrictEquals(list.pop(), undefined);
  assertStrictEquals(list.pop(), 7);
});

// -- Memory --

function pushTracked(list: List<object>): WeakRef<object> {
  const message = {};
  list.push(message);
  return new WeakRef(message);
}

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert(gc, "run with --v8-flags=--expose-gc");
  // A WeakRef target stays alive until the current job ends.
  await delay(0);
  gc();
}

Deno.test("List.pop() leaves nothing reachable from the slot it read", async () => {
  const list = new List<object>();
  // Made in a helper, so no register of this async frame holds the message.
  const ref = pushTracked(list);
  list.push({});
  list.pop();
  await collect();
  assertStrictEquals(ref.deref(), undefined);
  assertStrictEquals(list.length, 1);
});

Deno.test("List.clear() drops every message and returns the count", () => {
  const list = new List<number>();
  fill(list, 0, 5 * BLOCK_CAP + 3);
  assertStrictEquals(list.clear(), 5 * BLOCK_CAP + 3);
  assertStrictEquals(list.length, 0);
  assertStrictEquals(list.blockCount(), 1);
  list.push(42);
  assertStrictEquals(list.pop(), 42);
});

Deno.test("List gives its blocks back to the collector after a drain", async () => {
  const list = new List<{ n: number }>();
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 10 * BLOCK_CAP; i++) {
    if (i % BLOCK_CAP === 0) refs.push(pushTracked(list));
    else list.push({ n: i });
  }
  while (list.length > 0) list.pop();
  await collect();
  assertStrictEquals(refs.filter((r) => r.deref() !== undefined).length, 0);
  assertStrictEquals(list.blockCount(), 1 + MAX_SPARE_BLOCKS);
});

// -- Batches --

Deno.test("List.copyInto() and advance() move messages in order across block boundaries", async (t) => {
  // [popped before, batch size]
  const cases: [number, number][] = [
    [0, 1],
    [0, 32],
    [5, 27],
    [5, 28],
    [31, 2],
    [3, 100],
    [0, 1000],
  ];
  for (const [before, count] of cases) {
    await t.step(`${count} after ${before} popped`, () => {
      const list = new List<number>();
      fill(list, 0, before + count + 7);
      for (let i = 0; i < before; i++) list.pop();
      const out = [-1];
      list.copyInto(out, count);
      list.advance(count);
      assertEquals(out, [-1, ...range(before, count)]);
      assertStrictEquals(list.length, 7);
      assertEquals(drain(list), range(before + count, 7));
      assert(list.blockCount() <= 2 + MAX_SPARE_BLOCKS);
    });
  }
});

Deno.test("List.advance() leaves nothing reachable from the slots it passed", async () => {
  const list = new List<object>();
  const ref = pushTracked(list);
  for (let i = 0; i < 40; i++) list.push({});
  list.copyInto([], 30);
  list.advance(30);
  await collect();
  assertStrictEquals(ref.deref(), undefined);
  assertStrictEquals(list.length, 11);
});

// -- Giving messages back --

Deno.test("List.copyInto() that throws leaves the list as it was", () => {
  const list = new List<number>();
  fill(list, 0, BLOCK_CAP + 5);
  const out: number[] = [];
  let pushed = 0;
  Object.defineProperty(out, "push", {
    value(value: number) {
      if (++pushed > 3) throw new Error("full");
      Array.prototype.push.call(out, value);
      return out.length;
    },
  });
  try {
    list.copyInto(out, BLOCK_CAP + 5);
    assert(false, "copyInto() should have thrown");
  } catch (error) {
    assertStrictEquals((error as Error).message, "full");
  }
  assertStrictEquals(list.length, BLOCK_CAP + 5);
  assertEquals(drain(list), range(0, BLOCK_CAP + 5));
});

Deno.test("List.copyInto() then advance() hand messages over across blocks", async (t) => {
  const cases: [number, number][] = [[0, 1], [30, 5], [31, 33], [0, 64], [
    5,
    100,
  ]];
  for (const [skip, count] of cases) {
    await t.step(`${count} messages after ${skip}`, () => {
      const list = new List<number>();
      fill(list, 0, skip + count + 7);
      for (let i = 0; i < skip; i++) list.pop();
      const out: number[] = [];
      list.copyInto(out, count);
      list.advance(count);
      assertEquals(out, range(skip, count));
      assertEquals(drain(list), range(skip + count, 7));
    });
  }
});

Deno.test("List.unshift() puts messages back first, at and across block starts", async (t) => {
  const cases: [number, number][] = [[0, 1], [1, 1], [3, 3], [32, 2], [0, 40]];
  for (const [popped, back] of cases) {
    await t.step(`${back} back after ${popped} popped`, () => {
      const list = new List<number>();
      fill(list, 100, 40);
      const taken: number[] = [];
      for (let i = 0; i < popped; i++) taken.push(list.pop());
      const extra = range(-back, back);
      for (let i = back - 1; i >= 0; i--) list.unshift(extra[i]!);
      assertStrictEquals(list.length, 40 - popped + back);
      fill(list, 200, 3);
      assertEquals(drain(list), [
        ...extra,
        ...range(100 + popped, 40 - popped),
        200,
        201,
        202,
      ]);
    });
  }
});
