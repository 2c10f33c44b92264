// Copyright 2026 the @seed/mpsc authors. MIT license.
// Random programs over two or three channels: single-channel commands on
// any of them, selects over their handles and merges of their receivers.

import fc from "npm:fast-check@3.23.2";
import {
  type Command,
  command,
  INDEX,
  PLAIN_SIGNAL,
  type Signal,
} from "./programs.ts";

// -- Several channels: select and merge --

/**
 * One branch of a `select`: the receiver of channel `ch`, or one of its
 * senders (`tx`, an index into its pool) when the channel is bounded; or
 * promise `p` of the program's pool ("promise"); or a branch switched off
 * ("off": `undefined`, `null` or `false` by `p`). A branch on an unbounded
 * channel's sender reads as its receiver, and a repeated branch is
 * dropped, so that any list is valid.
 */
export interface BranchSpec {
  ch: number;
  side: "rx" | "tx" | "promise" | "off";
  tx: number;
  p?: number;
}

/**
 * How many promises a program's pool holds: the first two pending until a
 * "settle" command settles them (or never), then one fulfilled and one
 * rejected from the start.
 */
export const POOL = 4;

/** The sides of a branch, as often as they are drawn. */
const SIDES = [
  ...["rx", "rx", "rx", "tx", "tx", "tx"] as const,
  ...["promise", "promise", "off"] as const,
];

/** One step of an actor in a program over several channels. */
export type MultiCommand =
  // Any single-channel command on channel `ch`.
  | { op: "at"; ch: number; cmd: Command }
  | { op: "select"; branches: BranchSpec[]; biased: boolean; signal: Signal }
  // Starts the actor's merge over the receivers of `chs` (leaving the one
  // it had open, as a loop left early would).
  | { op: "merge"; chs: number[]; signal: Signal }
  // One step of the actor's merge: `next()` on its iterator.
  | { op: "mergeNext" }
  // Leaves the actor's merge early: `return()` on its iterator.
  | { op: "mergeReturn" }
  // Fulfils or rejects promise `p` of the pool, if it is pending.
  | { op: "settle"; p: number; how: "fulfil" | "reject" }
  | { op: "abort"; actor: number }
  | { op: "spend" };

/** Channels (a capacity each, `undefined` for unbounded) and actors. */
export interface MultiProgram {
  capacities: (number | undefined)[];
  actors: MultiCommand[][];
}

function multiCommand(
  capacities: (number | undefined)[],
): fc.Arbitrary<MultiCommand> {
  const c = <C extends MultiCommand>(
    weight: number,
    arbitrary: fc.Arbitrary<C>,
  ) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<MultiCommand> });
  const last = capacities.length - 1;
  // Aborts and budget spending act on actors, not channels: top level only.
  // Hostile inputs too: user code (on that channel) runs inside steps that
  // also settle selects and merges.
  const at = fc.oneof(
    ...capacities.map((capacity, ch) =>
      command(capacity !== undefined, true)
        .filter((cmd) => cmd.op !== "abort" && cmd.op !== "spend")
        .map((cmd): MultiCommand => ({ op: "at", ch, cmd }))
    ),
  );
  return fc.oneof(
    { weight: 50, arbitrary: at },
    c(
      16,
      fc.record({
        op: fc.constant("select" as const),
        branches: fc.array(
          fc.record({
            ch: fc.nat({ max: last }),
            side: fc.constantFrom(...SIDES),
            tx: INDEX,
            p: fc.nat({ max: POOL - 1 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        biased: fc.boolean(),
        signal: PLAIN_SIGNAL,
      }),
    ),
    c(
      6,
      fc.record({
        op: fc.constant("merge" as const),
        chs: fc.array(fc.nat({ max: last }), { minLength: 1, maxLength: 3 }),
        signal: PLAIN_SIGNAL,
      }),
    ),
    c(20, fc.record({ op: fc.constant("mergeNext" as const) })),
    c(1, fc.record({ op: fc.constant("mergeReturn" as const) })),
    c(
      3,
      fc.record({
        op: fc.constant("settle" as const),
        p: fc.nat({ max: 1 }),
        how: fc.constantFrom("fulfil" as const, "reject" as const),
      }),
    ),
    c(7, fc.record({ op: fc.constant("abort" as const), actor: INDEX })),
    c(2, fc.record({ op: fc.constant("spend" as const) })),
  );
}

/**
 * Random programs over two or three channels, bounded (capacity 1 to 4, so
 * that senders wait) and unbounded mixed, with selects and merges.
 */
export function multiPrograms(): fc.Arbitrary<MultiProgram> {
  return fc.array(
    fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 4 })),
    { minLength: 2, maxLength: 3 },
  ).chain((capacities) =>
    fc.record({
      capacities: fc.constant(capacities),
      actors: fc.array(
        fc.array(multiCommand(capacities), { maxLength: 16 }),
        { minLength: 1, maxLength: 4 },
      ),
    })
  );
}
