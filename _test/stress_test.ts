// Copyright 2026 the @seed/mpsc authors. MIT license.
// Stress: a thousand producers, a million messages, random aborts and
// disposals, and books that must balance exactly at the end.

import { assert, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { setImmediate } from "node:timers/promises";
import { channel, type Sender } from "../mod.ts";

const PRODUCERS = 1_000;
const MESSAGES_PER_PRODUCER = 1_000;
const CAPACITY = 16;
const TOTAL = PRODUCERS * MESSAGES_PER_PRODUCER;

// What became of each message id.
const PENDING = 0;
const SENT = 1; // its send resolved or its permit sent it
const ABORTED = 2; // its send or reservation was aborted
const DROPPED = 3; // its permit was disposed unused

// A small seeded generator (mulberry32), so a failure can be replayed.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("channel() balances its books under 1,000 producers with random aborts and disposals", async () => {
  const seed = Number(Date.now() % 2 ** 31);
  const rand = random(seed);
  const why = `seed ${seed}`;
  const [tx, rx] = channel<number>(CAPACITY);
  const status = new Uint8Array(TOTAL);
  const received = new Uint8Array(TOTAL);
  const stop = new Error("stress abort");
  // Controllers of calls that may be aborted; the consumer aborts them at
  // random moments, whether or not their call is still waiting.
  const abortable: AbortController[] = [];
  let aborts = 0;

  function abortOne(): void {
    if (abortable.length === 0) return;
    const i = Math.floor(rand() * abortable.length);
    const controller = abortable[i]!;
    abortable[i] = abortable[abortable.length - 1]!;
    abortable.pop();
    controller.abort(stop);
    aborts++;
  }

  // Replaces a sender by an equivalent one, sometimes through a weak sender,
  // disposing the old one (possibly while it has a call pending).
  function swap(sender: Sender<number>): Sender<number> {
    if (rand() < 0.5) {
      const next = sender.clone();
      sender.dispose();
      return next;
    }
    const weak = sender.downgrade();
    sender.dispose();
    const next = weak.upgrade();
    weak.dispose();
    assert(next, `${why}: upgrade() failed while the channel was open`);
    return next;
  }

  async function produce(p: number, sender: Sender<number>): Promise<void> {
    let id = p * MESSAGES_PER_PRODUCER;
    const end = id + MESSAGES_PER_PRODUCER;
    while (id < end) {
      const options: { signal?: AbortSignal } = {};
      if (rand() < 0.1) {
        const controller = new AbortController();
        abortable.push(controller);
        options.signal = controller.signal;
      }
      const mode = rand();
      const swapWhilePending = rand() < 0.01;
      const first = id;
      let count = 1;
      try {
        if (mode < 0.55) {
          const pending = sender.send(id, options);
          if (swapWhilePending) sender = swap(sender);
          await pending;
          status[id] = SENT;
        } else if (mode < 0.65) {
          // A limit far above any wait here: its timer must be cleared when
          // the send succeeds, and it ends the test if sends stall.
          const pending = sender.sendTimeout(id, 20_000, options);
          if (swapWhilePending) sender = swap(sender);
          await pending;
          status[id] = SENT;
        } else if (mode < 0.8) {
          const pending = sender.reserve(options);
          if (swapWhilePending) sender = swap(sender);
          const permit = await pending;
          if (rand() < 0.2) {
            permit.dispose();
            status[id] = DROPPED;
          } else {
            permit.send(id);
            status[id] = SENT;
          }
        } else if (mode < 0.92) {
          count = Math.min(1 + Math.floor(rand() * 3), end - id);
          const permits = await sender.reserveMany(count, options);
          assertStrictEquals(permits.len(), count, why);
          let left = false;
          for (const permit of permits) {
            // Leaving the loop calls return(), which gives back the rest.
            if (rand() < 0.1) {
              permit.dispose(); // taken out, so no longer the iterator's
              left = true;
              break;
            }
            permit.send(id);
            status[id++] = SENT;
          }
          while (id < first + count) status[id++] = DROPPED;
          if (!left) assertStrictEquals(permits.len(), 0, why);
          id = first;
        } else {
          const owned = await sender.clone().reserveOwned(options);
          if (rand() < 0.2) {
            owned.dispose();
            status[id] = DROPPED;
          } else {
            owned.send(id).dispose();
            status[id] = SENT;
          }
        }
      } catch (e) {
        assertStrictEquals(e, stop, `${why}: unexpected ${e}`);
        for (let i = first; i < first + count; i++) status[i] = ABORTED;
      }
      id = first + count;
      if (rand() < 0.005) sender = swap(sender);
    }
    sender.dispose();
  }

  async function consume(): Promise<number> {
    const buffer: number[] = [];
    let total = 0;
    // Each producer awaits each call, so its messages arrive in id order.
    const last = new Int32Array(PRODUCERS).fill(-1);
    const take = (value: number) => {
      const p = Math.floor(value / MESSAGES_PER_PRODUCER);
      assert(value > last[p]!, `${why}: message ${value} out of order`);
      last[p] = value;
      received[value]!++;
      total++;
      if (rand() < 0.1) abortOne();
    };
    for (;;) {
      const mode = rand();
      if (mode < 0.1) {
        const controller = new AbortController();
        const pending = rx.recv({ signal: controller.signal });
        if (rand() < 0.5) controller.abort(stop);
        else queueMicrotask(() => controller.abort(stop));
        try {
          const value = await pending;
          if (value === undefined) break;
          take(value);
        } catch (e) {
          assertStrictEquals(e, stop, `${why}: unexpected ${e}`);
        }
      } else if (mode < 0.3) {
        buffer.length = 0;
        const n = await rx.recvMany(buffer, 1 + Math.floor(rand() * 32));
        if (n === 0) break;
        for (const value of buffer) take(value);
      } else {
        const value = await rx.recv();
        if (value === undefined) break;
        take(value);
      }
    }
    return total;
  }

  const consumer = consume();
  const producers: Promise<void>[] = [];
  for (let p = 0; p < PRODUCERS; p++) producers.push(produce(p, tx.clone()));
  const producing = Promise.all(producers).then(() => {
    while (abortable.length > 0) abortOne();
    tx.dispose();
  });
  // Awaited together, so that a failing consumer fails the test at once.
  const [, total] = await Promise.all([producing, consumer]);

  // The books: every sent message arrived once; nothing else arrived.
  let sent = 0;
  let aborted = 0;
  let dropped = 0;
  for (let id = 0; id < TOTAL; id++) {
    const s = status[id];
    assert(received[id]! <= 1, `${why}: message ${id} arrived twice`);
    if (s === SENT) {
      sent++;
      assertStrictEquals(
        received[id],
        1,
        `${why}: sent message ${id} was lost`,
      );
    } else {
      assertStrictEquals(
        received[id],
        0,
        `${why}: message ${id} arrived in state ${s}`,
      );
      assertNotStrictEquals(s, PENDING, `${why}: message ${id} never settled`);
      if (s === ABORTED) aborted++;
      else dropped++;
    }
  }
  assertStrictEquals(total, sent, why);
  assert(aborted > TOTAL / 100, `${why}: only ${aborted} aborted calls`);
  assert(dropped > 0 && sent > TOTAL / 2, why);
  assert(aborts > 0, why);
  assertStrictEquals(rx.len(), 0, why);
  assertStrictEquals(rx.capacity(), rx.maxCapacity(), why);
  assertStrictEquals(rx.capacity(), CAPACITY, why);
  assertStrictEquals(rx.senderStrongCount(), 0, why);
  assertStrictEquals(rx.senderWeakCount(), 0, why);
  assertStrictEquals(rx.isClosed(), true, why);
  rx.dispose();
});

