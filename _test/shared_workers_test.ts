// Copyright 2026 the @seed/mpsc authors. MIT license.
// Shared channels across real Workers: Tokio's blocking tests, many senders at once, cancellation and shutdown.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { stub } from "@std/testing/mock";
import { codecs, sharedChannel, type SharedReceiver } from "../shared.ts";
import type { Command } from "./shared/worker.ts";
import { TryRecvError, TrySendError } from "../error.ts";

const WORKER = new URL("./shared/worker.ts", import.meta.url);

interface Reply {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/** A Worker whose replies arrive in order through `next()`. */
class TestWorker {
  readonly worker: Worker;
  #replies: Reply[] = [];
  #waiting: ((reply: Reply) => void) | undefined;

  constructor() {
    this.worker = new Worker(WORKER, { type: "module" });
    this.worker.onmessage = (event: MessageEvent<Reply>) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting(event.data);
      else this.#replies.push(event.data);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      const reply = { ok: false, error: event.message };
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting(reply);
      else this.#replies.push(reply);
    };
  }

  post(command: Command): void {
    this.worker.postMessage(command);
  }

  /** The next reply; fails the test if the Worker reports an error. */
  async next(): Promise<Reply> {
    const queued = this.#replies.shift();
    const reply = queued ??
      await new Promise<Reply>((resolve) => this.#waiting = resolve);
    assert(reply.ok, `the Worker failed: ${reply.error}`);
    return reply;
  }

  [Symbol.dispose](): void {
    this.worker.terminate();
  }
}

/** Receives until the stream ends, with `recvMany` in batches. */
async function drain(rx: SharedReceiver<number>): Promise<number[]> {
  const values: number[] = [];
  while ((await rx.recvMany(values, 1024)) > 0) {
    // Keep going until the stream ends.
  }
  return values;
}

/** Checks that each sender's values arrived once each, in its order. */
function assertPerSender(values: number[], senders: number, count: number) {
  const next = new Array(senders).fill(0);
  for (const v of values) {
    const id = Math.floor(v / 1e6);
    assertStrictEquals(v % 1e6, next[id], `sender ${id}'s next value`);
    next[id]++;
  }
  assertEquals(next, new Array(senders).fill(count), "every value, once");
}

// -- Tokio's blocking tests --

Deno.test("blocking_send: a Worker's blockingSend reaches an async recv() on the main thread", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  using worker = new TestWorker();
  worker.post({
    op: "send",
    token: tx.share(),
    id: 0,
    count: 1,
    mode: "blocking",
  });
  tx.dispose();
  assertEquals(await rx.recv(), 0);
  await worker.next();
  assertEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("blocking_recv: a Worker's blockingRecv gets what the main thread sends", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  using worker = new TestWorker();
  worker.post({ op: "recv", token: rx.share() });
  await tx.send(10);
  tx.dispose();
  assertEquals((await worker.next()).values, [10]);
});

Deno.test("blocking_send_async: blockingSend throws a TypeError where the thread may not block", () => {
  // A browser's main thread throws from Atomics.wait; so does this stub.
  using _wait = stub(Atomics, "wait", () => {
    throw new TypeError("Atomics.wait cannot be called in this context");
  });
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  assertThrows(() => tx.blockingSend(1), TypeError, "may not block");
  assertEquals(rx.len(), 0, "nothing was sent");
  tx.dispose();
  rx.dispose();
});

Deno.test("blocking_recv_async: blockingRecv throws a TypeError where the thread may not block", () => {
  using _wait = stub(Atomics, "wait", () => {
    throw new TypeError("Atomics.wait cannot be called in this context");
  });
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(1);
  assertThrows(() => rx.blockingRecv(), TypeError, "may not block");
  assertThrows(() => rx.blockingRecvMany([], 1), TypeError, "may not block");
  assertEquals(rx.tryRecv(), 1, "nothing was taken");
  tx.dispose();
  rx.dispose();
});

// -- Many senders at once --

Deno.test("SharedSender: 4 Workers send 100,000 messages each (2 blocking, 2 async) through capacity 16: every message once, each sender's in order", async () => {
  const count = 100_000;
  const [tx, rx] = sharedChannel(16, { codec: codecs.number });
  const workers = [0, 1, 2, 3].map(() => new TestWorker());
  try {
    workers.forEach((w, id) =>
      w.post({
        op: "send",
        token: tx.share(),
        id,
        count,
        mode: id % 2 === 0 ? "blocking" : "async",
      })
    );
    tx.dispose();
    const values = await drain(rx);
    for (const w of workers) await w.next();
    assertPerSender(values, 4, count);
    rx.dispose();
  } finally {
    for (const w of workers) w[Symbol.dispose]();
  }
});

Deno.test("SharedSender: random aborts and timeouts take nothing, with 3 Workers and capacity 4", async () => {
  const count = 20_000;
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const workers = [0, 1, 2].map(() => new TestWorker());
  try {
    workers.forEach((w, id) =>
      w.post({
        op: "send",
        token: tx.share(),
        id,
        count,
        mode: id === 0 ? "blocking" : "async",
        cancel: true,
      })
    );
    tx.dispose();
    const values = await drain(rx);
    let cancelled = 0;
    for (const w of workers) cancelled += (await w.next()).cancelled as number;
    // Every cancelled call was retried with the same value: a call that
    // took something would show as a duplicate.
    assertPerSender(values, 3, count);
    assert(cancelled > 0, "some calls were cancelled");
    assertEquals(rx.capacity(), 4, "no permit was lost");
    rx.dispose();
  } finally {
    for (const w of workers) w[Symbol.dispose]();
  }
});

Deno.test("SharedReceiver: a blocking receiver in a Worker gets every message of 2 async senders in order", async () => {
  const count = 20_000;
  const [tx, rx] = sharedChannel(8, { codec: codecs.number });
  using receiver = new TestWorker();
  receiver.post({ op: "recv", token: rx.share() });
  const tx2 = tx.clone();
  await Promise.all([
    (async () => {
      for (let i = 0; i < count; i++) await tx.send(i);
      tx.dispose();
    })(),
    (async () => {
      for (let i = 0; i < count; i++) await tx2.send(1e6 + i);
      tx2.dispose();
    })(),
  ]);
  assertPerSender((await receiver.next()).values as number[], 2, count);
});

// -- Shutdown --

Deno.test("SharedSender.dispose() of the last sender, in a Worker, ends the stream after the buffered messages", async () => {
  const [tx, rx] = sharedChannel(64, { codec: codecs.number });
  using worker = new TestWorker();
  worker.post({
    op: "send",
    token: tx.share(),
    id: 0,
    count: 50,
    mode: "async",
  });
  tx.dispose();
  await worker.next();
  // The Worker sent and disposed; all 50 are buffered, then the end.
  assertEquals(rx.len(), 50);
  assert(rx.isClosed());
  const values: number[] = [];
  for await (const v of rx) values.push(v);
  assertEquals(values, Array.from({ length: 50 }, (_, i) => i));
});

Deno.test("SharedReceiver.dispose() wakes senders blocked in Workers with SendError", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const workers = [new TestWorker(), new TestWorker()];
  try {
    for (const w of workers) w.post({ op: "flood", token: tx.share() });
    tx.dispose();
    for (const w of workers) await w.next();
    // Wait until both block on the full channel.
    while (rx.capacity() > 0 || rx.len() < 2) await rx.recv();
    rx.dispose();
    for (const w of workers) {
      const reply = await w.next();
      assertEquals(reply.error, "SendError");
      assertEquals(reply.isSendError, true);
    }
  } finally {
    for (const w of workers) w[Symbol.dispose]();
  }
});

