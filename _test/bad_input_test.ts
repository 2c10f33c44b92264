// Copyright 2026 the @seed/mpsc authors. MIT license.
// Every public function and method called with each wrong kind of argument.

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  channel,
  MAX_BUFFER,
  type OwnedPermit,
  type Receiver,
  type Sender,
  SendError,
  TrySendError,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
} from "../mod.ts";

// The channels a case works on, fresh for every case.
interface Fixture {
  tx: Sender<number>;
  rx: Receiver<number>;
  owned: OwnedPermit<number>;
  utx: UnboundedSender<number>;
  urx: UnboundedReceiver<number>;
}

const CAPACITY = 4;

function makeFixture(): Fixture {
  const [tx, rx] = channel<number>(CAPACITY);
  const [utx, urx] = unboundedChannel<number>();
  const owned = tx.clone().tryReserveOwned();
  return { tx, rx, owned, utx, urx };
}

// What a wrong argument is, and the error class it must cause.
interface Wrong {
  label: string;
  value: unknown;
  error: typeof TypeError | typeof RangeError;
  missing?: boolean;
}

// Wrong values for a count: a safe integer from 0 (or 1) upwards.
function wrongCounts(min: number): Wrong[] {
  return [
    { label: "missing", value: undefined, error: TypeError, missing: true },
    { label: "undefined", value: undefined, error: TypeError },
    { label: "null", value: null, error: TypeError },
    { label: "a string", value: "1", error: TypeError },
    { label: "a bigint", value: 1n, error: TypeError },
    { label: "negative", value: -1, error: RangeError },
    { label: "below the minimum", value: min - 1, error: RangeError },
    { label: "fractional", value: 1.5, error: RangeError },
    { label: "NaN", value: NaN, error: RangeError },
    { label: "Infinity", value: Infinity, error: RangeError },
    { label: "-Infinity", value: -Infinity, error: RangeError },
    { label: "above the maximum", value: MAX_BUFFER + 1, error: RangeError },
    { label: "far above the maximum", value: 2 ** 60, error: RangeError },
  ];
}

// Wrong values for a duration in milliseconds: any number from 0 up to
// Infinity is allowed.
const WRONG_MS: Wrong[] = [
  { label: "missing", value: undefined, error: TypeError, missing: true },
  { label: "undefined", value: undefined, error: TypeError },
  { label: "null", value: null, error: TypeError },
  { label: "a string", value: "10", error: TypeError },
  { label: "negative", value: -1, error: RangeError },
  { label: "NaN", value: NaN, error: RangeError },
  { label: "-Infinity", value: -Infinity, error: RangeError },
];

const WRONG_BUFFERS: Wrong[] = [
  { label: "missing", value: undefined, error: TypeError, missing: true },
  { label: "undefined", value: undefined, error: TypeError },
  { label: "null", value: null, error: TypeError },
  { label: "a string", value: "abc", error: TypeError },
  { label: "a number", value: 3, error: TypeError },
  { label: "an array-like", value: { length: 0 }, error: TypeError },
];

const WRONG_SIGNALS: Wrong[] = [
  { label: "null", value: null, error: TypeError },
  { label: "a string", value: "abort", error: TypeError },
  { label: "a plain object", value: { aborted: false }, error: TypeError },
  {
    label: "an AbortController",
    value: new AbortController(),
    error: TypeError,
  },
];

const WRONG_HANDLES: Wrong[] = [
  { label: "missing", value: undefined, error: TypeError, missing: true },
  { label: "undefined", value: undefined, error: TypeError },
  { label: "null", value: null, error: TypeError },
  { label: "a number", value: 1, error: TypeError },
  { label: "a plain object", value: {}, error: TypeError },
];

// One call of one method with one wrong argument.
interface Case {
  name: string;
  arg: string;
  wrong: Wrong;
  async: boolean;
  call: (f: Fixture, value: unknown, missing: boolean) => unknown;
}

const cases: Case[] = [];
// The methods that take another handle, kept apart so that a failure there
// names itself.
const handleCases: Case[] = [];

function add(
  name: string,
  arg: string,
  wrongs: Wrong[],
  async: boolean,
  call: Case["call"],
): void {
  for (const wrong of wrongs) cases.push({ name, arg, wrong, async, call });
}

