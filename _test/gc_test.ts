// Copyright 2026 the @seed/mpsc authors. MIT license.
// Garbage: what the channel no longer needs, it no longer keeps alive.
// Run with --v8-flags=--expose-gc.

import {
  assert,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import {
  channel,
  type Receiver,
  type Sender,
  unboundedChannel,
} from "../mod.ts";

// A WeakRef's target stays alive until the end of the job that created or
// last dereferenced it, so the collection runs after a macrotask.
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assertStrictEquals(typeof gc, "function", "run with --v8-flags=--expose-gc");
  for (let i = 0; i < 3; i++) {
    await setImmediate();
    gc!();
  }
}

// A message that is an object, so a WeakRef can watch it.
class Marker {
  constructor(readonly id: number) {}
}

async function assertCollected(
  refs: WeakRef<object>[],
  what: string,
): Promise<void> {
  await collect();
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  assertStrictEquals(
    alive,
    0,
    `${alive} of ${refs.length} ${what} still reachable`,
  );
}

// -- Receiver disposal --

Deno.test("Receiver.dispose() lets the buffered messages be collected while senders live", async () => {
  const [tx, rx] = channel<Marker>(100);
  const refs: WeakRef<object>[] = [];
  await (async () => {
    for (let i = 0; i < 70; i++) {
      const marker = new Marker(i);
      refs.push(new WeakRef(marker));
      await tx.send(marker);
    }
  })();
  rx.dispose();
  await assertCollected(refs, "buffered messages");
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("UnboundedReceiver.dispose() lets the buffered messages be collected while senders live", async () => {
  const [tx, rx] = unboundedChannel<Marker>();
  const refs: WeakRef<object>[] = [];
  (() => {
    for (let i = 0; i < 1000; i++) {
      const marker = new Marker(i);
      refs.push(new WeakRef(marker));
      tx.send(marker);
    }
  })();
  rx.dispose();
  await assertCollected(refs, "buffered messages");
  tx.dispose();
});

Deno.test("Receiver.dispose() lets a message sent later through a permit be collected", async () => {
  const [tx, rx] = channel<Marker>(2);
  const permit = await tx.reserve();
  rx.dispose();
  const refs: WeakRef<object>[] = [];
  (() => {
    const marker = new Marker(0);
    refs.push(new WeakRef(marker));
    permit.send(marker);
  })();
  await assertCollected(refs, "messages sent after disposal");
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
});

Deno.test("Receiver.dispose() lets the value of a failed pending send be collected once handed back", async () => {
  const [tx, rx] = channel<Marker>(1);
  await tx.send(new Marker(0));
  const refs: WeakRef<object>[] = [];
  const pending = (() => {
    const marker = new Marker(1);
    refs.push(new WeakRef(marker));
    return tx.send(marker).catch((e: Error) => e.name);
  })();
  rx.dispose();
  assertStrictEquals(await pending, "SendError");
  await assertCollected(refs, "unsent values");
  tx.dispose();
});

// -- Received and aborted messages --

Deno.test("Receiver.recv() leaves no reference to a received message in the blocks", async () => {
  const [tx, rx] = channel<Marker>(64);
  const refs: WeakRef<object>[] = [];
  await (async () => {
    for (let i = 0; i < 200; i++) {
      const marker = new Marker(i);
      refs.push(new WeakRef(marker));
      await tx.send(marker);
      if (i % 3 === 0) rx.tryRecv();
      else if (i % 3 === 1) await rx.recv();
      else await rx.recvMany([], 1);
    }
  })();
  // One more message in flight keeps the current block in use.
  await tx.send(new Marker(-1));
  await assertCollected(refs, "received messages");
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.send() aborted while waiting keeps no reference to its value", async () => {
  const [tx, rx] = channel<Marker>(1);
  await tx.send(new Marker(0));
  const controller = new AbortController();
  const refs: WeakRef<object>[] = [];
  const pending = (() => {
    const marker = new Marker(1);
    refs.push(new WeakRef(marker));
    return tx.send(marker, { signal: controller.signal }).catch(() =>
      "aborted"
    );
  })();
  controller.abort();
  assertStrictEquals(await pending, "aborted");
  // The signal, the sender and the receiver all live on.
  await assertCollected(refs, "aborted values");
  assertStrictEquals(controller.signal.aborted, true);
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

// Settles `count` receive calls, half aborted and half served, watching
// their promises. Runs in its own frame, so the caller's frame holds none.
async function settleReceives(
  refs: WeakRef<object>[],
  count: number,
): Promise<void> {
  const [tx, rx] = channel<number>(1);
  const shared = new AbortController();
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const inner = new AbortController();
      const promise = rx.recv({ signal: inner.signal });
      refs.push(new WeakRef(promise));
      inner.abort();
      await promise.catch(() => {});
    } else {
      const promise = rx.recv({ signal: shared.signal });
      refs.push(new WeakRef(promise));
      await tx.send(i);
      assertStrictEquals(await promise, i);
    }
  }
  tx.dispose();
  rx.dispose();
}

// The control: plain promises settled the same way.
async function settlePlain(refs: WeakRef<object>[], count: number) {
  for (let i = 0; i < count; i++) {
    const promise = i % 2 === 0
      ? Promise.reject(new Error("x"))
      : Promise.resolve(i);
    refs.push(new WeakRef(promise));
    await promise.catch(() => {});
  }
}

Deno.test("Receiver.recv() leaves no settled call's promise reachable", async () => {
  const control: WeakRef<object>[] = [];
  await settlePlain(control, 10);
  const refs: WeakRef<object>[] = [];
  await settleReceives(refs, 10);
  await assertCollected(control, "plain promises (control)");
  await assertCollected(refs, "settled receive promises");
});

// -- Disposed handles keep nothing alive --

// Buffers a marker, leaves the returned handle disposed (or used up) and
// drops every other handle without disposing the receiver: only the kept
// handle could still reach the channel and so the marker.
async function keepOnly(
  make: (tx: Sender<Marker>, rx: Receiver<Marker>) => Promise<object>,
): Promise<{ kept: object; refs: WeakRef<object>[] }> {
  const [tx, rx] = channel<Marker>(8);
  const marker = new Marker(0);
  const refs = [new WeakRef<object>(marker)];
  await tx.send(marker);
  const kept = await make(tx, rx);
  return { kept, refs };
}

Deno.test("Sender.dispose() leaves a disposed sender holding nothing", async () => {
  const { kept, refs } = await keepOnly((tx) => {
    tx.dispose();
    return Promise.resolve(tx);
  });
  await assertCollected(refs, "messages behind a disposed sender");
  assertThrows(() => (kept as { clone(): unknown }).clone(), ReferenceError);
});

Deno.test("WeakSender.dispose() leaves a disposed weak sender holding nothing", async () => {
  const { kept, refs } = await keepOnly((tx) => {
    const weak = tx.downgrade();
    weak.dispose();
    tx.dispose();
    return Promise.resolve(weak);
  });
  await assertCollected(refs, "messages behind a disposed weak sender");
  assert(kept);
});

Deno.test("Permit.dispose() and Permit.send() leave the permit holding nothing", async () => {
  const { kept, refs } = await keepOnly(async (tx) => {
    const unused = await tx.reserve();
    const used = await tx.reserve();
    unused.dispose();
    used.send(new Marker(1));
    tx.dispose();
    return [unused, used];
  });
  await assertCollected(refs, "messages behind disposed permits");
  assertStrictEquals((kept as unknown[]).length, 2);
});

Deno.test("PermitIterator.dispose() leaves the iterator holding nothing", async () => {
  const { kept, refs } = await keepOnly(async (tx) => {
    const permits = await tx.reserveMany(3);
    permits.next();
    permits.dispose();
    tx.dispose();
    return permits;
  });
  await assertCollected(refs, "messages behind a disposed permit iterator");
  assert(kept);
});

Deno.test("OwnedPermit.dispose() and OwnedPermit.send() leave the permit holding nothing", async () => {
  const { kept, refs } = await keepOnly(async (tx) => {
    const disposed = await tx.clone().reserveOwned();
    disposed.dispose();
    const used = await tx.clone().reserveOwned();
    used.send(new Marker(1)).dispose();
    tx.dispose();
    return [disposed, used];
  });
  await assertCollected(refs, "messages behind disposed owned permits");
  assertStrictEquals((kept as unknown[]).length, 2);
});

Deno.test("Receiver.dispose() leaves a disposed receiver holding nothing", async () => {
  const [tx, rx] = channel<Marker>(8);
  const refs: WeakRef<object>[] = [];
  await (async () => {
    const marker = new Marker(0);
    refs.push(new WeakRef(marker));
    await tx.send(marker);
  })();
  tx.dispose();
  rx.dispose();
  await assertCollected(refs, "messages behind a disposed receiver");
  await assertRejects(() => rx.recv(), ReferenceError);
});
