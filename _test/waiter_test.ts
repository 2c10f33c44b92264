// Copyright 2026 the @seed/mpsc authors. MIT license.
// Tests for waiter.ts: the queues calls wait in, one abort listener per
// signal, and the promise a waiting call settles.

import { assertStrictEquals } from "@std/assert";
import { channel } from "../mod.ts";

// -- One listener per signal --

Deno.test("AbortSignal shared by 10,000 waiting sends gets one listener, added and removed once", async () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(-1);
  const controller = new AbortController();
  const { signal } = controller;
  let added = 0;
  let removed = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    removed++;
    remove(...args);
  }) as typeof remove;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 10_000; i++) sends.push(tx.send(i, { signal }));
  const got: number[] = [];
  for (let i = 0; i <= 10_000; i++) got.push((await rx.recv())!);
  await Promise.all(sends);
  assertStrictEquals(got.length, 10_001);
  assertStrictEquals(got[10_000], 9_999);
  assertStrictEquals(added, 1);
  assertStrictEquals(removed, 1);
  tx.dispose();
  rx.dispose();
});
