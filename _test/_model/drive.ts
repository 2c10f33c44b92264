// Copyright 2026 the @seed/mpsc authors. MIT license.
// The driver's loop: runs the actors' commands in the turns the scheduler
// gives them, and checks the real channels against the model after each.

import { assert } from "@std/assert";
import { setImmediate } from "node:timers/promises";
import type { MultiCommand } from "./multi_programs.ts";
import type { Command, Program, Turns } from "./programs.ts";
import { Runner, type World } from "./runner.ts";

/** What {@linkcode drive} needs from a runner of one or several channels. */
export interface Driver<C> {
  readonly world: World;
  exec(actor: number, cmd: C): Promise<void> | undefined;
  check(when: string): void;
  unblock(): void;
  spendBudget(): void;
  // The actor ran its last command (a merge it left open is left).
  endActor(actor: number): void;
  teardown(): void;
  checkBooks(): void;
}

/**
 * Runs the actors' commands: each actor takes its turns when `turns` lets
 * it, and the real channels are compared with the model after every turn,
 * once every reaction to that turn has run.
 */
export async function drive<C extends Command | MultiCommand>(
  turns: Turns,
  runner: Driver<C>,
  actors: C[][],
): Promise<void> {
  let failure: unknown = undefined;
  let done = 0;
  runner.world.current.length = actors.length;
  actors.forEach(async (commands, actor) => {
    try {
      let spend = false;
      for (const cmd of commands) {
        if (cmd.op === "spend") {
          spend = true;
          continue;
        }
        await turns.schedule(
          Promise.resolve(),
          `actor ${actor}: ${spend ? "(budget spent) " : ""}${
            JSON.stringify(cmd, (_, v) => v === Infinity ? "Infinity" : v)
          }`,
        );
        if (spend) runner.spendBudget();
        spend = false;
        const waiting = runner.exec(actor, cmd);
        if (waiting !== undefined) await waiting;
      }
      runner.endActor(actor);
    } catch (e) {
      failure ??= e;
    }
    done++;
  });
  for (let step = 0;; step++) {
    assert(step < 10_000, "the program does not end");
    await setImmediate();
    if (failure !== undefined) throw failure;
    runner.check(`after turn ${step}`);
    if (turns.count() > 0) {
      await turns.waitOne();
      continue;
    }
    if (done === actors.length) break;
    // Every actor left waits on a channel: unblock one, and go on.
    runner.unblock();
  }
  runner.teardown();
  await setImmediate();
  runner.check("after teardown");
  runner.checkBooks();
}

/** Runs `program` against one real channel and the model. */
export async function runProgram(
  turns: Turns,
  program: Program,
): Promise<void> {
  const runner = new Runner(program.capacity);
  await drive(turns, {
    world: runner.world,
    exec: (actor, cmd) => runner.exec(actor, cmd),
    check: (when) => runner.check(when),
    unblock: () => runner.unblock(),
    spendBudget: () => runner.spendBudget(),
    endActor: () => {},
    teardown: () => runner.teardown(),
    checkBooks: () => runner.checkBooks(),
  }, program.actors);
}
