// Copyright 2026 the @seed/mpsc authors. MIT license.
// The budget-off rows, measured apart: every row that runs @seed/mpsc with
// its budget off, interleaved round by round as the report's main rounds
// are, printed as JSON for `_bench/report.ts`.
//
// Why apart: budget-off and budget-on runs of @seed/mpsc in one process slow
// each other down by a quarter to a half (an A/B of the capacity-64 loop,
// consumer first, in CPU time: 5.1 to 5.5 M msg/s for the budget-on row with
// the budget-off row in the process, 6.4 to 7.9 without it; the budget-off
// row alone 7.0 to 8.4). Measured apart, neither slows the other.
//
//   deno run --v8-flags=--expose-gc --allow-read _bench/budget_rows.ts --messages=500000 --runs=7

import { parseArgs } from "@std/cli/parse-args";
import { type Scenario, scenarios } from "./scenarios.ts";
import { runRounds } from "./measure.ts";

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["messages", "runs", "only"],
    default: { messages: "500000", runs: "7" },
  });
  const messages = Number(flags.messages);
  const only = flags.only === undefined ? undefined : new RegExp(flags.only);
  const twinned = (s: Scenario) =>
    (only?.test(s.id) ?? true) && s.entries.some((e) => e.budgetOff === true);
  const results = await runRounds(
    scenarios(messages).filter(twinned),
    scenarios(Math.max(1000, Math.round(messages / 10))).filter(twinned),
    Number(flags.runs),
    (entry) => entry.budgetOff === true,
  );
  const rows = [];
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
