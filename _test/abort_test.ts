// Copyright 2026 the @seed/mpsc authors. MIT license.
// Cancellation with AbortSignal, on both channel kinds: a signal aborted
// before the call or while it waits, what an aborted call leaves (nothing
// taken, its place handed on), calls granted before the abort, and the
// listeners a signal keeps.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  channel,
  type Receiver,
  type Sender,
  SendError,
  unboundedChannel,
} from "../mod.ts";
import { type Kind, kindsTest } from "./_kinds.ts";
import {
  assertRejectsSendTimeoutError,
  assertThrowsTryRecvError,
  countListeners,
  settle,
  stateOf,
} from "./_util.ts";

/** Fills the channel of `tx` with `count` messages, without waiting. */
function fill(tx: Sender<number>, count: number): void {
  for (let i = 0; i < count; i++) tx.trySend(i);
}

// -- Both kinds --

kindsTest({
  bounded: "Receiver.recv() aborted while waiting takes no message",
  unbounded: "UnboundedReceiver.recv() aborted while waiting takes no message",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(2);
  const controller = new AbortController();
  const aborted = rx.recv({ signal: controller.signal });
  assertStrictEquals(await stateOf(aborted), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => aborted),
    controller.signal.reason,
  );
  kind.put(tx, 1);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded:
    "Receiver.recvMany() aborted while waiting takes no message and leaves the buffer alone",
  unbounded:
    "UnboundedReceiver.recvMany() aborted while waiting takes no message and leaves the buffer alone",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(2);
  const controller = new AbortController();
  const buffer = [-1];
  const aborted = rx.recvMany(buffer, 2, { signal: controller.signal });
  assertStrictEquals(await stateOf(aborted), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => aborted),
    controller.signal.reason,
  );
  kind.put(tx, 1);
  assertEquals(buffer, [-1]);
  assertStrictEquals(rx.len(), 1);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded: "Sender.closed() aborted while waiting rejects with the reason",
  unbounded:
    "UnboundedSender.closed() aborted while waiting rejects with the reason",
}, async ({ make }) => {
  const [tx, rx] = make<number>(1);
  const controller = new AbortController();
  const closing = tx.closed({ signal: controller.signal });
  const other = tx.closed();
  assertStrictEquals(await stateOf(closing), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => closing),
    controller.signal.reason,
  );
  rx.close();
  await other;
  assertStrictEquals(tx.isClosed(), true);
  tx.dispose();
  rx.dispose();
});

kindsTest({
  bounded: "Receiver.values() stops on an abort and takes nothing",
  unbounded: "UnboundedReceiver.values() stops on an abort and takes nothing",
}, async (kind) => {
  const [tx, rx] = kind.make<number>(4);
  // Aborted after a message: the loop rejects, and the next message stays.
  const controller = new AbortController();
  const got: number[] = [];
  const loop = (async () => {
    for await (const n of rx.values({ signal: controller.signal })) got.push(n);
  })();
  kind.put(tx, 1);
  await settle();
  controller.abort(new Error("stop"));
  await assertRejects(() => loop, Error, "stop");
  kind.put(tx, 2);
  assertEquals(got, [1]);
  assertStrictEquals(rx.tryRecv(), 2);
  // Aborted while a step waits: the step rejects and takes nothing.
  const other = new AbortController();
  const step = rx.values({ signal: other.signal }).next();
  other.abort(new Error("stop"));
  await assertRejects(() => step, Error, "stop");
  kind.put(tx, 3);
  assertStrictEquals(rx.tryRecv(), 3);
  await nextMacrotask();
  tx.dispose();
  rx.dispose();
});

// -- Bounded channels --

