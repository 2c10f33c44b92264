// Copyright 2026 the @seed/mpsc authors. MIT license.
// The report's measurements and the statistics taken of them: medians,
// percentiles, the fastest peer, a row by name.

import type { Kind } from "./harness.ts";
import type { Scenario } from "./scenarios.ts";

/** The measurements of one row of a scenario's table. */
export interface Row {
  readonly name: string;
  /** The contender's own name (the row's name may add a variant). */
  readonly contender: string;
  readonly kind: Kind;
  readonly budgetOff: boolean;
  /** Rates of the recorded rounds, in messages per second. */
  readonly rates: number[];
  /** The 1 ms interval's gaps during its timer runs, in milliseconds. */
  readonly gaps: number[];
}

/** Every scenario's rows, in the order the scenarios ran. */
export type Results = Map<Scenario, Row[]>;

/** The median of `values` (`NaN` when there are none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The `p`-th percentile (0 to 100) of `values`, nearest rank; `NaN` with
 * no samples.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** A row's median rate (`NaN` for a missing row). */
export function rate(row: Row | undefined): number {
  return row === undefined ? NaN : median(row.rates);
}

/** The fastest row of `kind` by median (the peers: the fastest peer). */
export function fastest(rows: readonly Row[], kind: Kind): Row | undefined {
  let top: Row | undefined;
  for (const row of rows) {
    if (row.kind !== kind || row.rates.length === 0) continue;
    if (top === undefined || rate(row) > rate(top)) top = row;
  }
  return top;
}

/** The row named `name`, if any. */
export function find(
  rows: readonly Row[] | undefined,
  name: string,
): Row | undefined {
  return rows?.find((r) => r.name === name);
}

/** The rows of the scenario `id`, if it ran. */
export function rowsOf(results: Results, id: string): Row[] | undefined {
  for (const [scenario, rows] of results) {
    if (scenario.id === id) return rows;
  }
  return undefined;
}

// -- Numbers as the report prints them --

/** Messages per second as millions, `n/a` when unmeasured. */
export function millions(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const m = value / 1e6;
  return m >= 0.1 ? m.toFixed(2) : m.toPrecision(2);
}

/** A ratio such as `0.93×`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}

/** A share from 0 to 1 as a percentage. */
export function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "n/a";
}

/** Milliseconds with two decimals. */
export function msText(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "n/a";
}
