// Copyright 2026 the @seed/mpsc authors. MIT license.
// What bounded and unbounded channels share, tested on both kinds.

import {
  assert,
  assertMatch,
  assertNotMatch,
  assertNotStrictEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { channel, SendError, unboundedChannel } from "../mod.ts";

// -- closed() --

Deno.test("Sender.closed() without a signal leaves no waiter per call behind", async () => {
  const [tx, rx] = channel<number>(1);
  const [utx, urx] = unboundedChannel<number>();
  // Calls that lose a race are never awaited again: they share one promise,
  // so they cannot pile up until the channel closes.
  assertStrictEquals(tx.closed(), tx.closed());
  assertStrictEquals(utx.closed(), utx.closed());
  const signal = new AbortController().signal;
  assertNotStrictEquals(tx.closed({ signal }), tx.closed());
  const pending = [tx.closed(), utx.closed()];
  rx.close();
  urx.close();
  await Promise.all(pending);
  assert(tx.isClosed() && utx.isClosed());
  tx.dispose();
  utx.dispose();
  rx.dispose();
  urx.dispose();
});

// -- Disposal --

Deno.test("[Symbol.dispose] is the very dispose() function on every handle and permit", async () => {
  const [tx, rx] = channel<number>(4);
  const [utx, urx] = unboundedChannel<number>();
  const weak = tx.downgrade();
  const uweak = utx.downgrade();
  const permit = await tx.reserve();
  const permits = await tx.reserveMany(1);
  const owned = await tx.clone().reserveOwned();
  const handles = [tx, rx, utx, urx, weak, uweak, permit, permits, owned];
  for (const handle of handles) {
    assertStrictEquals(handle[Symbol.dispose], handle.dispose);
    handle[Symbol.dispose]();
  }
  assertThrows(() => tx.capacity(), ReferenceError);
  assertThrows(() => urx.len(), ReferenceError);
});

// -- Debug output --

Deno.test("Deno.inspect() shows a handle's state and never a message", () => {
  const [tx, rx] = channel<string>(4);
  tx.trySend("secret");
  const shown = Deno.inspect([tx, rx]);
  assertMatch(
    shown,
    /Sender \{ capacity: 3, maxCapacity: 4, strongCount: 1, closed: false \}/,
  );
  assertMatch(
    shown,
    /Receiver \{ len: 1, capacity: 3, maxCapacity: 4, closed: false \}/,
  );
  assertNotMatch(shown, /secret/);
  tx.dispose();
  assertStrictEquals(Deno.inspect(tx), "Sender { disposed: true }");
  rx.dispose();
  assertStrictEquals(Deno.inspect(rx), "Receiver { disposed: true }");
  const [utx, urx] = unboundedChannel<string>();
  utx.send("secret");
  assertNotMatch(Deno.inspect([utx, urx, utx.downgrade()]), /secret/);
  assertNotMatch(Deno.inspect(new SendError("secret")), /secret/);
  utx.dispose();
  urx.dispose();
});
