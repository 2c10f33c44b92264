// Copyright 2026 the @seed/mpsc authors. MIT license.
// Writes BENCHMARKS.md: measures every benchmark scenario in one process
// (`measure.ts`), checks the targets (`targets.ts`) and writes the report
// from its template (`write_report.ts`, `report_template.md`), with an SVG
// chart per scenario.
//
//   deno task bench:report                  # the full run
//   deno task bench:report --quick          # a smoke run: 1 round of 20,000
//   deno task bench:report --runs=5 --messages=200000 --out=/tmp/B.md --charts=/tmp/charts
//   deno task bench:report --only=spsc_bounded_64 --no-memory --profiles=0
//
// After the rounds, the loop scenarios run again with a 1 ms interval
// ticking, whose gaps say how long the loop kept timers and I/O waiting.
// Last, the consumer-first scenarios furthest below the ring floor are
// profiled (`_bench/profile.ts`) to show where the time goes.

import { parseArgs } from "@std/cli/parse-args";
import { MODULE, type Scenario, scenarios } from "./scenarios.ts";
import { idleGaps } from "./timer.ts";
import type { MemoryReport } from "./memory.ts";
import {
  log,
  runMemory,
  runProfiles,
  runRoundsApart,
  runTimers,
} from "./measure.ts";
import { evaluate, furthestBelowRing } from "./targets.ts";
import { writeReport } from "./write_report.ts";

// -- Options --

/**
 * Messages per run by default. A full run of 1,000,000 per run took about
 * 16 minutes on the shared 2-core machine; half as many keep every round
 * (rates are steady long before) and bring it near 8.
 */
const MESSAGES = 500_000;

interface Options {
  readonly runs: number;
  readonly messages: number;
  readonly timerRuns: number;
  readonly profiles: number;
  readonly out: string;
  readonly charts: string;
  readonly memory: boolean;
  readonly only: RegExp | undefined;
  readonly quick: boolean;
}

const USAGE =
  "Usage: report.ts [--quick] [--runs=N] [--messages=N] [--timer-runs=N] [--profiles=N] [--out=FILE] [--charts=DIR] [--no-memory] [--only=REGEXP]";

function parseOptions(args: string[]): Options {
  const flags = parseArgs(args, {
    boolean: ["quick", "memory", "help"],
    string: [
      "runs",
      "messages",
      "timer-runs",
      "profiles",
      "out",
      "charts",
      "only",
    ],
    negatable: ["memory"],
    default: { memory: true, out: "BENCHMARKS.md", charts: "_bench/charts" },
    unknown(arg) {
      throw new TypeError(`Cannot run the report: unknown option ${arg}`);
    },
  });
  if (flags.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const quick = flags.quick;
  const count = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot run the report: ${name} must be a positive integer, received ${value}`,
      );
    }
    return n;
  };
  return {
    quick,
    runs: count("--runs", flags.runs, quick ? 1 : 7),
    messages: count("--messages", flags.messages, quick ? 20_000 : MESSAGES),
    timerRuns: count("--timer-runs", flags["timer-runs"], quick ? 1 : 2),
    profiles: flags.profiles === "0"
      ? 0
      : count("--profiles", flags.profiles, quick ? 1 : 3),
    out: flags.out,
    charts: flags.charts,
    memory: flags.memory,
    only: flags.only === undefined ? undefined : new RegExp(flags.only),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const started = performance.now();
  const select = (s: Scenario) => options.only?.test(s.id) ?? true;
  const list = scenarios(options.messages).filter(select);
  log(
    `${list.length} scenarios, ${options.runs} rounds of ${options.messages} messages${
      options.quick ? " (quick)" : ""
    }`,
  );
  let memory: MemoryReport | undefined;
  if (options.memory) {
    log("memory (child process)...");
    memory = await runMemory(options.messages);
  }
  const idle = await idleGaps(500);
  const results = await runRoundsApart(list, options.runs, options.messages);
  await runTimers(results, options.timerRuns);
  await Deno.mkdir(options.charts, { recursive: true });
  const profiles = await runProfiles(
    furthestBelowRing(results, options.profiles),
    MODULE,
    options.messages,
    options.charts,
  );
  const targets = evaluate(
    results,
    memory,
    idle,
    new Set(profiles.map((p) => p.scenario)),
  );
  const seconds = (performance.now() - started) / 1000;
  await writeReport({
    out: options.out,
    charts: options.charts,
    args: Deno.args,
    quick: options.quick,
    runs: options.runs,
    messages: options.messages,
    timerRuns: options.timerRuns,
    seconds,
    results,
    memory,
    idle,
    profiles,
    targets,
  });
  log(`done in ${seconds.toFixed(0)} s`);
}

if (import.meta.main) await main();
