// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs every benchmark scenario in one process, interleaving the
// contenders, measures memory in a child process, and writes BENCHMARKS.md.
//
//   deno task bench:report            # 7 rounds of 1,000,000 messages
//   deno task bench:report --runs=5 --messages=100000 --out=/tmp/B.md
//
// Each round runs every scenario once; within a scenario the contenders
// take turns in an order that rotates from round to round, so a slow
// moment of a shared machine falls on all of them alike. One extra round
// first warms up the compiler and is not recorded.

import {
  BUDGET_OFF,
  MODULE,
  QUADRATIC_CAP,
  type Scenario,
  scenarios,
  SLOW_CAP,
  SYNC_READ,
} from "./scenarios.ts";
import type { MemoryReport } from "./memory.ts";
import type { Kind } from "./peers.ts";

interface Options {
  runs: number;
  messages: number;
  out: string;
  memory: boolean;
  only: RegExp | undefined;
}

function parseOptions(args: string[]): Options {
  const options: Options = {
    runs: 7,
    messages: 1_000_000,
    out: "BENCHMARKS.md",
    memory: true,
    only: undefined,
  };
  for (const arg of args) {
    const [key, value = ""] = arg.replace(/^--/, "").split("=", 2) as [
      string,
      string?,
    ];
    if (key === "runs") options.runs = Number(value);
    else if (key === "messages") options.messages = Number(value);
    else if (key === "out") options.out = value;
    else if (key === "no-memory") options.memory = false;
    else if (key === "only") options.only = new RegExp(value);
    else throw new TypeError(`Cannot run the report: unknown option ${arg}`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    throw new RangeError(
      `Cannot run the report: runs must be a positive integer, received ${options.runs}`,
    );
  }
  return options;
}

// -- Measuring --

/** The measured rates of one row, in messages per second. */
interface Row {
  readonly name: string;
  readonly kind: Kind;
  readonly rates: number[];
}

const gc = (globalThis as { gc?: () => void }).gc;

function log(message: string): void {
  console.error(message);
}

async function runRounds(
  list: Scenario[],
  runs: number,
): Promise<Map<Scenario, Row[]>> {
  const rows = new Map<Scenario, Row[]>();
  for (const scenario of list) {
    rows.set(
      scenario,
      scenario.entries.map((e) => ({
        name: e.name,
        kind: e.contender.kind,
        rates: [],
      })),
    );
  }
  for (let round = 0; round <= runs; round++) {
    const started = performance.now();
    for (const scenario of list) {
      const entries = scenario.entries;
      for (let k = 0; k < entries.length; k++) {
        const index = (k + round) % entries.length;
        const entry = entries[index]!;
        const run = entry.prepare();
        gc?.();
        const t0 = performance.now();
        const sum = await run();
        const ms = performance.now() - t0;
        const expected = entry.expected ?? scenario.expected;
        if (sum !== expected) {
          throw new Error(
            `Cannot trust ${scenario.id} ${entry.name}: expected sum ${expected}, got ${sum}`,
          );
        }
        if (round > 0) {
          const messages = entry.messages ?? scenario.messages;
          rows.get(scenario)![index]!.rates.push(messages / (ms / 1000));
        }
      }
    }
    log(
      `${round === 0 ? "warm-up round" : `round ${round}/${runs}`}: ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
  }
  return rows;
}

async function runMemory(messages: number): Promise<MemoryReport> {
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

/** What \`deno task bench:report\` runs. */
const TASK =
  "deno run --v8-flags=--expose-gc --allow-read --allow-run --allow-write=BENCHMARKS.md --allow-sys=osRelease,systemMemoryInfo _bench/report.ts";

/** The flags of the memory child process (see `_bench/memory.ts`). */
const MEMORY_V8_FLAGS =
  "--expose-gc,--min-semi-space-size=1024,--max-semi-space-size=1024";

// -- Statistics --

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function best(rows: Row[], kind: Kind): Row | undefined {
  let top: Row | undefined;
  for (const row of rows) {
    if (row.kind !== kind || row.rates.length === 0) continue;
    if (top === undefined || median(row.rates) > median(top.rates)) top = row;
  }
  return top;
}

function find(rows: Row[], name: string): Row | undefined {
  return rows.find((r) => r.name === name);
}

function rate(row: Row | undefined): number {
  return row === undefined ? NaN : median(row.rates);
}

// -- Formatting --

function millions(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const m = value / 1e6;
  return m >= 0.1 ? m.toFixed(2) : m.toPrecision(2);
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

const FLOOR_MINIMAL = "floor: array queue + one resolver";
const FLOOR_PROMISE = "floor: one promise per message";
const FLOOR_SYNC = "floor: sync array push/pop";

function scenarioTable(scenario: Scenario, rows: Row[]): string {
  const fastestPeer = best(rows, "peer");
  const minimal = rate(find(rows, FLOOR_MINIMAL));
  const promise = rate(find(rows, FLOOR_PROMISE));
  const sync = rate(find(rows, FLOOR_SYNC) ?? find(rows, SYNC_READ));
  const lines = [
    `### ${scenario.id}`,
    "",
    scenario.description +
    ` ${scenario.messages.toLocaleString("en-US")} messages per run.`,
    "",
    "| Contender | M msg/s (median) | min | max | vs fastest peer | vs array-queue floor | vs promise floor | vs sync floor |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  const sorted = [...rows].sort((a, b) => rate(b) - rate(a));
  for (const row of sorted) {
    const m = rate(row);
    const name = row.name === MODULE || row.kind === "module"
      ? `**${row.name}**`
      : row.name;
    lines.push(
      `| ${name} | ${millions(m)} | ${millions(Math.min(...row.rates))} | ${
        millions(Math.max(...row.rates))
      } | ${ratio(m / rate(fastestPeer))} | ${ratio(m / minimal)} | ${
        ratio(m / promise)
      } | ${ratio(m / sync)} |`,
    );
  }
  lines.push(
    "",
    `Fastest peer: ${fastestPeer?.name ?? "none"}.`,
    "",
  );
  return lines.join("\n");
}

// -- Targets --

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean;
  /** Why it is not met, when it is not. */
  readonly why?: string;
}

function rowsOf(
  results: Map<Scenario, Row[]>,
  id: string,
): Row[] {
  for (const [scenario, rows] of results) {
    if (scenario.id === id) return rows;
  }
  return [];
}

function evaluate(
  results: Map<Scenario, Row[]>,
  memory: MemoryReport | undefined,
  messages: number,
): Target[] {
  const targets: Target[] = [];
  for (const [scenario, rows] of results) {
    if (!/spsc|mpsc|for_await/.test(scenario.id)) continue;
    const mine = rate(find(rows, MODULE));
    const off = rate(find(rows, `${MODULE} ${BUDGET_OFF}`));
    const peer = best(rows, "peer");
    const vsPeer = mine / rate(peer);
    targets.push({
      name: `${scenario.id}: ≥ 1.25× the fastest peer`,
      measured: `${ratio(vsPeer)} (${peer?.name ?? "none"}); budget off: ${
        ratio(off / rate(peer))
      }`,
      met: vsPeer >= 1.25,
      why: off / rate(peer) >= 1.25 ? WHY.budgetRegime : WHY.waitingPath,
    });
    const minimal = rate(find(rows, FLOOR_MINIMAL));
    const vsMinimal = mine / minimal;
    targets.push({
      name: `${scenario.id}: ≥ 1× the array-queue floor`,
      measured: `${ratio(vsMinimal)}; budget off: ${ratio(off / minimal)}`,
      met: vsMinimal >= 1,
      why: off / minimal >= 1 ? WHY.budgetRegime : WHY.waitingPath,
    });
  }
  const burst = rowsOf(results, "uncontented/burst_unbounded");
  const sync = rate(find(burst, SYNC_READ));
  for (const variant of ["recvMany(1024)", "tryRecv()"]) {
    const r = rate(find(burst, `${MODULE} ${variant}`)) / sync;
    targets.push({
      name: `burst drain with ${variant}: ≥ 0.5× a synchronous array read`,
      measured: ratio(r),
      met: r >= 0.5,
      why: WHY.drain,
    });
  }
  const on = rate(find(burst, MODULE));
  const off = rate(find(burst, `${MODULE} ${BUDGET_OFF}`));
  const cost = 1 - on / off;
  const manyOn = rate(find(burst, `${MODULE} recvMany(1024)`));
  const manyOff = rate(find(burst, `${MODULE} recvMany(1024), ${BUDGET_OFF}`));
  targets.push({
    name:
      "cooperative budget: < 10% of the throughput of a drain of ready messages",
    measured: `\`recv()\`: ${percent(cost)} (${millions(on)} vs ${
      millions(off)
    } M msg/s without it); \`recvMany(1024)\`: ${
      percent(1 - manyOn / manyOff)
    }`,
    met: cost < 0.1,
    why: WHY.budget,
  });
  const shallow = rate(
    find(rowsOf(results, "uncontented/steady_backlog_10"), MODULE),
  );
  const deep = rate(
    find(rowsOf(results, `uncontented/steady_backlog_${messages}`), MODULE),
  );
  targets.push({
    name: `throughput with ${
      messages.toLocaleString("en-US")
    } buffered within 20% of 10 buffered`,
    measured: `${ratio(deep / shallow)} (${millions(deep)} vs ${
      millions(shallow)
    } M msg/s)`,
    met: deep / shallow >= 0.8,
    why: WHY.steady,
  });
  if (memory !== undefined) {
    const unbounded = memory.queued[0]!;
    targets.push({
      name: "bytes per queued number: ≤ 10.5",
      measured: `${unbounded.bytesPerMessage.toFixed(2)} (${unbounded.name})`,
      met: unbounded.bytesPerMessage <= 10.5,
      why: WHY.bytes,
    });
    const list = memory.queued.find((q) => q.blocksAfterDrain !== null);
    const held = unbounded.bytesAfterDrain ?? Infinity;
    targets.push({
      name: "after a drain the channel holds at most a few blocks",
      measured: `${
        Math.max(0, held).toFixed(0)
      } bytes held by the drained channel and its handles; ${
        list?.blocksAfterDrain ?? "n/a"
      } blocks in the list`,
      met: held < 4096 && (list?.blocksAfterDrain ?? Infinity) <= 4,
      why: WHY.drained,
    });
    const spsc = memory.allocation.find((a) =>
      a.name === "@seed/mpsc SPSC bounded 64"
    );
    const minimal = memory.allocation.find((a) =>
      a.name.startsWith("floor: array queue")
    );
    const streaming = memory.allocation.find((a) =>
      a.name === "@seed/mpsc SPSC unbounded"
    );
    const promise = memory.allocation.find((a) =>
      a.name.startsWith("floor: one promise")
    );
    if (streaming !== undefined && promise !== undefined) {
      // Each message there costs two awaits: the producer's and the
      // consumer's, so two promise floors are all it may allocate.
      targets.push({
        name:
          "no allocation per message beyond the promises (SPSC unbounded, two awaits per message: at most twice the one-promise floor, +5% for noise)",
        measured: `${streaming.bytesPerMessage.toFixed(1)} vs ${
          (2 * promise.bytesPerMessage).toFixed(1)
        } bytes allocated per message${
          memory.gcFreeRuns ? "" : " (a GC ran: undercounted)"
        }`,
        met: memory.gcFreeRuns &&
          streaming.bytesPerMessage <= 2 * promise.bytesPerMessage * 1.05,
        why: WHY.allocation,
      });
    }
    if (spsc !== undefined && minimal !== undefined) {
      targets.push({
        name:
          "no allocation per message beyond the promises (SPSC bounded 64, vs the array-queue floor)",
        measured: `${spsc.bytesPerMessage.toFixed(1)} vs ${
          minimal.bytesPerMessage.toFixed(1)
        } bytes allocated per message${
          memory.gcFreeRuns ? "" : " (a GC ran: undercounted)"
        }`,
        met: memory.gcFreeRuns &&
          spsc.bytesPerMessage <= minimal.bytesPerMessage,
        why: WHY.allocation,
      });
    }
  }
  return targets;
}

/**
 * Why a target may be missed: what the measurements showed when it was.
 * Printed only next to a target that is not met.
 */
const WHY = {
  budgetRegime:
    "the cooperative budget: without it (the budget-off ratio) the target is met. Producer and consumer stay in step across a yield (a call that spends the budget is parked and resumed from the refill itself), so what remains is the yield: one macrotask per 128 operations, a few microseconds in Deno, against about 80 ns per message. The peers and floors never yield. See Notes.",
  waitingPath:
    "the waiting path: even without the budget (the budget-off ratio) the target is missed, because here sends or receives wait for each message, and a waiting call costs a waiter object with its promise, more than the floor's bare promise and closure. See Notes.",
  drain:
    "an array read is one load per message; `tryRecv()` goes through the handle (disposed check), the channel (count and permit release) and the list (read and clear the slot, advance the block), and `recvMany()` copies block by block into a growing array and settles a promise per batch. See Notes.",
  budget:
    "each yield is one turn of the event loop (a `setImmediate` and the loop's I/O poll: a CPU profile of a `recv()` drain spends about a sixth of its time idle in those turns), about 2 µs on this machine, against 128 receives of about 50 to 60 ns: at 128 operations per turn the cost cannot fall below about 20%. About 1024 operations per turn would bring it near 5%. See Notes.",
  steady: "the cost per message should not depend on the queue's length.",
  bytes: "a block is an array of 32 slots plus its link.",
  drained: "blocks the reader has passed are recycled or released.",
  allocation:
    "the module should allocate no more than the floor per message: more means a per-message object on the hot path.",
};

/** What the numbers mean; true of the design, not of one run. */
const NOTES = `## Notes

### The cooperative budget and the two regimes of a channel

One budget counter serves every channel (as the contract says: a busy
consumer must never starve timers and I/O). Every ready \`send\`,
\`reserve*\` and receive charges it; it fills up again only once a
macrotask has run; after 128 operations in one turn of the event loop the
next one first yields a macrotask (\`setImmediate\`).

A producer and a consumer on one thread can run in *lockstep*: the
producer's send always finds room and the consumer's receive always finds
a message, nothing waits, and the two pass the turn back and forth through
microtasks. A call that finds the budget spent is parked as a waiter and
resumed synchronously by the refill, so both sides come back from the yield
at the pace they left it and lockstep survives (an earlier design resumed
them through async frames, which put one side a few microtasks behind and
moved every long run into a *full* regime where every send waited: half the
throughput). What the budget still costs is the yield itself: one
macrotask per 128 operations, or per 64 messages in a send-and-receive
loop. The "(budget off)" rows run the same code without the budget, and
every peer and floor in these tables has none.

In the MPSC scenario sixteen producers keep the channel full, so every send
waits; there the cost of a waiting call (a waiter object and its promise)
decides the ratio to the floor, whose waiting send is a bare promise.

### Drains

A drain of ready messages with \`recv()\` pays one resolved promise per
message and one yield per 128; \`recvMany(buffer, 1024)\` pays one promise
and one budget charge per 1024 messages, and \`tryRecv()\` none. The
synchronous floor there is a plain indexed read of an array already filled,
the fastest way a program can visit the same numbers.

### The peers

- async-channel returns a buffered value synchronously from \`get()\`
  (awaiting a plain value is cheaper than awaiting a promise), which makes
  it the fastest peer in lockstep; its buffer and its queue of waiting
  senders are arrays read with \`shift()\`, quadratic once long (the drain
  and \`for await\` rows, where the producer runs ahead).
- it-pushable has no backpressure: it appears only in unbounded scenarios.
- @repeaterjs/repeater's \`push()\` resolves when the value is consumed or
  buffered; its \`FixedBuffer\` is an array read with \`shift()\`, so it is
  used bounded only (capacity 1024 in the \`for await\` scenario).
- effect's \`Queue\` runs inside one Effect program (producer and consumer
  as fibers); its scheduler yields on its own, like our budget.
- Web Streams: \`ReadableStream\` with a controller for unbounded; a
  \`TransformStream\` whose writable side has a \`CountQueuingStrategy\` of
  the capacity for bounded (producers \`await writer.ready\`, then write).
`;

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

function memorySection(memory: MemoryReport): string {
  const lines = [
    "## Memory",
    "",
    `Heap used after a forced full collection (\`--expose-gc\`), with ${
      memory.messages.toLocaleString("en-US")
    } numbers buffered, then after reading them all (senders and receiver still alive). Numbers below 2^30 are small integers, stored in the slot itself.`,
    "",
    "| Container | bytes per queued number | bytes held after the drain | blocks after the drain |",
    "|---|--:|--:|--:|",
  ];
  for (const q of memory.queued) {
    lines.push(
      `| ${q.name} | ${q.bytesPerMessage.toFixed(2)} | ${
        q.bytesAfterDrain === null
          ? "n/a"
          : Math.max(0, q.bytesAfterDrain).toFixed(0)
      } | ${q.blocksAfterDrain ?? "n/a"} |`,
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
    }; then what is left after a full collection. The SPSC runs include the benchmark's own two \`async\` loops (each \`await\` allocates). The drain starts with every message queued, so a negative \`retained\` there is the queue it gave back.`,
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

function headline(
  results: Map<Scenario, Row[]>,
  memory: MemoryReport | undefined,
): string[] {
  const lines: string[] = [];
  for (const [scenario, rows] of results) {
    if (!/spsc|mpsc|for_await|burst/.test(scenario.id)) continue;
    // In the drain, compare the batch receive with the peers' best (a
    // batch receive too), and name the other ways to drain.
    const burst = scenario.id.includes("burst");
    const name = burst ? `${MODULE} recvMany(1024)` : MODULE;
    const mine = rate(find(rows, name));
    const off = rate(find(rows, `${MODULE} ${BUDGET_OFF}`));
    const peer = best(rows, "peer");
    lines.push(
      `- ${scenario.id}${burst ? " with `recvMany(1024)`" : ""}: ${
        millions(mine)
      } M msg/s, ${ratio(mine / rate(peer))} the fastest peer (${
        peer?.name ?? "none"
      }), ${
        ratio(mine / rate(find(rows, FLOOR_MINIMAL)))
      } the array-queue floor${
        burst
          ? `; \`tryRecv()\` ${
            millions(rate(find(rows, `${MODULE} tryRecv()`)))
          }, \`recv()\` ${millions(rate(find(rows, MODULE)))} M msg/s`
          : Number.isFinite(off)
          ? ` (budget off: ${millions(off)} M msg/s, ${
            ratio(off / rate(peer))
          } the fastest peer)`
          : ""
      }.`,
    );
  }
  if (memory !== undefined) {
    const [unbounded, , , array, streams] = memory.queued;
    lines.push(
      `- Memory: ${
        unbounded?.bytesPerMessage.toFixed(2)
      } bytes per queued number with ${
        memory.messages.toLocaleString("en-US")
      } buffered (plain Array ${
        array?.bytesPerMessage.toFixed(2)
      }, Web Streams ${streams?.bytesPerMessage.toFixed(2)}).`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const started = performance.now();
  const list = scenarios(options.messages).filter((s) =>
    options.only?.test(s.id) ?? true
  );
  log(
    `${list.length} scenarios, ${options.runs} rounds of ${options.messages} messages`,
  );
  let memory: MemoryReport | undefined;
  if (options.memory) {
    log("memory (child process)...");
    memory = await runMemory(options.messages);
  }
  const results = await runRounds(list, options.runs);
  const targets = evaluate(results, memory, options.messages);
  const seconds = (performance.now() - started) / 1000;
  const unmet = targets.filter((t) => !t.met);

  const doc = [
    "# Benchmarks",
    "",
    "<!-- Written by `deno task bench:report` (_bench/report.ts): do not edit by hand. -->",
    "",
    `Throughput of @seed/mpsc against the channels and queues a TypeScript developer could pick instead, and against the floors the engine sets. Measured ${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC in ${seconds.toFixed(0)} s.`,
    "",
    "## Headline",
    "",
    ...headline(results, memory),
    "",
    "## Targets",
    "",
    unmet.length === 0
      ? "Every target is met."
      : `${unmet.length} of ${targets.length} targets are **not met**; each says why.`,
    "",
    "| Target | Measured | Met |",
    "|---|---|---|",
    ...targets.map((t) =>
      `| ${t.name} | ${t.measured} | ${
        t.met ? "yes" : `**no**: ${t.why ?? ""}`
      } |`
    ),
    "",
    "## Machine and method",
    "",
    ...(await machine()),
    `- Command: \`deno task bench:report${
      Deno.args.length > 0 ? " " + Deno.args.join(" ") : ""
    }\`, which runs \`${TASK}\``,
    `- ${options.runs} recorded rounds after one warm-up round, in one process. Each round runs every scenario once; within a scenario the contenders take turns, in an order that rotates every round. A full collection runs before each timed run. Tables give the median of the rounds, then the slowest and fastest run.`,
    "- Every run checks the sum of the messages it received.",
    "- Peers (pinned npm versions): WHATWG Streams (built in), effect@4.1.0 `Queue` (inside one Effect program, producer and consumer as fibers), @repeaterjs/repeater@3.1.0 with `FixedBuffer`, it-pushable@3.2.4 (object mode; no backpressure, so unbounded only), async-channel@0.2.0.",
    "- Floors: `floor: array queue + one resolver` is the simplest channel one would write by hand (an array with a read index, one pending receiver, an array of waiting senders; no cancellation, no checks); `floor: one promise per message` creates, resolves and awaits one promise per message and does nothing else, the limit of any promise-based channel; `floor: sync array push/pop` moves each message through an array synchronously (for a drain: reads an array already filled).",
    "- \"vs\" columns divide the row's median by the other row's median.",
    `- Rows marked "(N messages)" move fewer messages per run: ${
      QUADRATIC_CAP.toLocaleString("en-US")
    } for async-channel where its queue grows (it reads with \`Array.prototype.shift\`, quadratic in the queue's length: its rate would only fall with more), ${
      SLOW_CAP.toLocaleString("en-US")
    } for effect and @repeaterjs/repeater (under 1 M msg/s; their rate is steady well before), so that the report finishes within minutes.`,
    `- Rows marked "${BUDGET_OFF}" run @seed/mpsc with its cooperative budget turned off through the test-only switch \`setBudgetEnabled(false)\` (\`budget.ts\`), to show what the budget costs.`,
    "",
    "## Throughput",
    "",
    ...[...results].map(([scenario, rows]) => scenarioTable(scenario, rows)),
    ...(memory === undefined ? [] : [memorySection(memory)]),
    NOTES,
  ].join("\n");
  await Deno.writeTextFile(options.out, doc);
  // Leave the file as `deno fmt` wants it, so `deno fmt --check` passes.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", options.out],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!fmt.success) {
    log(`deno fmt ${options.out} failed; the report is unformatted`);
  }
  log(`wrote ${options.out} in ${seconds.toFixed(0)} s`);
}

if (import.meta.main) await main();
