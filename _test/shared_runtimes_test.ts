// Copyright 2026 the @seed/mpsc authors. MIT license.
// Bundles the shared channel and runs it across threads under Node.js 20 (worker_threads) and in headless Chromium (Web Workers on a cross-origin isolated page).
//
// Needs `node` on the PATH and Debian's `chromium` package (set CHROMIUM to
// use another binary); a test whose tool is missing says so and is ignored.
// Permissions: --allow-read --allow-run --allow-env --allow-net=127.0.0.1.

import { assert, assertEquals, assertMatch } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const ENTRY = new URL("./shared/entry.ts", import.meta.url);
const NODE_RUNNER = new URL("./shared/node_runner.mjs", import.meta.url);
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const CHROMIUM_TIMEOUT_MS = 45_000;

interface Report {
  runtime: string;
  results?: { name: string; ok: boolean; error?: string }[];
  fatal?: string;
  unhandled?: string[];
}

const decoder = new TextDecoder();

function has(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const HAS_NODE = has("node", ["--version"]);
const HAS_CHROMIUM = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!HAS_NODE) {
  console.warn(
    "shared_runtimes_test: `node` is not on the PATH: the Node.js test is ignored",
  );
}
if (!HAS_CHROMIUM) {
  console.warn(
    `shared_runtimes_test: Chromium is not at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM): the Chromium test is ignored`,
  );
}

let bundled: Promise<string> | undefined;

