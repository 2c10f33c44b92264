// Copyright 2026 the @seed/mpsc authors. MIT license.
// Hostile signals on every waiting call that takes one: a real signal whose
// own addEventListener throws or aborts it, and an object that only
// inherits from a real signal.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { channel, merge, select, unboundedChannel } from "../mod.ts";

/**
 * One waiting call: `start` makes the call on a channel where it must wait
 * (it must not throw), and `holdsNothing`, run once the call has settled,
 * shows that nothing of it is left: no sender counted (the channel closes
 * when the senders go), no receive in line (a message goes to `tryRecv`).
 */
interface Case {
  name: string;
  start(options: { signal: AbortSignal }): Promise<unknown>;
  holdsNothing(): Promise<void>;
}

/** A bounded channel of capacity 1, full; the senders' checks. */
function fullChannel(): {
  tx: ReturnType<typeof channel<number>>[0];
  holdsNothing(): Promise<void>;
} {
  const [tx, rx] = channel<number>(1);
  tx.trySend(0);
  return {
    tx,
    async holdsNothing() {
      tx.dispose();
      // The filler, then the end: no call kept a sender counted, and none
      // sent anything.
      assertStrictEquals(await rx.recv(), 0);
      assertStrictEquals(await rx.recv(), undefined);
    },
  };
}

/** An empty bounded channel; the receivers' checks. */
function emptyChannel(): {
  rx: ReturnType<typeof channel<number>>[1];
  holdsNothing(): Promise<void>;
} {
  const [tx, rx] = channel<number>(1);
  return {
    rx,
    async holdsNothing() {
      // No receive is left in line to take this message.
      tx.trySend(1);
      assertStrictEquals(rx.tryRecv(), 1);
      tx.dispose();
      assertStrictEquals(await rx.recv(), undefined);
    },
  };
}

/** An empty unbounded channel; the receivers' checks. */
function emptyUnbounded(): {
  rx: ReturnType<typeof unboundedChannel<number>>[1];
  tx: ReturnType<typeof unboundedChannel<number>>[0];
  holdsNothing(): Promise<void>;
} {
  const [tx, rx] = unboundedChannel<number>();
  return {
    rx,
    tx,
    async holdsNothing() {
      tx.send(1);
      assertStrictEquals(rx.tryRecv(), 1);
      tx.dispose();
      assertStrictEquals(await rx.recv(), undefined);
    },
  };
}

/** Every waiting call that takes a signal. */
function cases(): Case[] {
  const list: Case[] = [];
  const sender = (
    name: string,
    call: (
      tx: ReturnType<typeof channel<number>>[0],
      options: { signal: AbortSignal },
    ) => Promise<unknown>,
  ) => {
    const { tx, holdsNothing } = fullChannel();
    list.push({ name, start: (options) => call(tx, options), holdsNothing });
  };
  sender("Sender.send()", (tx, o) => tx.send(1, o));
  sender("Sender.sendTimeout()", (tx, o) => tx.sendTimeout(1, 60_000, o));
  sender("Sender.reserve()", (tx, o) => tx.reserve(o));
  sender("Sender.reserveMany()", (tx, o) => tx.reserveMany(1, o));
  {
    // The call consumes its sender, unless it refuses its arguments: then
    // the sender is still the caller's to dispose.
    const { tx, holdsNothing } = fullChannel();
    const owner = tx.clone();
    list.push({
      name: "Sender.reserveOwned()",
      start: (o) => owner.reserveOwned(o),
      holdsNothing() {
        owner.dispose();
        return holdsNothing();
      },
    });
  }
  sender("Sender.closed()", (tx, o) => tx.closed(o));
  sender("select() over a sender", (tx, o) => select({ tx }, o));
  {
    const { tx, holdsNothing } = emptyUnbounded();
    list.push({
      name: "UnboundedSender.closed()",
      start: (o) => tx.closed(o),
      holdsNothing,
    });
  }
  const receiver = (
    name: string,
    call: (
      rx: ReturnType<typeof channel<number>>[1],
      options: { signal: AbortSignal },
    ) => Promise<unknown>,
  ) => {
    const { rx, holdsNothing } = emptyChannel();
    list.push({ name, start: (options) => call(rx, options), holdsNothing });
  };
  receiver("Receiver.recv()", (rx, o) => rx.recv(o));
  receiver("Receiver.recvMany()", (rx, o) => rx.recvMany([], 4, o));
  receiver("Receiver.values()", (rx, o) => rx.values(o).next());
  receiver("select() over a receiver", (rx, o) => select({ rx }, o));
  receiver(
    "select() over a receiver and a promise",
    (rx, o) => select({ rx, never: new Promise<never>(() => {}) }, o),
  );
  receiver("merge()", (rx, o) => merge({ rx }, o).next());
  const unbounded = (
    name: string,
    call: (
      rx: ReturnType<typeof unboundedChannel<number>>[1],
      options: { signal: AbortSignal },
    ) => Promise<unknown>,
  ) => {
    const { rx, holdsNothing } = emptyUnbounded();
    list.push({ name, start: (options) => call(rx, options), holdsNothing });
  };
  unbounded("UnboundedReceiver.recv()", (rx, o) => rx.recv(o));
  unbounded("UnboundedReceiver.recvMany()", (rx, o) => rx.recvMany([], 4, o));
  unbounded("UnboundedReceiver.values()", (rx, o) => rx.values(o).next());
  return list;
}

