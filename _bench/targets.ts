// Copyright 2026 the @seed/mpsc authors. MIT license.
// The targets the report checks (issues 9 and 17), each with what was
// measured and, when missed, by how much and why.

import {
  BUDGET_OFF,
  DEEP_BACKLOG,
  MODULE,
  RECV_MANY,
  type Scenario,
} from "./scenarios.ts";
import { RING, SYNC_FLOOR } from "./floors.ts";
import type { AllocationResult, MemoryReport } from "./memory.ts";
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
  rowsOf,
} from "./stats.ts";

/** One target and how it fared. */
export interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean;
  /** Why it is not met, when it is not. */
  readonly why?: string;
}

/** The goal against the ring floor, consumer first. */
export const VS_RING = 0.9;
/** The goal against the fastest peer, consumer first. */
export const VS_PEER = 1.25;
/** No peer may be faster, in any scenario or order. */
const AT_LEAST_PEER = 1;
const BUDGET_COST = 0.03;
const GAP_MEDIAN = 1.5;
const GAP_P99 = 5;
const BYTES_PER_NUMBER = 10.5;

/** Whether a scenario's rows are compared with the peers and the ring. */
function compared(scenario: Scenario): boolean {
  return (scenario.loop || scenario.plain === true) &&
    !scenario.base.startsWith("send/");
}

/** Whether the goals (not only "no peer faster") apply to a scenario. */
function headline(scenario: Scenario): boolean {
  return scenario.loop && scenario.order !== "producer-first";
}

/**
 * The consumer-first loop scenarios furthest below the ring floor (at most
 * `count`), whose @seed/mpsc row the report profiles.
 */
export function furthestBelowRing(
  results: Results,
  count: number,
): Scenario[] {
  return [...results]
    .filter(([s]) => compared(s) && headline(s))
    .map(([scenario, rows]) => ({
      scenario,
      vsRing: rate(find(rows, MODULE)) / rate(find(rows, RING)),
    }))
    .filter((m) => m.vsRing < VS_RING)
    .sort((a, b) => a.vsRing - b.vsRing)
    .slice(0, count)
    .map((m) => m.scenario);
}

function throughputTargets(
  results: Results,
  profiled: ReadonlySet<Scenario>,
): Target[] {
  const targets: Target[] = [];
  for (const [scenario, rows] of results) {
    if (!compared(scenario)) continue;
    const mine = rate(find(rows, MODULE));
    const off = rate(find(rows, `${MODULE} ${BUDGET_OFF}`));
    const ring = rate(find(rows, RING));
    const peer = fastest(rows, "peer");
    const vsPeer = mine / rate(peer);
    const seeProfile = profiled.has(scenario)
      ? " (see Where the time goes)"
      : "";
    targets.push({
      name: `${scenario.id}: ≥ ${ratio(AT_LEAST_PEER)} the fastest peer`,
      measured: `${ratio(vsPeer)} (${peer?.name ?? "none"}, ${
        millions(rate(peer))
      } M msg/s); budget off ${ratio(off / rate(peer))}`,
      met: vsPeer >= AT_LEAST_PEER,
      why: off / rate(peer) >= AT_LEAST_PEER
        ? `the budget: with it off the ratio is ${ratio(off / rate(peer))}`
        : `${peer?.name ?? "the peer"} is faster by ${
          percent(rate(peer) / mine - 1)
        }${seeProfile}`,
    });
    if (!headline(scenario)) continue;
    const vsRing = mine / ring;
    targets.push({
      name: `${scenario.id}: ≥ ${VS_RING}× the ring floor`,
      measured: `${ratio(vsRing)} (${millions(mine)} vs ${
        millions(ring)
      } M msg/s); budget off ${ratio(off / ring)}`,
      met: vsRing >= VS_RING,
      why: off / ring >= VS_RING
        ? `the budget: with it off the ratio is ${ratio(off / ring)}`
        : `short by ${percent(1 - vsRing / VS_RING)}, budget off too (${
          ratio(off / ring)
        }): the channel's own path costs more than the ring's${seeProfile}`,
    });
    targets.push({
      name: `${scenario.id}: ≥ ${VS_PEER}× the fastest peer (the goal)`,
      measured: ratio(vsPeer),
      met: vsPeer >= VS_PEER,
      why: off / rate(peer) >= VS_PEER
        ? `the budget: with it off the ratio is ${ratio(off / rate(peer))}`
        : `short by ${percent(1 - vsPeer / VS_PEER)}; ${
          peer?.name ?? "the peer"
        } is ${ratio(rate(peer) / ring)} the ring floor here`,
    });
  }
  return targets;
}

function intervalTargets(results: Results, idle: readonly number[]): Target[] {
  const targets: Target[] = [];
  const idleMedian = median(idle);
  const idleP99 = percentile(idle, 99);
  for (const [scenario, rows] of results) {
    if (!scenario.loop || scenario.base.startsWith("send/")) continue;
    const gaps = find(rows, MODULE)?.gaps ?? [];
    if (gaps.length === 0) continue;
    const m = median(gaps);
    const p99 = percentile(gaps, 99);
    targets.push({
      name:
        `${scenario.id}: a 1 ms interval's median gap ≤ ${GAP_MEDIAN} ms and p99 ≤ ${GAP_P99} ms`,
      measured: `median ${msText(m)} ms, p99 ${
        msText(p99)
      } ms (${gaps.length} ticks); idle loop: ${msText(idleMedian)}, ${
        msText(idleP99)
      } ms`,
      met: m <= GAP_MEDIAN && p99 <= GAP_P99,
      why: [
        m > GAP_MEDIAN
          ? `the median is ${msText(m - GAP_MEDIAN)} ms over`
          : undefined,
        p99 > GAP_P99
          ? `the p99 is ${msText(p99 - GAP_P99)} ms over`
          : undefined,
      ].filter((x) => x !== undefined).join(", ") +
        ` (an idle loop: ${msText(idleMedian)} / ${
          msText(idleP99)
        } ms; a collection or a long turn shows in the p99)`,
    });
  }
  return targets;
}

