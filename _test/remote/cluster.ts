// Copyright 2026 the @seed/mpsc authors. MIT license.
// A throwaway PostgreSQL 15 cluster for the fault tests and benchmarks:
// initdb in a temporary directory, owned by an unprivileged user when we run
// as root (initdb refuses root), listening on 127.0.0.1 at a free port.

/** Where the PostgreSQL 15 binaries are on Debian. */
export const PG_BIN = Deno.env.get("MPSC_PG_BIN") ??
  "/usr/lib/postgresql/15/bin";

/** The unprivileged user that owns clusters when we run as root. */
const PG_USER = Deno.env.get("MPSC_PG_USER") ?? "postgres";

/**
 * Whether a cluster can be made here: initdb is installed and, as root, the
 * user to run it as exists (.ci/run creates one when missing).
 */
export function canMakeCluster(): boolean {
  try {
    if (!Deno.statSync(`${PG_BIN}/initdb`).isFile) return false;
    const uid = new Deno.Command("id", { args: ["-u"] }).outputSync();
    if (new TextDecoder().decode(uid.stdout).trim() !== "0") return true;
    return new Deno.Command("id", {
      args: [PG_USER],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function run(
  cmd: string[],
  user: string | undefined,
  cwd?: string,
): Promise<string> {
  const argv = user === undefined ? cmd : ["runuser", "-u", user, "--", ...cmd];
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    ...(cwd === undefined ? {} : { cwd }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${argv.join(" ")} failed:\n${text}`);
  return text;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running cluster that a test may kill and start again. */
export class Cluster {
  readonly dir: string;
  readonly port: number;
  readonly user: string | undefined;

  private constructor(dir: string, port: number, user: string | undefined) {
    this.dir = dir;
    this.port = port;
    this.user = user;
  }

  /** The connection URL. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Makes and starts a cluster. */
  static async create(): Promise<Cluster> {
    // Through commands: the suite runs without --allow-write or --allow-sys.
    const dir = (await run(["mktemp", "-d", "/tmp/mpsc_pg_XXXXXX"], undefined))
      .trim();
    const root = (await run(["id", "-u"], undefined)).trim() === "0";
    const user = root ? PG_USER : undefined;
    if (user !== undefined) await run(["chown", user, dir], undefined);
    await run(
      [
        `${PG_BIN}/initdb`,
        "-D",
        `${dir}/data`,
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
      ],
      user,
      dir,
    );
    const cluster = new Cluster(dir, freePort(), user);
    await cluster.start();
    return cluster;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.#pg([
      `${PG_BIN}/pg_ctl`,
      "-D",
      `${this.dir}/data`,
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      "-l",
      `${this.dir}/log`,
      "-w",
      "start",
    ]);
  }

  /** Runs a server command as the cluster's owner, from its directory. */
  #pg(cmd: string[]): Promise<string> {
    return run(cmd, this.user, this.dir);
  }

  /** The postmaster's process id. */
  async pid(): Promise<number> {
    const text = await Deno.readTextFile(`${this.dir}/data/postmaster.pid`);
    return Number(text.split("\n")[0]);
  }

  /** Kills the postmaster and every backend with SIGKILL (a crash). */
  async kill(): Promise<void> {
    const pid = await this.pid();
    // The backends first: a postmaster killed alone leaves them running.
    await new Deno.Command("pkill", { args: ["-9", "-P", String(pid)] })
      .output();
    Deno.kill(pid, "SIGKILL");
    for (let i = 0; i < 100; i++) {
      try {
        Deno.kill(pid, "SIGCONT");
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Stale shared memory and the pid file are what a crash leaves behind;
    // pg_ctl start copes with both.
  }

  /** Stops the server (fast shutdown) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.#pg([
        `${PG_BIN}/pg_ctl`,
        "-D",
        `${this.dir}/data`,
        "-m",
        "immediate",
        "-w",
        "stop",
      ]);
    } catch {
      // Already stopped (killed).
    }
    await run(["rm", "-rf", this.dir], undefined);
  }
}