Deno.test("AbortSignal already aborted makes every waiting method reject with its reason and change nothing", async (t) => {
  const reason = new Error("aborted before the call");
  const signal = AbortSignal.abort(reason);
  const cases: [
    string,
    (tx: Sender<number>, rx: Receiver<number>) => Promise<unknown>,
  ][] = [
    ["Sender.send()", (tx) => tx.send(9, { signal })],
    ["Sender.sendTimeout()", (tx) => tx.sendTimeout(9, 1_000, { signal })],
    [
      "Sender.sendTimeout() with ms 0",
      (tx) => tx.sendTimeout(9, 0, { signal }),
    ],
    ["Sender.reserve()", (tx) => tx.reserve({ signal })],
    ["Sender.reserveMany()", (tx) => tx.reserveMany(2, { signal })],
    ["Sender.reserveMany(0)", (tx) => tx.reserveMany(0, { signal })],
    ["Sender.closed()", (tx) => tx.closed({ signal })],
    ["Receiver.recv()", (_, rx) => rx.recv({ signal })],
    ["Receiver.recvMany()", (_, rx) => rx.recvMany([], 4, { signal })],
    [
      "Receiver.recvMany() with limit 0",
      (_, rx) => rx.recvMany([], 0, { signal }),
    ],
  ];
  for (const closed of [false, true]) {
    for (const [name, call] of cases) {
      await t.step(
        `${name} on ${closed ? "a closed" : "an open"} channel`,
        async () => {
          const [tx, rx] = channel<number>(4);
          fill(tx, 1);
          if (closed) rx.close();
          assertStrictEquals(await assertRejects(() => call(tx, rx)), reason);
          assertStrictEquals(rx.len(), 1);
          assertStrictEquals(tx.capacity(), 3);
          assertStrictEquals(rx.isClosed(), closed);
          assertStrictEquals(rx.tryRecv(), 0);
          tx.dispose();
          rx.dispose();
        },
      );
    }
  }
  await t.step("Receiver.recv() on a finished channel", async () => {
    const [tx, rx] = channel<number>(1);
    tx.dispose();
    assertStrictEquals(await assertRejects(() => rx.recv({ signal })), reason);
    assertStrictEquals(
      await assertRejects(() => rx.recvMany([], 1, { signal })),
      reason,
    );
    rx.dispose();
  });
  await t.step(
    "Sender.reserveOwned() leaves the channel's capacity alone",
    async () => {
      const [tx, rx] = channel<number>(2);
      assertStrictEquals(
        await assertRejects(() => tx.clone().reserveOwned({ signal })),
        reason,
      );
      assertStrictEquals(tx.capacity(), 2);
      assertStrictEquals(rx.senderStrongCount(), 1);
      tx.dispose();
      rx.dispose();
    },
  );
  await t.step("rejects with the default AbortError reason too", async () => {
    const [tx, rx] = channel<number>(1);
    const controller = new AbortController();
    controller.abort();
    assertStrictEquals(
      await assertRejects(() => tx.send(1, { signal: controller.signal })),
      controller.signal.reason,
    );
    assertStrictEquals(
      await assertRejects(() => rx.recv({ signal: controller.signal })),
      controller.signal.reason,
    );
    tx.dispose();
    rx.dispose();
  });
});

