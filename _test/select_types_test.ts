// Copyright 2026 the @seed/mpsc authors. MIT license.
// Type tests of select(), checked by `deno check` and `deno test`: how its
// outcome narrows with promise branches and branches switched off. Each
// `@ts-expect-error` fails the check if its next line starts to compile;
// the functions are never called.

import { assertStrictEquals } from "@std/assert";
import {
  channel,
  interval,
  type Permit,
  type Receiver,
  select,
  type UnboundedReceiver,
} from "../mod.ts";

/** `true` when `A` and `B` are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;

/** Compiles only when its type argument is `true`. */
function assertType<_ extends true>(): void {}

/** Accepts exactly `T`. */
function expectType<T>(_value: T): void {}

export async function switchedOff(paused: boolean): Promise<void> {
  const [, jobs] = channel<string>(8);
  const [, ctl] = channel<"stop" | "pause">(1);

  // A branch that may be off keeps its outcome.
  const maybe = await select({ ctl, jobs: paused ? undefined : jobs });
  assertType<Equals<typeof maybe.key, "ctl" | "jobs">>();
  if (maybe.key === "jobs" && !maybe.done) expectType<string>(maybe.value);
  if (maybe.key === "ctl" && !maybe.done) {
    expectType<"stop" | "pause">(maybe.value);
  }

  // `!paused && jobs` is `false | Receiver<string>`: the same.
  const anded = await select({ ctl, jobs: !paused && jobs });
  assertType<Equals<typeof anded.key, "ctl" | "jobs">>();

  // A branch that is always off has no outcome.
  const off = await select({ ctl, jobs: undefined, tick: null, x: false });
  assertType<Equals<typeof off.key, "ctl">>();
  // @ts-expect-error: "jobs" is off, so no outcome has that key
  if (off.key === "jobs") return;

  // A union of branch sets narrows as two calls would.
  const either = await select(paused ? { ctl } : { ctl, jobs });
  assertType<Equals<typeof either.key, "ctl" | "jobs">>();
  if (either.key === "jobs" && !either.done) expectType<string>(either.value);

  // Every branch off compiles (it rejects at run time) and has no outcome.
  const none = await select({ jobs: undefined });
  assertType<Equals<typeof none, never>>();

  // A handle typed as possibly absent.
  const optional = undefined as
    | Receiver<number>
    | UnboundedReceiver<number>
    | undefined;
  const some = await select({ optional });
  assertType<Equals<typeof some.key, "optional">>();
  if (!some.done) expectType<number>(some.value);
}

export async function promises(): Promise<void> {
  const [tx, jobs] = channel<string>(8);
  const deadline = new Promise<"late">(() => {});
  const thenable: PromiseLike<number> = { then: () => thenable as never };
  const outcome = await select({
    jobs,
    room: tx,
    deadline,
    thenable,
    tick: interval(100),
  });
  assertType<
    Equals<
      typeof outcome.key,
      "jobs" | "room" | "deadline" | "thenable" | "tick"
    >
  >();
  switch (outcome.key) {
    case "deadline":
      // A promise branch never ends: it has a value, always.
      expectType<"late">(outcome.value);
      assertType<Equals<typeof outcome.done, false>>();
      break;
    case "thenable":
      expectType<number>(outcome.value);
      break;
    case "room":
      if (!outcome.done) expectType<Permit<string>>(outcome.permit);
      break;
    case "tick":
      if (!outcome.done) expectType<number>(outcome.value);
      break;
  }
  // @ts-expect-error: a promise branch's outcome has no permit
  if (outcome.key === "deadline") outcome.permit;
}

export async function mustNotCompile(): Promise<void> {
  const [, jobs] = channel<string>(8);
  // @ts-expect-error: a number is no branch
  await select({ jobs, n: 1 });
  // @ts-expect-error: `true` does not switch a branch on
  await select({ jobs, on: true });
}

Deno.test("select() type tests are type-checked, never run", () => {
  assertStrictEquals(typeof switchedOff, "function");
  assertStrictEquals(typeof promises, "function");
  assertStrictEquals(typeof mustNotCompile, "function");
});