// Calls the function under test with `value`, or without the argument.
type Loose = (...args: unknown[]) => unknown;
function loose(fn: unknown): Loose {
  return fn as Loose;
}

function addHandle(
  name: string,
  arg: string,
  wrongs: Wrong[],
  call: Case["call"],
): void {
  for (const wrong of wrongs) {
    handleCases.push({ name, arg, wrong, async: false, call });
  }
}

// -- The table --

add("channel()", "buffer", wrongCounts(1), false, (_f, v, missing) => {
  return missing ? loose(channel)() : loose(channel)(v);
});
add(
  "channel() with 0",
  "buffer",
  [{ label: "zero", value: 0, error: RangeError }],
  false,
  (_f, v) => {
    return loose(channel)(v);
  },
);

for (
  const [label, call] of [
    [
      "Sender.send()",
      (f: Fixture, s: unknown) => loose(f.tx.send).call(f.tx, 1, { signal: s }),
    ],
    [
      "Sender.sendTimeout()",
      (f: Fixture, s: unknown) =>
        loose(f.tx.sendTimeout).call(f.tx, 1, 10, { signal: s }),
    ],
    [
      "Sender.closed()",
      (f: Fixture, s: unknown) => loose(f.tx.closed).call(f.tx, { signal: s }),
    ],
    [
      "Sender.reserve()",
      (f: Fixture, s: unknown) => loose(f.tx.reserve).call(f.tx, { signal: s }),
    ],
    [
      "Sender.reserveMany()",
      (f: Fixture, s: unknown) =>
        loose(f.tx.reserveMany).call(f.tx, 1, { signal: s }),
    ],
    [
      "Sender.reserveOwned()",
      (f: Fixture, s: unknown) =>
        loose(f.tx.reserveOwned).call(f.tx, { signal: s }),
    ],
    [
      "Receiver.recv()",
      (f: Fixture, s: unknown) => loose(f.rx.recv).call(f.rx, { signal: s }),
    ],
    [
      "Receiver.recvMany()",
      (f: Fixture, s: unknown) =>
        loose(f.rx.recvMany).call(f.rx, [], 1, { signal: s }),
    ],
    [
      "UnboundedSender.closed()",
      (f: Fixture, s: unknown) =>
        loose(f.utx.closed).call(f.utx, { signal: s }),
    ],
    [
      "UnboundedReceiver.recv()",
      (f: Fixture, s: unknown) => loose(f.urx.recv).call(f.urx, { signal: s }),
    ],
    [
      "UnboundedReceiver.recvMany()",
      (f: Fixture, s: unknown) =>
        loose(f.urx.recvMany).call(f.urx, [], 1, { signal: s }),
    ],
  ] as const
) {
  add(label, "signal", WRONG_SIGNALS, true, call);
}

add("Sender.sendTimeout()", "ms", WRONG_MS, true, (f, v, missing) => {
  const fn = loose(f.tx.sendTimeout);
  return missing ? fn.call(f.tx, 1) : fn.call(f.tx, 1, v);
});
add("Sender.reserveMany()", "n", wrongCounts(0), true, (f, v, missing) => {
  const fn = loose(f.tx.reserveMany);
  return missing ? fn.call(f.tx) : fn.call(f.tx, v);
});
add("Sender.tryReserveMany()", "n", wrongCounts(0), false, (f, v, missing) => {
  const fn = loose(f.tx.tryReserveMany);
  return missing ? fn.call(f.tx) : fn.call(f.tx, v);
});
add("Receiver.recvMany()", "buffer", WRONG_BUFFERS, true, (f, v, missing) => {
  const fn = loose(f.rx.recvMany);
  return missing ? fn.call(f.rx) : fn.call(f.rx, v, 1);
});
add("Receiver.recvMany()", "limit", wrongCounts(0), true, (f, v, missing) => {
  const fn = loose(f.rx.recvMany);
  return missing ? fn.call(f.rx, []) : fn.call(f.rx, [], v);
});
add(
  "UnboundedReceiver.recvMany()",
  "buffer",
  WRONG_BUFFERS,
  true,
  (f, v, missing) => {
    const fn = loose(f.urx.recvMany);
    return missing ? fn.call(f.urx) : fn.call(f.urx, v, 1);
  },
);
add(
  "UnboundedReceiver.recvMany()",
  "limit",
  wrongCounts(0),
  true,
  (f, v, missing) => {
    const fn = loose(f.urx.recvMany);
    return missing ? fn.call(f.urx, []) : fn.call(f.urx, [], v);
  },
);
addHandle("Sender.sameChannel()", "other", WRONG_HANDLES, (f, v, missing) => {
  const fn = loose(f.tx.sameChannel);
  return missing ? fn.call(f.tx) : fn.call(f.tx, v);
});
addHandle(
  "UnboundedSender.sameChannel()",
  "other",
  WRONG_HANDLES,
  (f, v, missing) => {
    const fn = loose(f.utx.sameChannel);
    return missing ? fn.call(f.utx) : fn.call(f.utx, v);
  },
);
addHandle(
  "OwnedPermit.sameChannel()",
  "other",
  WRONG_HANDLES,
  (f, v, missing) => {
    const fn = loose(f.owned.sameChannel);
    return missing ? fn.call(f.owned) : fn.call(f.owned, v);
  },
);
addHandle(
  "OwnedPermit.sameChannelAsSender()",
  "sender",
  WRONG_HANDLES,
  (f, v, missing) => {
    const fn = loose(f.owned.sameChannelAsSender);
    return missing ? fn.call(f.owned) : fn.call(f.owned, v);
  },
);

