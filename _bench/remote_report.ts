// Copyright 2026 the @seed/mpsc authors. MIT license.
// Remote channel throughput, against a real PostgreSQL 15 and PGlite in one
// run: one message per commit, sendMany/recvMany of 16 and 64, one and four
// senders; the floor (a bare INSERT / DELETE ... RETURNING loop on the same
// connection); and pg-boss sending and fetching the same numbers. Prints a
// Markdown table (docs/remote.md quotes it).
//
//   deno task bench:remote          (starts a throwaway cluster with initdb)
//   MPSC_PG_URL=postgres://... deno task bench:remote   (an existing server)

import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
import { PgBoss } from "npm:pg-boss@12.38.0";
import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
  type PgClient,
  pgStore,
} from "../remote.ts";
import { pool } from "../_test/remote/pool.ts";
import { Cluster } from "../_test/remote/cluster.ts";

const BATCHES = [1, 16, 64];
const perSec = (n: number, ms: number) => Math.round(n / (ms / 1000));
const count = (batch: number, slow: boolean) =>
  (batch === 1 ? 400 : batch === 16 ? 2048 : 8192) / (slow ? 2 : 1);
/**
 * Rounds per batch size. Each round runs every case once, one after the
 * other, so the floor and the channel see the same load (the disk's flush
 * time varies severalfold on a shared machine); the table gives medians.
 */
const ROUNDS = 5;

const samples = new Map<string, { send: number[]; recv: number[] }>();

function row(
  db: string,
  what: string,
  batch: number,
  send: number,
  recv: number,
) {
  const key = `| ${db} | ${what} | ${batch} |`;
  let sample = samples.get(key);
  if (sample === undefined) samples.set(key, sample = { send: [], recv: [] });
  sample.send.push(send);
  sample.recv.push(recv);
  console.error(key, send, recv);
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

let serial = 0;

/** The remote channel: `senders` handles send `n` in batches, then one receiver takes them. */
async function remote(
  client: PgClient,
  db: string,
  batch: number,
  senders: number,
  n: number,
) {
  const schema = `bench_${++serial}`;
  const store = pgStore(client, { schema, listen: false });
  await createRemoteChannel(store, "c", { capacity: n + 64 });
  const txs = await Promise.all(
    Array.from(
      { length: senders },
      (_, i) => connectSender<number>(store, "c", { id: `s${i}` }),
    ),
  );
  const t0 = performance.now();
  await Promise.all(txs.map(async (tx) => {
    for (let i = 0; i < n / senders; i += batch) {
      if (batch === 1) await tx.send(i);
      else await tx.sendMany(Array.from({ length: batch }, (_, j) => i + j));
    }
  }));
  const t1 = performance.now();
  const rx = await connectReceiver<number>(store, "c");
  const buffer: number[] = [];
  let got = 0;
  while (got < n) {
    if (batch === 1) {
      await rx.recv();
      got++;
    } else got += await rx.recvMany(buffer, batch);
    buffer.length = 0;
  }
  const t2 = performance.now();
  for (const tx of txs) await tx.dispose();
  await rx.dispose();
  await store.close();
  await client.query(`DROP SCHEMA ${schema} CASCADE`, []);
  row(
    db,
    senders === 1 ? "remote channel" : `remote channel, ${senders} senders`,
    batch,
    perSec(n, t1 - t0),
    perSec(n, t2 - t1),
  );
}

/** The floor: bare statements on one connection, no channel logic. */
async function floor(client: PgClient, db: string, batch: number, n: number) {
  const schema = `floor_${++serial}`;
  await client.query(`CREATE SCHEMA ${schema}`, []);
  await client.query(
    `CREATE TABLE ${schema}.q (pos bigserial PRIMARY KEY, body text NOT NULL)`,
    [],
  );
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const bodies = Array.from({ length: batch }, (_, j) => String(i + j));
    await client.query(
      `INSERT INTO ${schema}.q (body) SELECT unnest($1::text[])`,
      [bodies],
    );
  }
  const t1 = performance.now();
  let got = 0;
  while (got < n) {
    const r = await client.query(
      `DELETE FROM ${schema}.q WHERE pos IN (SELECT pos FROM ${schema}.q ORDER BY pos LIMIT $1) RETURNING body`,
      [batch],
    );
    got += r.rows.length;
  }
  const t2 = performance.now();
  await client.query(`DROP SCHEMA ${schema} CASCADE`, []);
  row(
    db,
    "floor (bare INSERT / DELETE RETURNING)",
    batch,
    perSec(n, t1 - t0),
    perSec(n, t2 - t1),
  );
}

/** pg-boss: send (insert for batches), then fetch and complete the jobs. */
async function boss(url: string, batch: number, n: number) {
  const b = new PgBoss({
    connectionString: url,
    schema: `boss_${++serial}`,
    max: 2,
  });
  b.on("error", () => {});
  await b.start();
  await b.createQueue("q");
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    if (batch === 1) await b.send("q", { i });
    else {await b.insert(
        "q",
        Array.from({ length: batch }, (_, j) => ({ data: { i: i + j } })),
      );}
  }
  const t1 = performance.now();
  let got = 0;
  while (got < n) {
    const jobs = await b.fetch("q", { batchSize: batch });
    if (jobs.length === 0) continue;
    await b.complete("q", jobs.map((j) => j.id));
    got += jobs.length;
  }
  const t2 = performance.now();
  await b.stop({ graceful: false });
  row(
    "PostgreSQL 15",
    "pg-boss (send or insert; fetch + complete)",
    batch,
    perSec(n, t1 - t0),
    perSec(n, t2 - t1),
  );
}

const given = Deno.env.get("MPSC_PG_URL");
const cluster = given ? undefined : await Cluster.create();
const url = given ?? cluster!.url;
try {
  const p = pool(url, 4);
  const one = pool(url, 1);
  for (const batch of BATCHES) {
    for (let round = 0; round < ROUNDS; round++) {
      const n = count(batch, false);
      await floor(one, "PostgreSQL 15", batch, n);
      await remote(one, "PostgreSQL 15", batch, 1, n);
      await remote(p, "PostgreSQL 15", batch, 4, n);
      await boss(url, batch, n);
    }
  }
  await p.end();
  await one.end();
  const lite = new PGlite();
  for (const batch of BATCHES) {
    for (let round = 0; round < ROUNDS; round++) {
      const n = count(batch, true);
      await floor(lite, "PGlite", batch, n);
      await remote(lite, "PGlite", batch, 1, n);
      await remote(lite, "PGlite", batch, 4, n);
    }
  }
  await lite.close();
} finally {
  await cluster?.destroy();
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  "| database | what | per commit | sent msg/s | vs floor | received msg/s | vs floor |",
);
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const [key, sample] of samples) {
  const [, db, , batch] = key.split("|").map((x) => x.trim());
  const floorKey =
    `| ${db} | floor (bare INSERT / DELETE RETURNING) | ${batch} |`;
  const base = samples.get(floorKey)!;
  const send = median(sample.send);
  const recv = median(sample.recv);
  const ratio = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;
  console.log(
    `${key} ${fmt(send)} | ${ratio(send, median(base.send))} | ${fmt(recv)} | ${
      ratio(recv, median(base.recv))
    } |`,
  );
}
