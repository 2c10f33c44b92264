// Copyright 2026 the @seed/mpsc authors. MIT license.
// The report's measuring: rounds of every scenario in this process, the
// 1 ms interval against each loop, memory in a child process and profiles
// in more child processes.
//
// Each round runs every scenario once; within a scenario the contenders
// take turns in an order that rotates from round to round, so a slow
// moment of a shared machine falls on all of them alike. One extra round
// of a tenth of the messages first warms up the compiler, unrecorded.

import type { Entry, Scenario } from "./scenarios.ts";
import { ARRAY_QUEUE, PROMISE_FLOOR } from "./floors.ts";
import { withInterval } from "./timer.ts";
import type { MemoryReport } from "./memory.ts";
import { profileFlags, type ProfileLine, summarize } from "./profile.ts";
import type { Results, Row } from "./stats.ts";

/** The flags of the memory child process (see `_bench/memory.ts`). */
export const MEMORY_V8_FLAGS =
  "--expose-gc,--min-semi-space-size=1024,--max-semi-space-size=1024";

/** A profile of @seed/mpsc's row in one scenario. */
export interface Profile {
  readonly scenario: Scenario;
  readonly lines: ProfileLine[];
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Progress goes to stderr: stdout may be a pipe. */
export function log(message: string): void {
  console.error(message);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function check(scenario: Scenario, entry: Entry, sum: number): void {
  const expected = entry.expected ?? scenario.expected;
  if (sum !== expected) {
    throw new Error(
      `Cannot trust ${scenario.id} ${entry.name}: expected sum ${expected}, got ${sum}`,
    );
  }
}

/**
 * Runs `runs` recorded rounds of `list`, after one warm-up round of
 * `warmUp` (the same scenarios with fewer messages: enough for the
 * compiler, and a round less of waiting). Only the entries `keep` accepts
 * run; a scenario left with none is left out.
 *
 * @returns Every scenario's rows, with the rates of the recorded rounds.
 */
export async function runRounds(
  list: Scenario[],
  warmUp: Scenario[],
  runs: number,
  keep: (entry: Entry) => boolean = () => true,
): Promise<Results> {
  const results: Results = new Map();
  const kept = new Map<Scenario, Entry[]>();
  for (const scenario of [...list, ...warmUp]) {
    const entries = scenario.entries.filter(keep);
    if (entries.length > 0) kept.set(scenario, entries);
  }
  for (const scenario of list) {
    const entries = kept.get(scenario);
    if (entries === undefined) continue;
    results.set(
      scenario,
      entries.map((e) => ({
        name: e.name,
        contender: e.contender.name,
        kind: e.contender.kind,
        budgetOff: e.budgetOff ?? false,
        rates: [],
        gaps: [],
      })),
    );
  }
  for (let round = 0; round <= runs; round++) {
    const started = performance.now();
    for (const scenario of round === 0 ? warmUp : list) {
      const entries = kept.get(scenario) ?? [];
      for (let k = 0; k < entries.length; k++) {
        const index = (k + round) % entries.length;
        const entry = entries[index]!;
        const run = entry.prepare();
        gc?.();
        const t0 = performance.now();
        const sum = await run();
        const ms = performance.now() - t0;
        check(scenario, entry, sum);
        if (round > 0) {
          const messages = entry.messages ?? scenario.messages;
          results.get(scenario)![index]!.rates.push(messages / (ms / 1000));
        }
      }
    }
    log(
      `${round === 0 ? "warm-up round" : `round ${round}/${runs}`}: ${
        seconds(started)
      } s`,
    );
  }
  return results;
}

/**
 * Runs each loop scenario `runs` more times with a 1 ms interval ticking,
 * and adds the interval's gaps to its rows.
 */
export async function runTimers(results: Results, runs: number): Promise<void> {
  const started = performance.now();
  for (let round = 0; round < runs; round++) {
    for (const [scenario, rows] of results) {
      if (!scenario.loop) continue;
      for (const row of rows) {
        // Only the channels: the other floors never yield either. Rows
        // measured in the child process (budget off) are not run here.
        const entry = scenario.entries.find((e) => e.name === row.name);
        if (row.name === PROMISE_FLOOR || row.name === ARRAY_QUEUE) continue;
        if (entry === undefined || row.budgetOff) continue;
        const run = entry.prepare();
        gc?.();
        const timed = await withInterval(run);
        check(scenario, entry, timed.sum);
        row.gaps.push(...timed.gaps);
      }
    }
  }
  log(`timer rounds: ${seconds(started)} s`);
}

/** Measures memory in a child process (`_bench/memory.ts`). */
export async function runMemory(messages: number): Promise<MemoryReport> {
  const script = new URL("./memory.ts", import.meta.url).pathname;
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--v8-flags=${MEMORY_V8_FLAGS}`,
      "--allow-read",
      script,
      "--json",
      `--messages=${messages}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const output = await command.output();
  if (!output.success) {
    throw new Error(`Cannot measure memory: ${script} failed`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as MemoryReport;
}

/**
 * Profiles @seed/mpsc's row (`entry`) in each of `list`, each in a child
 * process under V8's sampling profiler, its log kept in `dir` only while
 * it is read.
 */
export async function runProfiles(
  list: readonly Scenario[],
  entry: string,
  messages: number,
  dir: string,
): Promise<Profile[]> {
  const started = performance.now();
  const script = new URL("./profile.ts", import.meta.url).pathname;
  const logfile = `${dir}/.profile.v8.log`;
  const profiles: Profile[] = [];
  for (const scenario of list) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        `--v8-flags=${profileFlags(logfile)}`,
        script,
        `--scenario=${scenario.id}`,
        `--entry=${entry}`,
        `--messages=${messages}`,
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!output.success) {
      throw new Error(`Cannot profile ${scenario.id}: ${script} failed`);
    }
    profiles.push({
      scenario,
      lines: summarize(await Deno.readTextFile(logfile)),
    });
    await Deno.remove(logfile);
  }
  log(`profiles: ${seconds(started)} s`);
  return profiles;
}

/** A row measured in another process: its scenario, name and rates. */
export interface ChildRow {
  readonly id: string;
  readonly name: string;
  readonly budgetOff: boolean;
  readonly rates: number[];
}

/** Escapes `text` for a regular expression that matches it exactly. */
function exactly(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`;
}

/** Runs `_bench/rounds.ts` in a child process; returns its rows. */
async function childRounds(args: string[]): Promise<ChildRow[]> {
  const script = new URL("./rounds.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "--allow-read", script, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(`Cannot measure ${args.join(" ")}: ${script} failed`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as ChildRow[];
}

/**
 * Runs the rounds of each scenario of `list` in a child process of its own
 * (`_bench/rounds.ts`), and its budget-off rows in one more: in one process
 * @seed/mpsc's rows ran at about half their rate (see `rounds.ts`). Each child warms up and interleaves its rows as
 * {@linkcode runRounds} does.
 *
 * @returns Every scenario's rows, in the entries' order.
 */
export async function runRoundsApart(
  list: Scenario[],
  runs: number,
  messages: number,
): Promise<Results> {
  const started = performance.now();
  const common = [`--messages=${messages}`, `--runs=${runs}`];
  const measured: ChildRow[] = [];
  for (const scenario of list) {
    const only = `--only=${exactly(scenario.id)}`;
    log(`${scenario.id} (child processes)`);
    measured.push(
      ...await childRounds([...common, only, "--budget-off=exclude"]),
    );
    if (scenario.entries.some((e) => e.budgetOff === true)) {
      measured.push(
        ...await childRounds([...common, only, "--budget-off=only"]),
      );
    }
  }
  const results: Results = new Map();
  for (const scenario of list) {
    const rows: Row[] = [];
    for (const entry of scenario.entries) {
      const child = measured.find((m) =>
        m.id === scenario.id && m.name === entry.name
      );
      if (child === undefined) continue;
      rows.push({
        name: entry.name,
        contender: entry.contender.name,
        kind: entry.contender.kind,
        budgetOff: entry.budgetOff ?? false,
        rates: child.rates,
        gaps: [],
      });
    }
    results.set(scenario, rows);
  }
  log(`rounds: ${seconds(started)} s`);
  return results;
}