Deno.test("Sender.send() aborted while waiting rejects with the reason and sends nothing", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reason = new Error("stop");
  const sending = tx.send(1, { signal: controller.signal });
  assertStrictEquals(await stateOf(sending), "pending");
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => sending), reason);
  assertStrictEquals(await rx.recv(), 0);
  // The aborted waiter is gone: the freed slot is free for anyone.
  assertStrictEquals(tx.capacity(), 1);
  tx.trySend(2);
  assertStrictEquals(await rx.recv(), 2);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.sendTimeout() aborted while waiting rejects with the reason and sends nothing", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reason = new Error("stop");
  const sending = tx.sendTimeout(1, 60_000, { signal: controller.signal });
  assertStrictEquals(await stateOf(sending), "pending");
  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => sending), reason);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(tx.capacity(), 1);
  assertThrowsTryRecvError(() => rx.tryRecv(), "empty");
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() aborted while waiting holds no permit", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserve({ signal: controller.signal });
  const next = tx.reserve();
  assertStrictEquals(await stateOf(reserving), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reserving),
    controller.signal.reason,
  );
  assertStrictEquals(await rx.recv(), 0);
  // The slot went to the next waiter, not to the aborted one.
  const permit = await next;
  permit.send(1);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted while waiting gives back what it collected", async () => {
  const [tx, rx] = channel<number>(3);
  fill(tx, 3);
  const controller = new AbortController();
  const reserving = tx.reserveMany(3, { signal: controller.signal });
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 0);
  assertStrictEquals(await stateOf(reserving), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reserving),
    controller.signal.reason,
  );
  assertStrictEquals(tx.capacity(), 2);
  assertStrictEquals(rx.len(), 1);
  tx.tryReserveMany(2).dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() aborted while waiting hands its permits on to the next waiter", async () => {
  const [tx, rx] = channel<number>(2);
  fill(tx, 2);
  const controller = new AbortController();
  const reservingMany = tx.reserveMany(2, { signal: controller.signal });
  const reserving = tx.reserve();
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(await stateOf(reserving), "pending");
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => reservingMany),
    controller.signal.reason,
  );
  const permit = await reserving;
  assertStrictEquals(tx.capacity(), 0);
  permit.dispose();
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() aborted in the middle of a queue of receives leaves the others in order", async () => {
  const [tx, rx] = channel<string>(4);
  const controller = new AbortController();
  const first = rx.recv();
  const second = rx.recv({ signal: controller.signal });
  const third = rx.recv();
  controller.abort();
  assertStrictEquals(
    await assertRejects(() => second),
    controller.signal.reason,
  );
  tx.trySend("a");
  tx.trySend("b");
  assertStrictEquals(await first, "a");
  assertStrictEquals(await third, "b");
  tx.dispose();
  rx.dispose();
});

// Each row names its step for the kinds it runs on (the name that kind's
// table gave it), and runs one scenario on each.
interface ListenerRow {
  bounded?: string;
  unbounded?: string;
  scenario: (
    kind: Kind,
    signal: AbortSignal,
    listeners: () => number,
  ) => Promise<void>;
}