// -- Checks --

function checkError(c: Case, error: unknown): void {
  const where = `${c.name} with ${c.arg} ${c.wrong.label}`;
  assert(error instanceof Error, `${where}: not an Error`);
  assertStrictEquals(
    error.constructor,
    c.wrong.error,
    `${where}: expected ${c.wrong.error.name}, got ${error.constructor.name}: ${error.message}`,
  );
  assertMatch(
    error.message,
    new RegExp(`\\b${c.arg}\\b`),
    `${where}: message does not name ${c.arg}`,
  );
  if (c.wrong.error === RangeError && typeof c.wrong.value === "number") {
    assert(
      error.message.includes(String(c.wrong.value)),
      `${where}: message does not show the value received: ${error.message}`,
    );
  }
}

// Proves that the fixture's channels still work and that nothing was
// consumed, sent or reserved by the failed call, then releases them.
async function checkUsable(f: Fixture): Promise<void> {
  assertStrictEquals(f.tx.strongCount(), 2);
  assertStrictEquals(f.tx.capacity(), CAPACITY - 1);
  assertStrictEquals(f.rx.len(), 0);
  assert(f.owned.sameChannelAsSender(f.tx));
  const back = f.owned.send(10);
  await f.tx.send(11);
  assertStrictEquals(f.tx.trySend(12), undefined);
  const buffer: number[] = [];
  assertStrictEquals(await f.rx.recvMany(buffer, 8), 3);
  assertEquals(buffer, [10, 11, 12]);
  back.dispose();
  f.utx.send(20);
  assertStrictEquals(await f.urx.recv(), 20);
  assertStrictEquals(f.utx.strongCount(), 1);
  assertStrictEquals(f.urx.len(), 0);
  f.tx.dispose();
  f.utx.dispose();
  assertStrictEquals(await f.rx.recv(), undefined);
  assertStrictEquals(await f.urx.recv(), undefined);
  f.rx.dispose();
  f.urx.dispose();
}

async function runCase(c: Case): Promise<void> {
  const f = makeFixture();
  const call = () => c.call(f, c.wrong.value, c.wrong.missing === true);
  if (c.async) {
    // assertRejects() fails on a synchronous throw and on a returned value
    // that is not thenable; the instanceof check asks for a real Promise.
    let result: unknown;
    const error = await assertRejects(() => {
      result = call();
      return result as Promise<unknown>;
    }, `${c.name} did not reject`);
    assert(result instanceof Promise, `${c.name} did not return a promise`);
    checkError(c, error);
  } else {
    checkError(c, assertThrows(call, `${c.name} did not throw`));
  }
  await checkUsable(f);
}

Deno.test("Every public function and method rejects each wrong kind of argument and changes nothing", async (t) => {
  assert(cases.length > 100);
  for (const c of cases) {
    await t.step(`${c.name} with ${c.arg} ${c.wrong.label}`, () => runCase(c));
  }
});