Deno.test("Receiver.recv() aborted while waiting never swallows a message under 100 slow producers", async () => {
  // Here the consumer outruns the producers (each waits a macrotask before
  // every send), so its receives usually wait, and aborting them races the
  // next message: the race the contract says is never lost.
  const seed = Number(Date.now() % 2 ** 31);
  const rand = random(seed);
  const why = `seed ${seed}`;
  const producers = 100;
  const each = 1_000;
  const [tx, rx] = channel<number>(CAPACITY);
  const received = new Uint8Array(producers * each);
  const stop = new Error("receive abort");

  async function produce(p: number, sender: Sender<number>): Promise<void> {
    for (let id = p * each; id < (p + 1) * each; id++) {
      await setImmediate();
      await sender.send(id);
    }
    sender.dispose();
  }

  let withdrawn = 0;
  let total = 0;
  const consumer = (async () => {
    const buffer: number[] = [];
    for (;;) {
      const controller = new AbortController();
      const mode = rand();
      let pending: Promise<number | undefined>;
      if (mode < 0.4) pending = rx.recv({ signal: controller.signal });
      else {
        buffer.length = 0;
        pending = rx.recvMany(buffer, 1 + Math.floor(rand() * 8), {
          signal: controller.signal,
        })
          .then((n) => (n === 0 ? undefined : n));
      }
      const when = rand();
      if (when < 0.3) controller.abort(stop);
      else if (when < 0.6) queueMicrotask(() => controller.abort(stop));
      else if (when < 0.7) setImmediate().then(() => controller.abort(stop));
      let result: number | undefined;
      try {
        result = await pending;
      } catch (e) {
        assertStrictEquals(e, stop, `${why}: unexpected ${e}`);
        withdrawn++;
        continue;
      }
      if (result === undefined) break;
      const values = mode < 0.4 ? [result] : buffer;
      for (const value of values) {
        received[value]!++;
        total++;
      }
    }
  })();
  const producing = Promise.all(
    Array.from({ length: producers }, (_, p) => produce(p, tx.clone())),
  ).then(() => tx.dispose());
  await Promise.all([producing, consumer]);
  for (let id = 0; id < received.length; id++) {
    assertStrictEquals(
      received[id],
      1,
      `${why}: message ${id} arrived ${received[id]} times`,
    );
  }
  assertStrictEquals(total, producers * each, why);
  assert(withdrawn > 0, `${why}: no receive was withdrawn`);
  assertStrictEquals(rx.capacity(), CAPACITY, why);
  rx.dispose();
});