/** Calls `start` and checks that it did not throw synchronously. */
function startWithout(thrown: Case, signal: AbortSignal): Promise<unknown> {
  let promise: Promise<unknown> | undefined;
  try {
    promise = thrown.start({ signal });
  } catch (error) {
    throw new Error(`${thrown.name} threw synchronously: ${error}`);
  }
  assert(promise instanceof Promise);
  return promise;
}

Deno.test("AbortSignal whose own addEventListener throws: every waiting call rejects with that error, throws nothing synchronously and holds nothing", async (t) => {
  for (const c of cases()) {
    await t.step(c.name, async () => {
      const { signal } = new AbortController();
      const refused = new Error("no listeners here");
      Object.defineProperty(signal, "addEventListener", {
        value() {
          throw refused;
        },
      });
      const error = await assertRejects(() => startWithout(c, signal));
      assertStrictEquals(error, refused);
      await c.holdsNothing();
    });
  }
});

Deno.test("AbortSignal whose own addEventListener aborts it: every waiting call rejects with the reason and holds nothing", async (t) => {
  for (const c of cases()) {
    await t.step(c.name, async () => {
      const controller = new AbortController();
      const { signal } = controller;
      const add = signal.addEventListener.bind(signal);
      const reason = new Error("aborted while listening");
      Object.defineProperty(signal, "addEventListener", {
        value(...args: Parameters<typeof add>) {
          add(...args);
          controller.abort(reason);
        },
      });
      const error = await assertRejects(() => startWithout(c, signal));
      assertStrictEquals(error, reason);
      await c.holdsNothing();
    });
  }
});

Deno.test("AbortSignal whose own addEventListener throws still aborts calls that share it with a listener already added", async () => {
  // The group of a signal is made once: a later call joins it without
  // calling addEventListener, and is aborted with the signal.
  const controller = new AbortController();
  const { signal } = controller;
  const [tx, rx] = channel<number>(1);
  const first = rx.recv({ signal });
  Object.defineProperty(signal, "addEventListener", {
    value() {
      throw new Error("too late to matter");
    },
  });
  const second = select({ rx }, { signal });
  controller.abort(new Error("both"));
  await assertRejects(() => first, Error, "both");
  await assertRejects(() => second, Error, "both");
  tx.dispose();
});

Deno.test("An object that only inherits from an AbortSignal is refused with a TypeError naming options.signal", async (t) => {
  for (const c of cases()) {
    await t.step(c.name, async () => {
      const controller = new AbortController();
      const fake = Object.create(controller.signal) as AbortSignal;
      if (c.name.endsWith("values()")) {
        // A synchronous call: it throws at once.
        const error = assertThrows(() => c.start({ signal: fake }), TypeError);
        assertStringIncludes(error.message, "options.signal");
      } else {
        const error = await assertRejects(
          () => startWithout(c, fake),
          TypeError,
        );
        assertStringIncludes(error.message, "options.signal");
        assertStringIncludes(error.message, "an AbortSignal");
        if (c.name === "merge()") {
          assertStringIncludes(error.message, "Cannot merge receivers");
        }
      }
      controller.abort();
      await c.holdsNothing();
    });
  }
});

Deno.test("A real AbortSignal from AbortSignal.timeout() and AbortSignal.any() is accepted", async () => {
  const [tx, rx] = channel<number>(1);
  const timeout = AbortSignal.timeout(5);
  await assertRejects(() => rx.recv({ signal: timeout }), DOMException);
  const controller = new AbortController();
  const any = AbortSignal.any([controller.signal]);
  const receiving = select({ rx }, { signal: any });
  controller.abort(new Error("any"));
  await assertRejects(() => receiving, Error, "any");
  tx.trySend(3);
  assertEquals(rx.tryRecv(), 3);
  tx.dispose();
});
