// Copyright 2026 the @seed/mpsc authors. MIT license.

import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertStrictEquals,
} from "@std/assert";
import * as mod from "../mod.ts";
import * as bounded from "../bounded.ts";
import * as unbounded from "../unbounded.ts";
import * as errors from "../error.ts";
import * as stream from "../stream.ts";
import * as selects from "../select.ts";
import * as intervals from "../interval.ts";
import * as shared from "../shared.ts";
import config from "../deno.json" with { type: "json" };
import type {
  OwnedPermit,
  Permit,
  PermitIterator,
  Receiver,
  Sender,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
  UnboundedReceiver,
  UnboundedSender,
  WaitOptions,
  WeakSender,
  WeakUnboundedSender,
} from "../mod.ts";

// The values the contract makes public, by the module that defines them.
const PUBLIC_VALUES: Record<string, Record<string, unknown>> = {
  "bounded.ts": bounded,
  "unbounded.ts": unbounded,
  "error.ts": errors,
  "stream.ts": stream,
  "select.ts": selects,
  "interval.ts": intervals,
  "shared.ts": shared,
};

// -- Re-exports --

Deno.test("mod.ts exports the constructors, MAX_BUFFER and every error class", () => {
  assertStrictEquals(typeof mod.channel, "function");
  assertStrictEquals(typeof mod.unboundedChannel, "function");
  assertStrictEquals(mod.MAX_BUFFER, Number.MAX_SAFE_INTEGER);
  for (
    const name of [
      "SendError",
      "TrySendError",
      "TryRecvError",
      "SendTimeoutError",
    ]
  ) {
    const value = (mod as Record<string, unknown>)[name];
    assertStrictEquals(typeof value, "function", name);
    assert(
      (value as { prototype: unknown }).prototype instanceof Error,
      name,
    );
  }
});

Deno.test("mod.ts re-exports every value of bounded.ts, unbounded.ts and error.ts, unchanged", () => {
  const exported = mod as Record<string, unknown>;
  for (const [file, module] of Object.entries(PUBLIC_VALUES)) {
    for (const [name, value] of Object.entries(module)) {
      assert(name in exported, `${name} of ${file} is missing from mod.ts`);
      assertStrictEquals(exported[name], value, `${name} of ${file}`);
    }
  }
});

Deno.test("mod.ts exports nothing beyond the public modules", () => {
  const known = new Set(
    Object.values(PUBLIC_VALUES).flatMap((module) => Object.keys(module)),
  );
  const extra = Object.keys(mod).filter((name) => !known.has(name));
  assertEquals(extra, []);
  for (
    const internal of [
      "setBudgetEnabled",
      "charge",
      "refill",
      "yieldNow",
      "BUDGET",
      "Chan",
      "TxRef",
      "List",
      "Block",
      "BatchSemaphore",
      "Counter",
      "Waiter",
      "WaiterQueue",
    ]
  ) {
    assertStrictEquals(internal in mod, false, internal);
  }
});

Deno.test("deno.json maps the package exports onto the public modules", () => {
  const exports: Record<string, string> = config.exports;
  assertStrictEquals(config.name, "@seed/mpsc");
  assertStrictEquals(exports["."], "./mod.ts");
  assertStrictEquals(exports["./bounded"], "./bounded.ts");
  assertStrictEquals(exports["./unbounded"], "./unbounded.ts");
  assertStrictEquals(exports["./error"], "./error.ts");
  assertStrictEquals(exports["./stream"], "./stream.ts");
  for (const path of Object.values(exports)) {
    for (
      const internal of [
        "chan",
        "block",
        "list",
        "semaphore",
        "waiter",
        "budget",
      ]
    ) {
      assertNotStrictEquals(path, `./${internal}.ts`);
    }
  }
});

// -- Types --

Deno.test("mod.ts exports the type of every handle, permit, error and option bag", async () => {
  // Type-checking this test is the assertion that every type is exported;
  // the calls below check the shapes at run time too.
  const [tx, rx]: [Sender<number>, Receiver<number>] = mod.channel<number>(4);
  const weak: WeakSender<number> = tx.downgrade();
  const permit: Permit<number> = tx.tryReserve();
  const permits: PermitIterator<number> = tx.tryReserveMany(1);
  const owned: OwnedPermit<number> = tx.clone().tryReserveOwned();
  const [utx, urx]: [UnboundedSender<number>, UnboundedReceiver<number>] = mod
    .unboundedChannel<number>();
  const uweak: WeakUnboundedSender<number> = utx.downgrade();
  const options: WaitOptions = { signal: new AbortController().signal };
  const failures: [
    SendError<number>,
    TrySendError<number>,
    TryRecvError,
    SendTimeoutError<number>,
  ] = [
    new mod.SendError(1),
    new mod.TrySendError("full", 1),
    new mod.TryRecvError("empty"),
    new mod.SendTimeoutError("timeout", 1),
  ];
  permit.send(1);
  assertStrictEquals(await rx.recv(options), 1);
  utx.send(2);
  assertStrictEquals(await urx.recv(options), 2);
  assertStrictEquals(failures.length, 4);
  for (const handle of [weak, permits, owned, tx, rx, uweak, utx, urx]) {
    handle.dispose();
  }
});

// -- Handles --

Deno.test("channel() and unboundedChannel() handles keep their state private", async () => {
  const [tx, rx] = mod.channel<number>(4);
  const [utx, urx] = mod.unboundedChannel<number>();
  const handles: object[] = [
    tx,
    rx,
    tx.downgrade(),
    await tx.reserve(),
    await tx.reserveMany(1),
    await tx.clone().reserveOwned(),
    utx,
    urx,
    utx.downgrade(),
  ];
  for (const handle of handles) {
    assertEquals(Object.keys(handle), [], handle.constructor.name);
  }
  tx.dispose();
  rx.dispose();
  utx.dispose();
  urx.dispose();
});
