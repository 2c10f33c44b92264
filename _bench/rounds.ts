// Copyright 2026 the @seed/mpsc authors. MIT license.
// One child process of the report's rounds: the scenarios `--only` matches,
// their rows interleaved round by round (see `measure.ts`), printed as JSON
// for `_bench/report.ts`. `--budget-off=exclude` leaves out the rows that
// run @seed/mpsc with its budget off, `--budget-off=only` runs just those.
//
// Why apart: in one process, @seed/mpsc's rows ran at about half the rate
// they reach in a process of their own scenario (the capacity-64 loop,
// consumer first: 0.40 to 0.44x the ring floor in the one-process report,
// 0.62x with that scenario alone), and budget-on and budget-off runs of
// @seed/mpsc slowed each other by a quarter to a half (an A/B in CPU time:
// 5.1 to 5.5 M msg/s for the budget-on row with the budget-off row beside
// it, 6.4 to 7.9 without). The main cause found so far is the core's
// executor made once per channel (see "A closure per channel" in the
// report's notes); a process per scenario is what a program using one kind
// of loop sees.
//
//   deno run --v8-flags=--expose-gc --allow-read _bench/rounds.ts --only=^uncontented/spsc_bounded_64/consumer_first$ --budget-off=exclude

import { parseArgs } from "@std/cli/parse-args";
import { type Scenario, scenarios } from "./scenarios.ts";
import { type ChildRow, runRounds } from "./measure.ts";

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["messages", "runs", "only", "budget-off"],
    default: { messages: "500000", runs: "7", "budget-off": "exclude" },
  });
  const messages = Number(flags.messages);
  const only = flags.only === undefined ? undefined : new RegExp(flags.only);
  const off = flags["budget-off"] === "only";
  const chosen = (s: Scenario) =>
    (only?.test(s.id) ?? true) &&
    s.entries.some((e) => (e.budgetOff === true) === off);
  const results = await runRounds(
    scenarios(messages).filter(chosen),
    scenarios(Math.max(1000, Math.round(messages / 10))).filter(chosen),
    Number(flags.runs),
    (entry) => (entry.budgetOff === true) === off,
  );
  const rows: ChildRow[] = [];
  for (const [scenario, list] of results) {
    for (const row of list) {
      rows.push({
        id: scenario.id,
        name: row.name,
        budgetOff: row.budgetOff,
        rates: row.rates,
      });
    }
  }
  console.log(JSON.stringify(rows));
}
