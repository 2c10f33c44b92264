// Copyright 2026 the @seed/mpsc authors. MIT license.
// The report's writing: the tables and charts of one run, poured into the
// prose of `_bench/report_template.md`, written as BENCHMARKS.md and
// formatted as `deno fmt` wants it.

import {
  BUDGET_OFF,
  MODULE,
  QUADRATIC_CAP,
  type Scenario,
  SLOW_CAP,
} from "./scenarios.ts";
import { ARRAY_QUEUE, PROMISE_FLOOR, RING, SYNC_FLOOR } from "./floors.ts";
import { barChart, type ChartRow } from "./chart.ts";
import type { MemoryReport } from "./memory.ts";
import { log, MEMORY_V8_FLAGS, type Profile } from "./measure.ts";
import type { Target } from "./targets.ts";
import {
  fastest,
  find,
  median,
  millions,
  msText,
  percent,
  percentile,
  rate,
  ratio,
  type Results,
  type Row,
} from "./stats.ts";

/** What `deno task bench:report` runs. */
export const TASK =
  "deno run --v8-flags=--expose-gc --allow-read --allow-run --allow-write=BENCHMARKS.md,_bench/charts --allow-sys=osRelease,systemMemoryInfo _bench/report.ts";

/** Everything one run produced, for the writer. */
export interface Run {
  /** Where the report goes, and its charts. */
  readonly out: string;
  readonly charts: string;
  /** The command line's arguments, as given. */
  readonly args: readonly string[];
  readonly quick: boolean;
  readonly runs: number;
  readonly messages: number;
  readonly timerRuns: number;
  /** How long measuring took, in seconds. */
  readonly seconds: number;
  readonly results: Results;
  readonly memory: MemoryReport | undefined;
  /** The idle event loop's interval gaps, in milliseconds. */
  readonly idle: readonly number[];
  readonly profiles: readonly Profile[];
  readonly targets: readonly Target[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// -- Tables --

/** The file name of a scenario's chart. */
function chartFile(base: string): string {
  return `${base.replace(/[^a-z0-9]+/gi, "_")}.svg`;
}

function scenarioTable(
  scenario: Scenario,
  rows: Row[],
  chartLink: string | undefined,
): string {
  const peer = fastest(rows, "peer");
  const ring = rate(find(rows, RING));
  const promise = rate(find(rows, PROMISE_FLOOR));
  const timed = rows.some((r) => r.gaps.length > 0);
  const lines = [
    `### ${scenario.id}`,
    "",
    ...(chartLink === undefined
      ? []
      : [`![${scenario.base}](${chartLink})`, ""]),
    scenario.description +
    ` ${scenario.messages.toLocaleString("en-US")} messages per run.`,
    "",
    `| Contender | M msg/s (median) | min | max | vs fastest peer | vs ring floor | vs promise floor |${
      timed ? " 1 ms interval: median gap (ms) | p99 gap (ms) |" : ""
    }`,
    `|---|--:|--:|--:|--:|--:|--:|${timed ? "--:|--:|" : ""}`,
  ];
  const sorted = [...rows].sort((a, b) => rate(b) - rate(a));
  for (const row of sorted) {
    const m = rate(row);
    const name = row.kind === "module" ? `**${row.name}**` : row.name;
    lines.push(
      `| ${name} | ${millions(m)} | ${millions(Math.min(...row.rates))} | ${
        millions(Math.max(...row.rates))
      } | ${ratio(m / rate(peer))} | ${ratio(m / ring)} | ${
        ratio(m / promise)
      } |${
        timed
          ? ` ${msText(median(row.gaps))} | ${
            msText(percentile(row.gaps, 99))
          } |`
          : ""
      }`,
    );
  }
  lines.push("", `Fastest peer: ${peer?.name ?? "none"}.`, "");
  return lines.join("\n");
}

/**
 * The plain loops' table (issue 17's shape): per scenario and order our
 * rate, the fastest peer, the ring, and the two ratios.
 */
function plainTable(results: Results): string[] {
  const lines = [
    "| Scenario | order | @seed/mpsc M msg/s | fastest peer (M msg/s) | ratio | hand-written ring | ratio | budget off: vs peer, vs ring |",
    "|---|---|--:|---|--:|--:|--:|--:|",
  ];
  for (const [scenario, rows] of results) {
    if (scenario.plain !== true) continue;
    const mine = rate(find(rows, MODULE));
    const off = rate(find(rows, `${MODULE} ${BUDGET_OFF}`));
    const peer = fastest(rows, "peer");
    const ring = rate(find(rows, RING));
    const vsPeer = mine / rate(peer);
    lines.push(
      `| ${scenario.base.replace(/^[a-z]+\//, "")} | ${
        scenario.order?.replace("-", " ") ?? "n/a"
      } | ${millions(mine)} | ${peer?.name ?? "none"} (${
        millions(rate(peer))
      }) | ${vsPeer < 1 ? `**${ratio(vsPeer)}**` : ratio(vsPeer)} | ${
        millions(ring)
      } | ${ratio(mine / ring)} | ${ratio(off / rate(peer))}, ${
        ratio(off / ring)
      } |`,
    );
  }
  return lines;
}

// -- Charts --

/** The charts, one per scenario base (both orders in one chart). */
function charts(results: Results): Map<string, string> {
  const byBase = new Map<string, Scenario[]>();
  for (const scenario of results.keys()) {
    const list = byBase.get(scenario.base) ?? [];
    list.push(scenario);
    byBase.set(scenario.base, list);
  }
  const files = new Map<string, string>();
  for (const [base, list] of byBase) {
    const ordered = list.some((s) => s.order !== undefined);
    const first = list.find((s) => s.order !== "producer-first")!;
    const second = list.find((s) => s.order === "producer-first");
    // The promise and sync floors are not channels: left to the tables,
    // they would squeeze every channel's bar.
    const names: string[] = [];
    for (const s of list) {
      for (const row of results.get(s)!) {
        if (row.name === PROMISE_FLOOR || row.name === SYNC_FLOOR) continue;
        if (!names.includes(row.name)) names.push(row.name);
      }
    }
    const rows: ChartRow[] = names.map((name) => {
      const a = find(results.get(first), name);
      const b = second === undefined
        ? undefined
        : find(results.get(second), name);
      return {
        name,
        kind: (a ?? b)!.kind,
        ...(a === undefined ? {} : { first: rate(a) }),
        ...(b === undefined ? {} : { second: rate(b) }),
      };
    });
    rows.sort((x, y) =>
      (y.first ?? y.second ?? 0) - (x.first ?? x.second ?? 0)
    );
    files.set(
      chartFile(base),
      barChart({
        title: base,
        subtitle: `${
          first.messages.toLocaleString("en-US")
        } messages per run. Blue: @seed/mpsc; grey: peers; amber: written by hand; dashed: the ring floor${
          ordered ? ", consumer first" : ""
        }.`,
        ordered,
        rows,
        reference: rate(find(results.get(first), RING)),
      }),
    );
  }
  return files;
}

// -- The document --

async function machine(): Promise<string[]> {
  let cpu = "unknown";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = /model name\s*:\s*(.*)/.exec(info)?.[1] ?? cpu;
  } catch {
    // Not Linux: leave it unknown.
  }
  const memory = Deno.systemMemoryInfo();
  return [
    `- CPU: ${cpu}, ${navigator.hardwareConcurrency} logical cores (shared with other jobs while measuring)`,
    `- Memory: ${(memory.total / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${Deno.build.os} ${Deno.osRelease()} (${Deno.build.arch})`,
    `- Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript}`,
  ];
}

/** Markers of the table the README copies. */
const README_START = "<!-- README table: start -->";
const README_END = "<!-- README table: end -->";

/**
 * The README's table: the consumer-first order (and the ping-pong), per
 * scenario our rate, the fastest peer named, and the two ratios.
 */
function readmeTable(results: Results): string[] {
  const lines = [
    README_START,
    "",
    "| Scenario (consumer waiting first) | @seed/mpsc M msg/s | Fastest peer (M msg/s) | vs fastest peer | vs hand-written ring |",
    "|---|--:|---|--:|--:|",
  ];
  for (const [scenario, rows] of results) {
    if (!scenario.loop || scenario.base.startsWith("send/")) continue;
    if (scenario.order === "producer-first") continue;
    const mine = rate(find(rows, MODULE));
    const peer = fastest(rows, "peer");
    const vsPeer = mine / rate(peer);
    lines.push(
      `| ${scenario.base.replace(/^[a-z]+\//, "")} | ${millions(mine)} | ${
        peer?.name ?? "none"
      } (${millions(rate(peer))}) | ${
        vsPeer < 1 ? `**${ratio(vsPeer)}** (the peer wins)` : ratio(vsPeer)
      } | ${ratio(mine / rate(find(rows, RING)))} |`,
    );
  }
  lines.push("", README_END);
  return lines;
}

function timerTable(results: Results, idle: readonly number[]): string[] {
  // Columns: the module with and without the budget, the ring floor and
  // every peer that ran a loop scenario.
  const names: string[] = [MODULE, `${MODULE} ${BUDGET_OFF}`];
  for (const [scenario, rows] of results) {
    if (!scenario.loop) continue;
    for (const row of rows) {
      if (row.gaps.length === 0 || row.kind === "module") continue;
      if (!names.includes(row.contender)) names.push(row.contender);
    }
  }
  // A module column is a row's name; another is a contender's (its row
  // may move fewer messages).
  const cell = (rows: readonly Row[], name: string) =>
    rows.find((r) =>
      r.kind === "module" ? r.name === name : r.contender === name
    );
  const lines = [
    "| Scenario | " + names.map((n) => n.replace(/\|/g, "\\|")).join(" | ") +
    " |",
    "|---|" + names.map(() => "--:|").join(""),
    `| idle event loop (baseline) | ${msText(median(idle))} / ${
      msText(percentile(idle, 99))
    } |${names.slice(1).map(() => " |").join("")}`,
  ];
  for (const [scenario, rows] of results) {
    if (!scenario.loop) continue;
    const cells = names.map((name) => {
      const row = cell(rows, name);
      if (row === undefined || row.gaps.length === 0) return "n/a";
      return `${msText(median(row.gaps))} / ${
        msText(percentile(row.gaps, 99))
      }`;
    });
    lines.push(`| ${scenario.id} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function memorySection(memory: MemoryReport): string {
  const lines = [
    "## Memory",
    "",
    `Heap used after a forced full collection (\`--expose-gc\`), with ${
      memory.messages.toLocaleString("en-US")
    } numbers buffered, then after reading them all (senders and receiver still alive). Numbers below 2^30 are small integers, stored in the slot itself.`,
    "",
    "| Container | bytes per queued number | bytes held after the drain |",
    "|---|--:|--:|",
  ];
  for (const q of memory.queued) {
    lines.push(
      `| ${q.name} | ${q.bytesPerMessage.toFixed(2)} | ${
        q.bytesAfterDrain === null
          ? "n/a"
          : Math.max(0, q.bytesAfterDrain).toFixed(0)
      } |`,
    );
  }
  lines.push(
    "",
    `Allocation during a streaming run of ${
      memory.messages.toLocaleString("en-US")
    } messages: the heap's growth over the run, in a child process whose young generation (\`${MEMORY_V8_FLAGS}\`) is large enough that no collection runs during it${
      memory.gcFreeRuns
        ? ""
        : " (**a collection did run: these numbers undercount**)"
    }; then what is left after a full collection. Each run includes the benchmark's own \`async\` loops (each \`await\` allocates), alike for every contender. "Consumer first" is the waiting path: each receive waits and each send hands its message to it; "producer first" is the ready path. The drain starts with every message queued, so a negative \`retained\` there is the queue it gave back.`,
    "",
    "| Run | bytes allocated per message | bytes retained per message |",
    "|---|--:|--:|",
  );
  for (const a of memory.allocation) {
    lines.push(
      `| ${a.name} | ${a.bytesPerMessage.toFixed(1)} | ${
        a.retainedPerMessage.toFixed(3)
      } |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

function profileSection(profiles: readonly Profile[]): string[] {
  if (profiles.length === 0) return [];
  const lines = [
    "## Where the time goes",
    "",
    `The consumer-first scenarios furthest below the ring floor, @seed/mpsc's row run 20 times in a child process under V8's sampling profiler (\`--prof\`, a sample every 100 µs). Start-up and three warm-up runs are left out. Self time by code object: what TurboFan inlined counts in its caller (the closures of the plain loops in \`loops.ts\`, which V8 names \`i\`, \`(anonymous)\` or after the producers' \`map\`, hold the inlined \`recv()\` and \`send()\` when they are small enough), and time in native code is named by the JavaScript that called it.`,
    "",
  ];
  for (const profile of profiles) {
    lines.push(
      `### ${profile.scenario.id}`,
      "",
      "| Where | samples | share |",
      "|---|--:|--:|",
      ...profile.lines.map((l) =>
        `| ${l.name.replace(/\|/g, "\\|")} | ${l.ticks} | ${percent(l.share)} |`
      ),
      "",
    );
  }
  return lines;
}

/** `to` relative to the directory of `from` when it lies below it. */
function relativeTo(from: string, to: string): string {
  const slash = from.lastIndexOf("/");
  const dir = slash < 0 ? "" : from.slice(0, slash + 1);
  if (dir === "") return to;
  return to.startsWith(dir) ? to.slice(dir.length) : to;
}

/**
 * Fills each `{{name}}` of `template` from `values`; a name without a value,
 * or a value without its name, is an error (the template and this file
 * must agree). A leading HTML comment (the template's own note) is dropped.
 */
export function fill(
  template: string,
  values: Readonly<Record<string, string>>,
): string {
  const body = template.replace(/^<!--[\s\S]*?-->\s*/, "");
  const used = new Set<string>();
  const text = body.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`Cannot fill the report: no value for {{${name}}}`);
    }
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(
      `Cannot fill the report: the template has no {{${
        unused.join("}}, {{")
      }}}`,
    );
  }
  return text;
}

/** Writes the report and its charts, then formats them. */
export async function writeReport(run: Run): Promise<void> {
  const { results, targets } = run;
  await Deno.mkdir(run.charts, { recursive: true });
  const chartFiles = charts(results);
  for (const [file, svg] of chartFiles) {
    await Deno.writeTextFile(`${run.charts}/${file}`, svg);
  }
  const linked = new Set<string>();
  const link = (scenario: Scenario) => {
    if (linked.has(scenario.base)) return undefined;
    linked.add(scenario.base);
    return relativeTo(run.out, `${run.charts}/${chartFile(scenario.base)}`);
  };
  const unmet = targets.filter((t) => !t.met);
  const template = await Deno.readTextFile(
    new URL("./report_template.md", import.meta.url),
  );
  const doc = fill(template, {
    date: new Date().toISOString().slice(0, 16).replace("T", " "),
    seconds: run.seconds.toFixed(0),
    quick: run.quick
      ? ` in **quick mode** (${plural(run.runs, "round")} of ${
        run.messages.toLocaleString("en-US")
      } messages: a smoke run, not numbers to quote)`
      : "",
    headline: readmeTable(results).join("\n"),
    plain: plainTable(results).join("\n"),
    targets_summary: unmet.length === 0
      ? "Every target is met."
      : `${unmet.length} of ${targets.length} targets are **not met**; each says by how much and why.`,
    targets: [
      "| Target | Measured | Met |",
      "|---|---|---|",
      ...targets.map((t) =>
        `| ${t.name} | ${t.measured} | ${
          t.met ? "yes" : `**no**: ${t.why ?? ""}`
        } |`
      ),
    ].join("\n"),
    timer_runs: plural(run.timerRuns, "run"),
    timers: timerTable(results, run.idle).join("\n"),
    machine: (await machine()).join("\n"),
    args: run.args.length > 0 ? " " + run.args.join(" ") : "",
    task: TASK,
    rounds: `${plural(run.runs, "recorded round")} of ${
      run.messages.toLocaleString("en-US")
    } messages`,
    budget_off: BUDGET_OFF,
    throughput: [...results].map(([scenario, rows]) =>
      scenarioTable(scenario, rows, link(scenario))
    ).join("\n"),
    memory: run.memory === undefined ? "" : memorySection(run.memory),
    profiles: profileSection(run.profiles).join("\n"),
    ring: RING,
    array_queue: ARRAY_QUEUE,
    promise_floor: PROMISE_FLOOR,
    sync_floor: SYNC_FLOOR,
    quadratic_cap: QUADRATIC_CAP.toLocaleString("en-US"),
    slow_cap: SLOW_CAP.toLocaleString("en-US"),
  });
  await Deno.writeTextFile(run.out, doc);
  // Leave the report and its charts as `deno fmt` wants them, so
  // `deno fmt --check` passes.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", run.out, run.charts],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!fmt.success) {
    log(`deno fmt ${run.out} failed; the report is unformatted`);
  }
  log(`wrote ${run.out} and ${chartFiles.size} charts in ${run.charts}`);
}
