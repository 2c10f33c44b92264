// Copyright 2026 the @seed/mpsc authors. MIT license.

import { assertEquals, assertGreaterOrEqual, assertThrows } from "@std/assert";
import { assertSpyCalls, spy } from "@std/testing/mock";
import { FakeTime } from "@std/testing/time";
import { interval, MAX_PERIOD } from "../interval.ts";
import { merge, select } from "../select.ts";
import { channel } from "../bounded.ts";

// -- Ticks --

Deno.test("interval() has its first tick ready at once", () => {
  using ticks = interval(1_000);
  assertEquals(ticks.len(), 1);
  assertGreaterOrEqual(ticks.tryRecv(), 0);
});

Deno.test("interval() ticks every period and skips the ticks nobody took", async () => {
  using time = new FakeTime();
  using ticks = interval(10);
  const first = await ticks.recv();
  assertEquals(ticks.len(), 0);
  time.tick(9);
  assertEquals(ticks.len(), 0);
  time.tick(1);
  assertEquals(ticks.len(), 1);
  time.tick(100); // ten more periods pass unread
  assertEquals(ticks.len(), 1);
  assertGreaterOrEqual(await ticks.recv(), first ?? 0);
  assertEquals(ticks.len(), 0);
  time.tick(10);
  assertEquals(ticks.len(), 1);
});

Deno.test("interval() stops its timer when the receiver is disposed", async () => {
  // The sanitizers fail this test if the interval is left running; the spy
  // says it was the interval's own timer that stopped.
  using cleared = spy(globalThis, "clearInterval");
  const ticks = interval(10);
  ticks.dispose();
  await Promise.resolve(); // the closed() callback clears the timer
  assertSpyCalls(cleared, 1);
});

Deno.test("interval() ends its stream after close(), past the waiting tick", async () => {
  using ticks = interval(60_000);
  ticks.close();
  assertGreaterOrEqual(await ticks.recv(), 0);
  assertEquals(await ticks.recv(), undefined);
});

// -- In select and merge --

Deno.test("interval() is a select branch like any receiver", async () => {
  using ticks = interval(60_000);
  const [tx, rx] = channel<string>(1);
  const first = await select({ ticks, jobs: rx }, { biased: true });
  assertEquals(first.key, "ticks");
  await tx.send("job");
  const second = await select({ ticks, jobs: rx }, { biased: true });
  assertEquals(second.key, "jobs");
  tx.dispose();
});

Deno.test("interval() merges with other receivers and ends with them", async () => {
  const ticks = interval(60_000);
  const [tx, rx] = channel<string>(1);
  await tx.send("job");
  tx.dispose();
  const keys: string[] = [];
  for await (const { key } of merge({ ticks, jobs: rx })) {
    keys.push(key);
    if (keys.length === 2) ticks.close();
  }
  assertEquals(keys.sort(), ["jobs", "ticks"]);
  ticks.dispose();
});

// -- Bad input --

Deno.test("interval() rejects a period that is not a number", () => {
  assertThrows(
    () => interval("10" as unknown as number),
    TypeError,
    "Cannot create interval: period must be a number, received a string",
  );
});

Deno.test("interval() rejects a period out of range", () => {
  for (const period of [0, -1, 0.5, NaN, Infinity, MAX_PERIOD + 1]) {
    assertThrows(
      () => interval(period),
      RangeError,
      `Cannot create interval: period must be a number from 1 to ${MAX_PERIOD}, received ${period}`,
    );
  }
});
