// Copyright 2026 the @seed/mpsc authors. MIT license.
// Where the time goes: runs one scenario's row under V8's sampling profiler
// and sums the samples by function, so the report can show what a missed
// target spends its time on.
//
// The report runs this file as a child process with V8's log flags (the
// log is V8's own file, outside Deno's permissions), then reads the log:
//
//   deno run --allow-read --v8-flags=--prof,--no-logfile-per-isolate,--logfile=/tmp/v8.log,--prof-sampling-interval=100 \
//     _bench/profile.ts --scenario=uncontented/spsc_bounded_64/consumer_first --entry=@seed/mpsc
//
// Node's `--prof-process` cannot read the log of a newer V8, hence the small
// reader below: self time only, by code object, which is what a hot path
// needs to show. Start-up and three warm-up runs are left out.

import { parseArgs } from "@std/cli/parse-args";
import { scenarios } from "./scenarios.ts";

/** The V8 flags the profiled child runs with, logging to `logfile`. */
export function profileFlags(logfile: string): string {
  return [
    "--prof",
    "--no-logfile-per-isolate",
    `--logfile=${logfile}`,
    "--prof-sampling-interval=100",
  ].join(",");
}

/**
 * The name of a function compiled (by its first call) just before the
 * profiled runs: samples logged before its creation are start-up and
 * warm-up, and are left out.
 */
export const PROFILE_START = "profile_start_marker";

/** One line of a profile: where samples fell, and their share. */
export interface ProfileLine {
  /** A function (with its file and line), a builtin, or a state. */
  readonly name: string;
  /** The samples that fell there. */
  readonly ticks: number;
  /** The share of all samples, from 0 to 1. */
  readonly share: number;
}

/** V8's `StateTag` values that are not running code. */
const STATES: Record<string, string> = {
  "1": "(garbage collection)",
  "2": "(parser)",
  "3": "(bytecode compiler)",
  "4": "(optimizing compiler)",
  "8": "(idle: waiting for the event loop)",
};

interface Code {
  start: number;
  end: number;
  name: string;
}

/** The function's name without V8's tier marker, its file URL shortened. */
function codeName(kind: string, name: string): string {
  // Line numbers are the transpiled JavaScript's: left out.
  const clean = name.trim().replace(/^[~*^+]/, "").replace(
    /file:\/\/\/\S*\/(_bench\/|)([^/\s]+\.ts):\d+:\d+/,
    "$1$2",
  ).replace(/(ext:\S+\.js):\d+:\d+/, "$1");
  // A function without a name logs only its place.
  const named = /^\S+\.(ts|js)$/.test(clean) ? `(anonymous) ${clean}` : clean;
  return kind === "JS" || kind === "Script" ? named : `${kind}: ${named}`;
}

/**
 * Sums a V8 log's samples by the code they fell in (self time).
 *
 * @param log The text of the log `--prof` wrote.
 * @param top How many lines to keep; the rest are summed in one.
 * @returns The heaviest lines first.
 */
export function summarize(log: string, top = 15): ProfileLine[] {
  const codes = new Map<number, Code>();
  const libraries: Code[] = [];
  const ticks = new Map<string, number>();
  let total = 0;
  // Whether the profiled part has begun: at once if the log has no marker.
  let started = !log.includes(PROFILE_START);
  let last: Code | undefined;
  const find = (pc: number): Code | undefined => {
    if (last !== undefined && pc >= last.start && pc < last.end) return last;
    for (const code of codes.values()) {
      if (pc >= code.start && pc < code.end) return last = code;
    }
    return undefined;
  };
  for (const line of log.split("\n")) {
    const fields = line.split(",");
    switch (fields[0]) {
      case "shared-library": {
        const start = Number(fields[2]);
        const end = Number(fields[3]);
        const name = fields[1]!.split("/").pop()!;
        libraries.push({ start, end, name });
        break;
      }
      case "code-creation": {
        if (fields[6]?.includes(PROFILE_START)) started = true;
        const start = Number(fields[4]);
        const size = Number(fields[5]);
        codes.set(start, {
          start,
          end: start + size,
          name: codeName(fields[1]!, fields[6] ?? ""),
        });
        break;
      }
      case "code-move": {
        const from = Number(fields[1]);
        const to = Number(fields[2]);
        const code = codes.get(from);
        last = undefined;
        if (code !== undefined) {
          codes.delete(from);
          code.end = to + (code.end - code.start);
          code.start = to;
          codes.set(to, code);
        }
        break;
      }
      case "code-delete":
        codes.delete(Number(fields[1]));
        last = undefined;
        break;
      case "tick": {
        if (!started) break;
        total++;
        const state = STATES[fields[5]!];
        let name: string;
        if (state !== undefined) {
          name = state;
        } else {
          const pc = Number(fields[1]);
          const code = find(pc);
          if (code !== undefined) {
            name = code.name;
          } else {
            // Native code: name the JS function that called into it.
            let caller: Code | undefined;
            for (let i = 6; i < fields.length && caller === undefined; i++) {
              caller = find(Number(fields[i]));
            }
            const library = libraries.find((l) => pc >= l.start && pc < l.end);
            name = `(native${
              library === undefined ? "" : ` in ${library.name}`
            }${caller === undefined ? "" : `, called from ${caller.name}`})`;
          }
        }
        ticks.set(name, (ticks.get(name) ?? 0) + 1);
        break;
      }
    }
  }
  const lines = [...ticks].sort((a, b) => b[1] - a[1]);
  const kept: ProfileLine[] = lines.slice(0, top).map(([name, n]) => ({
    name,
    ticks: n,
    share: n / total,
  }));
  const rest = lines.slice(top).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) {
    kept.push({ name: "(everything else)", ticks: rest, share: rest / total });
  }
  return kept;
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["scenario", "entry", "runs", "messages"],
    default: { runs: "20", messages: "1000000" },
  });
  const scenario = scenarios(Number(flags.messages)).find((s) =>
    s.id === flags.scenario
  );
  const entry = scenario?.entries.find((e) => e.name === flags.entry);
  if (scenario === undefined || entry === undefined) {
    throw new TypeError(
      `Cannot profile: no row "${flags.entry}" in scenario "${flags.scenario}"`,
    );
  }
  // Warm the compiler up, then mark where the profiled part begins.
  for (let i = 0; i < 3; i++) await entry.prepare()();
  const mark = new Function(
    `return function ${PROFILE_START}() { return 1; };`,
  )() as () => number;
  mark();
  for (let i = 0; i < Number(flags.runs); i++) {
    const sum = await entry.prepare()();
    const expected = entry.expected ?? scenario.expected;
    if (sum !== expected) {
      throw new Error(
        `Cannot trust ${scenario.id} ${entry.name}: expected sum ${expected}, got ${sum}`,
      );
    }
  }
}
