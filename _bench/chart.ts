// Copyright 2026 the @seed/mpsc authors. MIT license.
// Hand-written SVG bar charts of the report's throughput tables: one chart
// per scenario, one row per contender, a bar per order.

import type { Kind } from "./harness.ts";

/** One contender's bars: its median rates, in messages per second. */
export interface ChartRow {
  /** The contender's name. */
  readonly name: string;
  /** Whether it is the module, a peer or a floor (sets the colour). */
  readonly kind: Kind;
  /**
   * The rate with the consumer first (the headline order), or the only
   * rate of a scenario that has no order.
   */
  readonly first?: number;
  /** The rate with the producer first, when the scenario has both orders. */
  readonly second?: number;
}

/** One chart. */
export interface Chart {
  /** The scenario's name, shown as the title. */
  readonly title: string;
  /** One line under the title. */
  readonly subtitle: string;
  /** Whether the rows have a bar per order (and the legend says so). */
  readonly ordered: boolean;
  /** The rows, top to bottom. */
  readonly rows: readonly ChartRow[];
  /** A rate to mark with a dashed line across every row (the ring floor). */
  readonly reference?: number;
}

const COLOURS: Record<Kind, string> = {
  module: "#0969da",
  peer: "#6e7781",
  floor: "#bf8700",
};

const WIDTH = 900;
const LABEL = 400;
const PLOT = 390;
const BAR = 10;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for an SVG text node or attribute. */
function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;");
}

/** A round axis maximum at or above `value`: 1, 2 or 5 times a power of 10. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** A row's name, its "(100,000 messages)" shortened to "(100k msgs)". */
function label(name: string): string {
  return name.replace(
    /\((\d[\d,]*) messages\)/,
    (_, n: string) => `(${Number(n.replace(/,/g, "")) / 1000}k msgs)`,
  );
}

function millions(rate: number): string {
  const m = rate / 1e6;
  return m >= 10 ? m.toFixed(1) : m >= 0.1 ? m.toFixed(2) : m.toPrecision(2);
}

/**
 * Draws one scenario as a horizontal bar chart in M msg/s. With both
 * orders, each row has a solid bar (consumer first) above a pale one
 * (producer first).
 *
 * @param chart What to draw.
 * @returns The SVG document.
 */
export function barChart(chart: Chart): string {
  const rowHeight = chart.ordered ? 2 * BAR + 10 : BAR + 10;
  const top = 64;
  const height = top + chart.rows.length * rowHeight + 34;
  let max = 0;
  for (const row of chart.rows) {
    max = Math.max(max, row.first ?? 0, row.second ?? 0);
  }
  const axis = niceMax(max / 1e6);
  const x = (rate: number) => LABEL + (rate / 1e6 / axis) * PLOT;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${
      escape(chart.title)
    }</text>`,
    `<text x="10" y="38" fill="#57606a">${escape(chart.subtitle)}</text>`,
  ];
  if (chart.ordered) {
    out.push(
      `<rect x="${LABEL}" y="47" width="12" height="9" fill="#57606a"/>`,
      `<text x="${LABEL + 16}" y="55">consumer first (the headline)</text>`,
      `<rect x="${
        LABEL + 200
      }" y="47" width="12" height="9" fill="#57606a" fill-opacity="0.35"/>`,
      `<text x="${LABEL + 216}" y="55">producer first</text>`,
    );
  }
  // Grid: five steps of the axis.
  const bottom = top + chart.rows.length * rowHeight;
  for (let i = 0; i <= 5; i++) {
    const value = (axis * i) / 5;
    const gx = LABEL + (PLOT * i) / 5;
    out.push(
      `<line x1="${gx}" y1="${
        top - 4
      }" x2="${gx}" y2="${bottom}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${gx}" y="${bottom + 14}" text-anchor="middle" fill="#57606a">${
        Number(value.toPrecision(3))
      }</text>`,
    );
  }
  out.push(
    `<text x="${LABEL + PLOT / 2}" y="${
      bottom + 28
    }" text-anchor="middle" fill="#57606a">M msg/s (median of the rounds)</text>`,
  );
  const reference = chart.reference;
  if (reference !== undefined && Number.isFinite(reference)) {
    const rx = x(reference).toFixed(1);
    out.push(
      `<line x1="${rx}" y1="${
        top - 4
      }" x2="${rx}" y2="${bottom}" stroke="#bf8700" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
  }
  chart.rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    const colour = COLOURS[row.kind];
    const weight = row.kind === "module" ? ' font-weight="bold"' : "";
    out.push(
      `<text x="${LABEL - 8}" y="${
        y + (chart.ordered ? BAR + 4 : BAR - 1)
      }" text-anchor="end"${weight}>${escape(label(row.name))}</text>`,
    );
    const bars: [number | undefined, number][] = chart.ordered
      ? [[row.first, 1], [row.second, 0.35]]
      : [[row.first, 1]];
    bars.forEach(([rate, opacity], k) => {
      const by = y + k * BAR;
      if (rate === undefined || !Number.isFinite(rate)) {
        out.push(
          `<text x="${LABEL + 4}" y="${
            by + BAR - 1
          }" fill="#8c959f" font-size="10">n/a</text>`,
        );
        return;
      }
      const w = Math.max(1, x(rate) - LABEL);
      out.push(
        `<rect x="${LABEL}" y="${by}" width="${w.toFixed(1)}" height="${
          BAR - 1
        }" fill="${colour}" fill-opacity="${opacity}"/>`,
        `<text x="${(LABEL + w + 4).toFixed(1)}" y="${
          by + BAR - 1
        }" font-size="10" fill="#24292f">${millions(rate)}</text>`,
      );
    });
  });
  out.push("</svg>", "");
  return out.join("\n");
}
