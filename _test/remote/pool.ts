// Copyright 2026 the @seed/mpsc authors. MIT license.
// A `pg` pool for tests, workers and benchmarks (no PGlite loaded).

import pg from "npm:pg@8.23.1";

/** Makes a pool that survives its server being killed (no crash on error). */
export function pool(url: string, max = 4): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max });
  p.on("error", () => {});
  return p;
}