Deno.test("SharedReceiver.close() ends a stream whose sender was leaked by a terminated Worker", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const worker = new TestWorker();
  worker.post({ op: "hold", token: tx.share() });
  await worker.next();
  worker[Symbol.dispose]();
  tx.trySend(1);
  tx.dispose();
  // The terminated Worker's count is leaked: the stream stays open.
  assertEquals(rx.senderStrongCount(), 1);
  assertEquals(await rx.recv(), 1);
  assertEquals(rx.isClosed(), false);
  rx.close();
  assertEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("SharedSender: a send granted room by a Worker is not overtaken by a later send of the same handle", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const worker = new Worker(
    new URL("./shared/order_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const reply = new Promise<{ ok: boolean; values?: number[] }>(
      (resolve) => worker.onmessage = (event) => resolve(event.data),
    );
    const flags = new Int32Array(new SharedArrayBuffer(8));
    worker.postMessage({ token: rx.share(), flags: flags.buffer });
    tx.trySend(0);
    tx.trySend(1);
    const first = tx.send(100);
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    // The Worker took 0 and 1: `first` is granted room, one slot is free.
    Atomics.wait(flags, 1, 0);
    assertThrows(() => tx.trySend(150), TrySendError, "full");
    assertThrows(() => tx.tryReserve(), TrySendError, "full");
    const second = tx.send(200);
    await first;
    await second;
    tx.dispose();
    const { ok, values } = await reply;
    assert(ok);
    assertEquals(values, [0, 1, 100, 200]);
  } finally {
    worker.terminate();
  }
});

Deno.test("SharedSender.blockingSend() in a Worker, behind a pending send() of its handle, at capacity 1: no deadlock, call order kept", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  using worker = new TestWorker();
  worker.post({ op: "mixed", token: tx.share() });
  tx.dispose();
  await worker.next();
  // The Worker holds 0 in the channel, send(1) waiting, and blocks in
  // blockingSend(2). Taking 0 grants send(1) the room.
  const values: number[] = [];
  for await (const value of rx) values.push(value);
  assertEquals((await worker.next()).error, "");
  assertEquals(values, [0, 1, 2]);
  rx.dispose();
});

Deno.test("SharedReceiver: after close(), a permit held by a terminated Worker keeps recv() waiting; tryRecv() then dispose() is the way out", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const worker = new TestWorker();
  worker.post({ op: "hold", token: tx.share(), permit: true });
  await worker.next();
  worker[Symbol.dispose]();
  tx.trySend(1);
  tx.dispose();
  rx.close();
  assertEquals(await rx.recv(), 1);
  // The Worker's permit never comes back: the stream cannot end.
  const controller = new AbortController();
  const waiting = rx.recv({ signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort(new Error("still waiting"));
  await assertRejects(() => waiting, Error, "still waiting");
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  const last = rx.recv();
  rx.dispose();
  assertEquals(await last, undefined);
});
