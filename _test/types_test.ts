// Copyright 2026 the @seed/mpsc authors. MIT license.
// Type tests, checked by `deno check` and `deno test`: what must not compile (each `@ts-expect-error`) and what must.
//
// A `@ts-expect-error` line whose next line compiles is itself an error, so
// `deno check _test/types_test.ts` fails if any of these starts to compile.
// The functions holding them are never called: their lines would throw.

import { assertStrictEquals } from "@std/assert";
import {
  channel,
  type OwnedPermit,
  type Permit,
  type Receiver,
  type Sender,
  TrySendError,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
  type WeakSender,
} from "../mod.ts";
import { toReadableStream, toWritableStream } from "../stream.ts";

/** Accepts exactly `T`: a wrong argument type is a compile error. */
function expectType<T>(_value: T): void {}

// -- What must not compile --

export async function mustNotCompile(): Promise<void> {
  const [tx, rx] = channel<number>(1);
  // @ts-expect-error: a string is not a number
  await tx.send("one");
  // @ts-expect-error: a string is not a number
  tx.trySend("one");
  // @ts-expect-error: a string is not a number
  await tx.sendTimeout("one", 10);
  // @ts-expect-error: the buffer is a number
  channel<number>("1");
  // @ts-expect-error: send() needs the value to send
  await tx.send();

  const permit = await tx.reserve();
  // @ts-expect-error: Permit<number>.send() needs a number
  permit.send();
  // @ts-expect-error: Permit<number>.send() takes a number, not a string
  permit.send("one");
  const owned = await tx.clone().reserveOwned();
  // @ts-expect-error: OwnedPermit<number>.send() needs a number
  owned.send();

  const [utx, urx] = unboundedChannel<string>();
  // @ts-expect-error: an unbounded receiver has no capacity()
  urx.capacity();
  // @ts-expect-error: an unbounded receiver has no maxCapacity()
  urx.maxCapacity();
  // @ts-expect-error: an unbounded sender has no capacity()
  utx.capacity();
  // @ts-expect-error: an unbounded sender has no reserve()
  await utx.reserve();
  // @ts-expect-error: a number is not a string
  utx.send(1);

  // @ts-expect-error: recv() may resolve undefined (closed and drained)
  const n: number = await rx.recv();
  // @ts-expect-error: upgrade() may return undefined
  const upgraded: Sender<number> = tx.downgrade().upgrade();
  // @ts-expect-error: a Sender<number> is no Sender<string>
  const wrong: Sender<string> = tx;
  // @ts-expect-error: an unbounded receiver is not a bounded one
  const bounded: Receiver<string> = urx;
  // @ts-expect-error: the stream carries numbers, not strings
  const strings: ReadableStream<string> = toReadableStream(rx);
  // @ts-expect-error: a number stream does not write into a string channel
  await ReadableStream.from([1, 2]).pipeTo(toWritableStream(utx));
  void [n, upgraded, wrong, bounded, strings];
}

// -- What must compile --

export async function mustCompile(): Promise<void> {
  const [tx, rx] = channel<number>(4);
  expectType<Sender<number>>(tx);
  expectType<Receiver<number>>(rx);
  expectType<Promise<void>>(tx.send(1));
  expectType<number | undefined>(await rx.recv());
  expectType<Permit<number>>(await tx.reserve());
  expectType<OwnedPermit<number>>(await tx.clone().reserveOwned());
  expectType<Sender<number>>((await tx.clone().reserveOwned()).send(2));
  expectType<WeakSender<number>>(tx.downgrade());
  expectType<Sender<number> | undefined>(tx.downgrade().upgrade());
  expectType<number>(rx.capacity());
  expectType<ReadableStream<number>>(toReadableStream(rx));
  expectType<WritableStream<number>>(toWritableStream(tx));

  const [utx, urx] = unboundedChannel<string | undefined>();
  expectType<UnboundedSender<string | undefined>>(utx);
  expectType<UnboundedReceiver<string | undefined>>(urx);
  expectType<void>(utx.send(undefined));
  expectType<ReadableStream<string | undefined>>(toReadableStream(urx));
  for await (const message of urx) expectType<string | undefined>(message);

  // A permit for `void` messages is used without an argument.
  const [vtx] = channel<void>(1);
  (await vtx.reserve()).send();
  await vtx.send();
}

// -- At run time --

Deno.test("Sender.tryReserveOwned() hands back a Sender<T> in its error", () => {
  const [tx, rx] = channel<number>(1);
  tx.trySend(1);
  let back: Sender<number> | undefined;
  try {
    tx.tryReserveOwned();
  } catch (error) {
    if (!(error instanceof TrySendError)) throw error;
    // The error documents its value as `Sender<T>`: typed as such, it is
    // the same sender, unconsumed and usable.
    const typed: TrySendError<Sender<number>> = error;
    assertStrictEquals(typed.kind, "full");
    back = typed.value;
  }
  assertStrictEquals(back, tx);
  assertStrictEquals(back?.capacity(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("mustCompile() and mustNotCompile() are type-checked, never run", () => {
  // Their bodies are checked at compile time; running them is not the point.
  assertStrictEquals(typeof mustNotCompile, "function");
  assertStrictEquals(typeof mustCompile, "function");
});

Deno.test("handles are invariant in their message type", () => {
  const [tx, rx] = channel<number>(1);
  const [utx, urx] = unboundedChannel<number>();
  // @ts-expect-error: a Sender<number> must not accept strings.
  const wide: Sender<number | string> = tx;
  // @ts-expect-error: nor a Receiver<number> promise strings.
  const narrow: Receiver<string> = rx;
  // @ts-expect-error: nor an UnboundedSender<number> accept strings.
  const wideUnbounded: UnboundedSender<number | string> = utx;
  const weak = tx.downgrade();
  // @ts-expect-error: nor a WeakSender<number> upgrade to a wider sender.
  const wideWeak: WeakSender<number | string> = weak;
  const permit = tx.tryReserve();
  // @ts-expect-error: nor a Permit<number> send strings.
  const widePermit: Permit<number | string> = permit;
  void [wide, narrow, wideUnbounded, wideWeak, widePermit];
  permit.dispose();
  weak.dispose();
  tx.dispose();
  rx.dispose();
  utx.dispose();
  urx.dispose();
});