Deno.test("Sender.sameChannel() and OwnedPermit.sameChannel*() reject a non-handle with a TypeError naming the argument", async (t) => {
  assertStrictEquals(handleCases.length, 20);
  for (const c of handleCases) {
    await t.step(`${c.name} with ${c.arg} ${c.wrong.label}`, () => runCase(c));
  }
});

Deno.test("argument errors describe undefined as undefined", async () => {
  const [tx, rx] = channel<number>(2);
  const error = await assertRejects(
    () => tx.reserveMany(undefined as unknown as number),
    TypeError,
  );
  assertStringIncludes(error.message, "received undefined");
  assertInstanceOf(error, TypeError);
  tx.dispose();
  rx.dispose();
});

// -- Counts out of range for the channel, not for the type --

Deno.test("Sender.reserveMany() rejects n above maxCapacity() with SendError and reserves nothing", async () => {
  const [tx, rx] = channel<number>(3);
  await assertRejects(() => tx.reserveMany(4), SendError);
  assertStrictEquals(
    assertThrows(() => tx.tryReserveMany(4), TrySendError).kind,
    "full",
  );
  rx.close();
  assertStrictEquals(
    assertThrows(() => tx.tryReserveMany(4), TrySendError).kind,
    "full",
  );
  assertStrictEquals(tx.capacity(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("channel() accepts MAX_BUFFER without allocating for it", async () => {
  const [tx, rx] = channel<number>(MAX_BUFFER);
  assertStrictEquals(tx.maxCapacity(), MAX_BUFFER);
  assertStrictEquals(rx.capacity(), MAX_BUFFER);
  await tx.send(1);
  assertStrictEquals(await rx.recv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("Sender.reserveMany() beyond capacity names the capacity", async () => {
  const [tx, rx] = channel<number>(2);
  const error = await assertRejects(() => tx.reserveMany(3), SendError);
  assertStringIncludes(error.message, "capacity is 2");
  assertNotMatch(error.message, /closed/);
  tx.dispose();
  rx.dispose();
});

// -- Buffers that cannot grow --

Deno.test("Receiver.recvMany() rejects a frozen buffer before taking anything", async () => {
  const [tx, rx] = channel<number>(2);
  const frozen = await assertRejects(
    () => rx.recvMany(Object.freeze([]) as unknown as number[], 4),
    TypeError,
    "buffer must be an extensible array",
  );
  assertStrictEquals(frozen.name, "TypeError");
  await tx.send(1);
  const sealed = Object.seal([]) as number[];
  await assertRejects(() => rx.recvMany(sealed, 4), TypeError);
  assertStrictEquals(rx.len(), 1);
  assertStrictEquals(await rx.recv(), 1);
  assertStrictEquals(tx.capacity(), 2);
  tx.dispose();
  rx.dispose();
});

// -- Fake signals --

Deno.test("AbortSignal look-alikes are rejected with a TypeError naming signal, and hold nothing", async (t) => {
  const fake = Object.create(AbortSignal.prototype) as AbortSignal;
  const [tx, rx] = channel<number>(1);
  // Bad arguments fail before the call consumes anything: the clone is
  // still this test's to dispose.
  const clone = tx.clone();
  const cases: [string, () => Promise<unknown>][] = [
    ["Sender.send()", () => tx.send(1, { signal: fake })],
    ["Sender.sendTimeout()", () => tx.sendTimeout(1, 10, { signal: fake })],
    ["Sender.reserve()", () => tx.reserve({ signal: fake })],
    ["Sender.reserveMany()", () => tx.reserveMany(1, { signal: fake })],
    ["Sender.reserveOwned()", () => clone.reserveOwned({ signal: fake })],
    ["Sender.closed()", () => tx.closed({ signal: fake })],
    ["Receiver.recv()", () => rx.recv({ signal: fake })],
    ["Receiver.recvMany()", () => rx.recvMany([], 1, { signal: fake })],
  ];
  for (const [name, call] of cases) {
    await t.step(name, async () => {
      // A method that returns a promise never throws: this call would.
      const pending = call();
      const error = await assertRejects(() => pending, TypeError);
      assertStringIncludes(error.message, "signal");
    });
  }
  assertThrows(() => rx.values({ signal: fake }), TypeError, "signal");
  tx.dispose();
  clone.dispose();
  // No call kept a hold on the sender: the channel ends.
  assertStrictEquals(await rx.recv(), undefined);
});