const LISTENER_ROWS: ListenerRow[] = [
  {
    bounded: "Sender.send() resolved",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.send(1, { signal });
      assert(listeners() > 0);
      await rx.recv();
      await sending;
      rx.dispose();
    },
  },
  {
    bounded: "Sender.send() rejected by close",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.send(1, { signal });
      assert(listeners() > 0);
      rx.close();
      await assertRejects(() => sending, SendError);
    },
  },
  {
    bounded: "Sender.sendTimeout() resolved",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, 60_000, { signal });
      assert(listeners() > 0);
      await rx.recv();
      await sending;
      rx.dispose();
    },
  },
  {
    bounded: "Sender.sendTimeout() timed out",
    scenario: async (_, signal, listeners) => {
      const [tx] = channel<number>(1);
      fill(tx, 1);
      const sending = tx.sendTimeout(1, 1, { signal });
      assert(listeners() > 0);
      await assertRejectsSendTimeoutError(sending, { kind: "timeout" });
    },
  },
  {
    bounded: "Sender.reserve() resolved",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const reserving = tx.reserve({ signal });
      assert(listeners() > 0);
      await rx.recv();
      (await reserving).dispose();
    },
  },
  {
    bounded: "Sender.reserveMany() resolved after collecting",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(2);
      fill(tx, 2);
      const reserving = tx.reserveMany(2, { signal });
      assert(listeners() > 0);
      await rx.recv();
      await rx.recv();
      (await reserving).dispose();
    },
  },
  {
    bounded: "Sender.reserveOwned() rejected by receiver dispose",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(1);
      fill(tx, 1);
      const reserving = tx.reserveOwned({ signal });
      assert(listeners() > 0);
      rx.dispose();
      await assertRejects(() => reserving, SendError);
    },
  },
  {
    bounded: "Sender.closed() resolved",
    unbounded: "UnboundedSender.closed() resolved by close()",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const closing = tx.closed({ signal });
      assert(listeners() > 0);
      rx.close();
      await closing;
      tx.dispose();
      rx.dispose();
    },
  },
  {
    bounded: "Sender.closed() resolved by receiver dispose",
    unbounded: "UnboundedSender.closed() resolved by receiver dispose",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const closing = tx.closed({ signal });
      assert(listeners() > 0);
      rx.dispose();
      await closing;
      tx.dispose();
    },
  },
  {
    bounded: "Receiver.recv() resolved",
    unbounded: "UnboundedReceiver.recv() resolved",
    scenario: async (kind, signal, listeners) => {
      const [tx, rx] = kind.make<number>(1);
      const receiving = rx.recv({ signal });
      assert(listeners() > 0);
      kind.put(tx, 1);
      assertStrictEquals(await receiving, 1);
      tx.dispose();
      rx.dispose();
    },
  },
  {
    bounded: "Receiver.recv() ended by the last sender",
    unbounded: "UnboundedReceiver.recv() ended by the last sender",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const receiving = rx.recv({ signal });
      assert(listeners() > 0);
      tx.dispose();
      assertStrictEquals(await receiving, undefined);
      rx.dispose();
    },
  },
  {
    bounded: "Receiver.recv() ended by close()",
    unbounded: "UnboundedReceiver.recv() ended by close()",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const receiving = rx.recv({ signal });
      assert(listeners() > 0);
      rx.close();
      assertStrictEquals(await receiving, undefined);
      tx.dispose();
      rx.dispose();
    },
  },
  {
    bounded: "Receiver.recv() ended by receiver dispose",
    unbounded: "UnboundedReceiver.recv() ended by receiver dispose",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const receiving = rx.recv({ signal });
      assert(listeners() > 0);
      rx.dispose();
      assertStrictEquals(await receiving, undefined);
      tx.dispose();
    },
  },
  {
    bounded: "Receiver.recvMany() resolved",
    unbounded: "UnboundedReceiver.recvMany() resolved",
    scenario: async (kind, signal, listeners) => {
      const [tx, rx] = kind.make<number>(1);
      const receiving = rx.recvMany([], 4, { signal });
      assert(listeners() > 0);
      kind.put(tx, 1);
      assertStrictEquals(await receiving, 1);
      tx.dispose();
      rx.dispose();
    },
  },
  {
    bounded: "Receiver.recvMany() ended by receiver dispose",
    unbounded: "UnboundedReceiver.recvMany() ended by receiver dispose",
    scenario: async ({ make }, signal, listeners) => {
      const [tx, rx] = make<number>(1);
      const receiving = rx.recvMany([], 4, { signal });
      assert(listeners() > 0);
      rx.dispose();
      assertStrictEquals(await receiving, 0);
      tx.dispose();
    },
  },
  {
    bounded: "ready calls",
    scenario: async (_, signal, listeners) => {
      const [tx, rx] = channel<number>(4);
      await tx.send(1, { signal });
      await tx.sendTimeout(2, 10, { signal });
      (await tx.reserve({ signal })).dispose();
      (await tx.reserveMany(1, { signal })).dispose();
      assertStrictEquals(await rx.recv({ signal }), 1);
      assertStrictEquals(await rx.recvMany([], 1, { signal }), 1);
      assertStrictEquals(listeners(), 0);
      tx.dispose();
      rx.dispose();
    },
  },
];