/** Bundles `shared.ts` and the errors once per run, with `deno bundle`. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        ENTRY.pathname,
      ],
      cwd: ROOT.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(code, 0, `deno bundle failed:\n${decoder.decode(stderr)}`);
    return decoder.decode(stdout);
  })();
  return bundled;
}

function judge(report: Report): void {
  assert(
    report.fatal === undefined,
    `${report.runtime}: the checks could not run:\n${report.fatal}`,
  );
  const results = report.results ?? [];
  assert(results.length > 0, `${report.runtime}: no check ran`);
  assertEquals(report.unhandled ?? [], [], "unhandled rejections");
  assertEquals(
    results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`),
    [],
    `${report.runtime}: checks failed`,
  );
  console.log(
    `${report.runtime}: ${results.length} shared channel checks passed`,
  );
}

// -- The bundle --

Deno.test("shared.ts bundle uses no Deno API and no Promise.withResolvers", async () => {
  const code = await bundle();
  assert(code.includes("sharedChannel"));
  // `Symbol.for("Deno.customInspect")` is a string, not a use of Deno.
  assert(!/(?<!["'])\bDeno\s*\.\s*[A-Za-z]/.test(code), "no Deno API");
  assert(!/\bwithResolvers\b/.test(code), "no Promise.withResolvers");
});

// -- Node.js --

Deno.test({
  name: "shared.ts bundle works across worker_threads under Node.js 20",
  ignore: !HAS_NODE,
  async fn() {
    const code = await bundle();
    const child = new Deno.Command("node", {
      args: [NODE_RUNNER.pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(code));
    await writer.close();
    const output = await child.output();
    assertEquals(
      output.code,
      0,
      `node exited with ${output.code}:\n${decoder.decode(output.stderr)}`,
    );
    const report: Report = JSON.parse(decoder.decode(output.stdout));
    assertMatch(report.runtime, /^Node\.js v20\./);
    judge(report);
  },
});

// -- Chromium --

// The page's checks. Blocking is forbidden on a browser's main thread, so
// the main thread uses the async calls and checks the TypeError of the
// blocking ones (Tokio's blocking_*_async tests); the Workers block.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@seed/mpsc shared channel checks</title>
<script type="module">
  const results = [];
  const unhandled = [];
  addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    unhandled.push(String(event.reason?.stack ?? event.reason));
  });
  function ok(condition, message) {
    if (!condition) throw new Error("Check failed: " + message);
  }
  async function check(name, fn) {
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  }
  function start(command) {
    const worker = new Worker("/worker.js", { type: "module" });
    const reply = new Promise((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message));
    });
    worker.postMessage(command);
    return { worker, reply };
  }
  const runtime = "Chromium " +
    (navigator.userAgent.match(/(?:Headless)?Chrome\\/[\\d.]+/)?.[0] ?? "");
  try {
    const m = await import("/shared.js");
    await check("the page is cross-origin isolated", () => {
      ok(crossOriginIsolated === true, "crossOriginIsolated");
      ok(typeof SharedArrayBuffer === "function", "SharedArrayBuffer");
      ok(typeof Atomics.waitAsync === "function", "Atomics.waitAsync");
    });
    await check("blocking_recv_async: blockingRecv throws a TypeError on the main thread", () => {
      const [tx, rx] = m.sharedChannel(1, { codec: m.codecs.number });
      tx.trySend(1);
      let error;
      try { rx.blockingRecv(); } catch (e) { error = e; }
      ok(error instanceof TypeError && /may not block/.test(error.message), String(error));
      ok(rx.tryRecv() === 1, "nothing was taken");
      tx.dispose();
      rx.dispose();
    });
    await check("blocking_send_async: blockingSend throws a TypeError on the main thread", () => {
      const [tx, rx] = m.sharedChannel(1, { codec: m.codecs.number });
      let error;
      try { tx.blockingSend(1); } catch (e) { error = e; }
      ok(error instanceof TypeError && /may not block/.test(error.message), String(error));
      ok(rx.len() === 0, "nothing was sent");
      tx.dispose();
      rx.dispose();
    });
    await check("blocking_send: a Worker's blockingSend reaches an async recv()", async () => {
      const [tx, rx] = m.sharedChannel(4, { codec: m.codecs.number });
      const { worker, reply } = start({ op: "send", token: tx.share(), count: 20000 });
      tx.dispose();
      try {
        let expected = 0;
        for await (const v of rx) ok(v === expected++, "in order");
        ok(expected === 20000, "every value");
        ok((await reply).ok, "the Worker finished");
      } finally {
        worker.terminate();
      }
    });
    await check("blocking_recv: a Worker's blockingRecv gets what the main thread sends", async () => {
      const [tx, rx] = m.sharedChannel(2, { codec: m.codecs.number });
      const { worker, reply } = start({ op: "recv", token: rx.share() });
      try {
        for (let i = 0; i < 1000; i++) await tx.send(i);
        tx.dispose();
        const { values } = await reply;
        ok(values.length === 1000 && values.every((v, i) => v === i), "in order");
      } finally {
        worker.terminate();
      }
    });
    await fetch("/result", {
      method: "POST",
      body: JSON.stringify({ runtime, results, unhandled }),
    });
  } catch (error) {
    await fetch("/result", {
      method: "POST",
      body: JSON.stringify({ runtime, fatal: String(error?.stack ?? error) }),
    });
  }
</script>
`;

const WORKER = `import * as m from "/shared.js";
onmessage = ({ data }) => {
  try {
    if (data.op === "send") {
      const tx = m.SharedSender.from(data.token);
      for (let i = 0; i < data.count; i++) tx.blockingSend(i);
      tx.dispose();
      postMessage({ ok: true });
    } else {
      const rx = m.SharedReceiver.from(data.token);
      const values = [];
      for (let v = rx.blockingRecv(); v !== undefined; v = rx.blockingRecv()) {
        values.push(v);
      }
      rx.dispose();
      postMessage({ ok: true, values });
    }
  } catch (error) {
    postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
};
`;

// Starts Chromium with a fresh profile directory that the shell removes
// once Chromium has exited; SIGTERM to the shell stops Chromium first.
const LAUNCHER = `
dir=$(mktemp -d)
"$0" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --no-default-browser-check --disable-extensions \
  --user-data-dir="$dir" "$1" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid; rm -rf "$dir"; exit 0' TERM
wait $pid
status=$?
rm -rf "$dir"
exit $status
`;

Deno.test({
  name:
    "shared.ts bundle works across Web Workers in headless Chromium on a cross-origin isolated page",
  ignore: !HAS_CHROMIUM,
  async fn() {
    const code = await bundle();
    let deliver!: (report: Report) => void;
    const reported = new Promise<Report>((resolve) => deliver = resolve);
    const serverDone = new AbortController();
    // SharedArrayBuffer needs cross-origin isolation: these two headers on
    // the page, and on the Worker's script too.
    const isolated = {
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    };
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: serverDone.signal,
      onListen() {},
    }, async (request) => {
      const { pathname } = new URL(request.url);
      const js = {
        ...isolated,
        "content-type": "text/javascript; charset=utf-8",
      };
      switch (pathname) {
        case "/":
          return new Response(PAGE, {
            headers: {
              ...isolated,
              "content-type": "text/html; charset=utf-8",
            },
          });
        case "/shared.js":
          return new Response(code, { headers: js });
        case "/worker.js":
          return new Response(WORKER, { headers: js });
        case "/result":
          deliver(await request.json());
          return new Response(null, { status: 204 });
        default:
          return new Response(null, { status: 404 });
      }
    });
    const child = new Deno.Command("sh", {
      args: ["-c", LAUNCHER, CHROMIUM, `http://127.0.0.1:${server.addr.port}/`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const first = await Promise.race([
        reported,
        output.then((o) => o),
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), CHROMIUM_TIMEOUT_MS);
        }),
      ]);
      assert(
        first !== "timeout",
        `Chromium did not report within ${CHROMIUM_TIMEOUT_MS} ms`,
      );
      assert(
        !("stderr" in first),
        `Chromium exited before reporting:\n${
          "stderr" in first ? decoder.decode(first.stderr) : ""
        }`,
      );
      judge(first as Report);
    } finally {
      clearTimeout(timer);
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await output.catch(() => {});
      serverDone.abort();
      await server.finished;
    }
  },
});