function budgetTargets(results: Results): Target[] {
  const targets: Target[] = [];
  const pairOf = (id: string) => rowsOf(results, id);
  const burst = rowsOf(results, "uncontented/burst_unbounded");
  for (
    const [label, rows, on, off] of [
      [
        "`recv()` drain",
        pairOf("uncontented/burst_unbounded"),
        MODULE,
        `${MODULE} ${BUDGET_OFF}`,
      ],
      [
        "`recvMany(1024)` drain",
        pairOf("uncontented/burst_unbounded"),
        RECV_MANY,
        `${RECV_MANY} ${BUDGET_OFF}`,
      ],
      [
        "ping-pong",
        pairOf("uncontented/ping_pong_bounded_1"),
        MODULE,
        `${MODULE} ${BUDGET_OFF}`,
      ],
    ] as const
  ) {
    if (rows === undefined) continue;
    const a = rate(find(rows, on));
    const b = rate(find(rows, off));
    const cost = 1 - a / b;
    targets.push({
      name: `cooperative budget: < ${
        percent(BUDGET_COST)
      } of the throughput of a ${label}`,
      measured: `${percent(cost)} (${millions(a)} vs ${
        millions(b)
      } M msg/s without it, measured in its own process)`,
      met: cost < BUDGET_COST,
      why:
        "the budget's clock checks and yields cost more than the target (see Notes: the collector's deferred work runs at its yields)",
    });
  }
  if (burst !== undefined) {
    const sync = rate(find(burst, SYNC_FLOOR));
    const many = rate(find(burst, RECV_MANY)) / sync;
    targets.push({
      name:
        "burst drain with `recvMany(1024)`: ≥ 0.5× a synchronous array read",
      measured: ratio(many),
      met: many >= 0.5,
      why:
        "an array read is one load per message; `recvMany()` copies block by block and settles a promise per batch",
    });
  }
  const shallow = rate(
    find(rowsOf(results, "uncontented/steady_backlog_10"), MODULE),
  );
  const deep = rate(
    find(rowsOf(results, `uncontented/steady_backlog_${DEEP_BACKLOG}`), MODULE),
  );
  if (Number.isFinite(shallow) && Number.isFinite(deep)) {
    targets.push({
      name: `throughput with ${
        DEEP_BACKLOG.toLocaleString("en-US")
      } buffered within 20% of 10 buffered`,
      measured: `${ratio(deep / shallow)} (${millions(deep)} vs ${
        millions(shallow)
      } M msg/s)`,
      met: deep / shallow >= 0.8,
      why: "the cost per message should not depend on the queue's length",
    });
  }
  return targets;
}

function allocation(
  memory: MemoryReport,
  key: string,
): AllocationResult | undefined {
  return memory.allocation.find((a) => a.key === key);
}

function memoryTargets(memory: MemoryReport): Target[] {
  const targets: Target[] = [];
  const note = memory.gcFreeRuns ? "" : " (a GC ran: undercounted)";
  const unbounded = memory.queued[0]!;
  targets.push({
    name: `bytes per queued number: ≤ ${BYTES_PER_NUMBER}`,
    measured: `${unbounded.bytesPerMessage.toFixed(2)} (${unbounded.name})`,
    met: unbounded.bytesPerMessage <= BYTES_PER_NUMBER,
    why: "a block is an array of 32 slots plus its link",
  });
  const held = unbounded.bytesAfterDrain ?? Infinity;
  targets.push({
    name: "after a drain the channel holds at most a few blocks (< 4 KiB)",
    measured: `${
      Math.max(0, held).toFixed(0)
    } bytes held by the drained channel and its handles`,
    met: held < 4096,
    why: "blocks the reader has passed should be recycled or released",
  });
  for (
    const [key, label] of [
      ["waiting:64", "waiting path (consumer first, SPSC 64)"],
      ["waiting:unbounded", "waiting path (consumer first, SPSC unbounded)"],
      ["ready:64", "ready path (producer first, SPSC 64)"],
    ] as const
  ) {
    const [path, shape] = key.split(":");
    const mine = allocation(memory, `${path}:module:${shape}`);
    const ring = allocation(memory, `${path}:ring:${shape}`);
    if (mine === undefined || ring === undefined) continue;
    targets.push({
      name: `${label}: allocates nothing beyond the ring floor (+5% for noise)`,
      measured: `${mine.bytesPerMessage.toFixed(1)} vs ${
        ring.bytesPerMessage.toFixed(1)
      } bytes per message${note}`,
      met: memory.gcFreeRuns &&
        mine.bytesPerMessage <= ring.bytesPerMessage * 1.05,
      why: `${
        (mine.bytesPerMessage - ring.bytesPerMessage).toFixed(1)
      } bytes more per message than the ring (both run the plain loops of \`_bench/loops.ts\`)`,
    });
  }
  return targets;
}

/**
 * Every target, checked against one run's results.
 *
 * @param profiled The scenarios whose profile the report shows.
 */
export function evaluate(
  results: Results,
  memory: MemoryReport | undefined,
  idle: readonly number[],
  profiled: ReadonlySet<Scenario>,
): Target[] {
  return [
    ...throughputTargets(results, profiled),
    ...intervalTargets(results, idle),
    ...budgetTargets(results),
    ...(memory === undefined ? [] : memoryTargets(memory)),
  ];
}