kindsTest({
  bounded:
    "AbortSignal keeps no listener of a waiting method once the call settles",
  unbounded:
    "AbortSignal keeps no listener of an unbounded waiting method once the call settles",
}, async (kind, t) => {
  for (const row of LISTENER_ROWS) {
    const name = row[kind.name];
    if (name === undefined) continue;
    await t.step(name, async () => {
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      await row.scenario(kind, controller.signal, listeners);
      assertStrictEquals(listeners(), 0);
      // A late abort has nothing to act on.
      controller.abort();
    });
  }
});

Deno.test("AbortSignal shared by several waiting calls aborts them all and keeps no listener", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const { signal } = controller;
  const clone = tx.clone();
  const calls = [
    tx.send(1, { signal }),
    tx.reserve({ signal }),
    tx.reserveMany(1, { signal }),
    tx.sendTimeout(2, 60_000, { signal }),
    clone.reserveOwned({ signal }),
    tx.closed({ signal }),
  ];
  // One listener stands for every call waiting on the signal, so settling N
  // of them costs O(N), not N removals from one long list.
  assertStrictEquals(listeners(), 1);
  controller.abort();
  for (const call of calls) {
    assertStrictEquals(await assertRejects(() => call), signal.reason);
  }
  assertStrictEquals(listeners(), 0);
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(await rx.recv(), 0);
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserve() granted before an abort keeps its permit", async () => {
  const [tx, rx] = channel<number>(1);
  fill(tx, 1);
  const controller = new AbortController();
  const reserving = tx.reserve({ signal: controller.signal });
  assertStrictEquals(await rx.recv(), 0);
  controller.abort();
  // Either the grant stands, or the abort won and the slot is back: it is
  // never lost.
  try {
    const permit = await reserving;
    assertStrictEquals(tx.capacity(), 0);
    permit.send(1);
    assertStrictEquals(await rx.recv(), 1);
  } catch (error) {
    assertStrictEquals(error, controller.signal.reason);
  }
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Receiver.recv() granted before an abort keeps its message", async () => {
  const [tx, rx] = channel<number>(1);
  const controller = new AbortController();
  const receiving = rx.recv({ signal: controller.signal });
  tx.trySend(1);
  controller.abort();
  try {
    assertStrictEquals(await receiving, 1);
    assertStrictEquals(rx.len(), 0);
  } catch (error) {
    assertStrictEquals(error, controller.signal.reason);
    assertStrictEquals(rx.tryRecv(), 1);
  }
  assertStrictEquals(tx.capacity(), 1);
  tx.dispose();
  rx.dispose();
});

// -- Unbounded channels --

Deno.test("AbortSignal already aborted makes every unbounded waiting method reject with its reason and change nothing", async (t) => {
  const reason = new Error("aborted before the call");
  const signal = AbortSignal.abort(reason);
  for (const closed of [false, true]) {
    await t.step(closed ? "closed channel" : "open channel", async () => {
      const [tx, rx] = unboundedChannel<number>();
      tx.send(1);
      if (closed) rx.close();
      assertStrictEquals(
        await assertRejects(() => tx.closed({ signal })),
        reason,
      );
      assertStrictEquals(
        await assertRejects(() => rx.recv({ signal })),
        reason,
      );
      assertStrictEquals(
        await assertRejects(() => rx.recvMany([], 4, { signal })),
        reason,
      );
      assertStrictEquals(
        await assertRejects(() => rx.recvMany([], 0, { signal })),
        reason,
      );
      assertStrictEquals(rx.len(), 1);
      assertStrictEquals(rx.isClosed(), closed);
      assertStrictEquals(rx.tryRecv(), 1);
      tx.dispose();
      rx.dispose();
    });
  }
  await t.step("finished channel", async () => {
    const [tx, rx] = unboundedChannel<number>();
    tx.dispose();
    assertStrictEquals(await assertRejects(() => rx.recv({ signal })), reason);
    assertStrictEquals(
      await assertRejects(() => rx.recvMany([], 1, { signal })),
      reason,
    );
    rx.dispose();
  });
});
