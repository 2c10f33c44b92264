// Copyright 2026 the @seed/mpsc authors. MIT license.
// Bundles the module and runs the smoke suite under Node.js 20 and in headless Chromium, reporting each runtime's result; runs the README's Node.js 20 recipes.
//
// Needs `node` on the PATH and Debian's `chromium` package
// (`apt-get install -y chromium`, done by .ci/run). Set CHROMIUM to use
// another binary. Permissions: --allow-read --allow-run --allow-env
// --allow-net=127.0.0.1 (no writes: Chromium's profile directory is made
// and removed by the shell that starts it). The README's esbuild recipe
// runs esbuild through `npx`, which fetches it from npm the first time.

import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertStrictEquals,
  fail,
} from "@std/assert";
import { deadline } from "@std/async/deadline";

const ROOT = new URL("../", import.meta.url);
const ENTRY = new URL("./runtimes/entry.ts", import.meta.url);
const SMOKE = new URL("./runtimes/smoke.js", import.meta.url);
const NODE_RUNNER = new URL("./runtimes/node_runner.mjs", import.meta.url);
const CHROMIUM_DEFAULT = "/usr/bin/chromium";
const CHROMIUM_TIMEOUT_MS = 45_000;

interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

interface Report {
  runtime: string;
  results?: CheckResult[];
  fatal?: string;
  unhandled?: string[];
}

const decoder = new TextDecoder();

const bundled = new Map<string, Promise<string>>();

/**
 * Bundles `entry` once per run, with `deno bundle`: the public API
 * ({@linkcode ENTRY}), or the smoke suite with the @std/assert it imports
 * ({@linkcode SMOKE}), resolved through deno.json as for the tests.
 */
function bundle(entry: URL): Promise<string> {
  let code = bundled.get(entry.href);
  if (code !== undefined) return code;
  code = (async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        entry.pathname,
      ],
      cwd: ROOT.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `Cannot bundle ${entry.pathname}: deno bundle exited with ${code}:\n${
          decoder.decode(stderr)
        }`,
      );
    }
    return decoder.decode(stdout);
  })();
  bundled.set(entry.href, code);
  return code;
}

/** Turns a report into one summary line, failing on any failed check. */
function judge(report: Report): void {
  if (report.fatal !== undefined) {
    fail(
      `${report.runtime}: the smoke suite could not run:\n${report.fatal}`,
    );
  }
  const results = report.results ?? [];
  const failed = results.filter((r) => !r.ok);
  console.log(
    `${report.runtime}: ${
      results.length - failed.length
    } of ${results.length} smoke checks passed`,
  );
  assert(results.length > 0, `${report.runtime}: no smoke check ran`);
  assertEquals(
    report.unhandled ?? [],
    [],
    `${report.runtime}: unhandled promise rejections`,
  );
  assertEquals(
    failed.map((r) => `${r.name}: ${r.error}`),
    [],
    `${report.runtime}: smoke checks failed`,
  );
}

// -- The bundle --

Deno.test("mod.ts bundle uses no Deno API and no Promise.withResolvers", async () => {
  const code = await bundle(ENTRY);
  assert(code.includes("unboundedChannel"), "the bundle has the module");
  // A quoted "Deno.customInspect" (a Symbol.for key) is no use of Deno's API.
  assertNotMatch(code, /(?<![\w"'`])Deno\s*\.\s*[A-Za-z]/);
  assertNotMatch(code, /\bwithResolvers\b/);
});

// -- Node.js --

Deno.test("mod.ts bundle passes the smoke suite under Node.js 20", async () => {
  const [code, smoke] = await Promise.all([bundle(ENTRY), bundle(SMOKE)]);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("node", {
      args: [NODE_RUNNER.pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new Error(
      "Cannot run the Node.js smoke suite: `node` (Node.js 20) is not on the PATH",
      { cause: error },
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify({ mpsc: code, smoke })),
  );
  await writer.close();
  const output = await child.output();
  const stdout = decoder.decode(output.stdout);
  const stderr = decoder.decode(output.stderr);
  assertStrictEquals(
    output.code,
    0,
    `node exited with ${output.code}:\n${stderr}`,
  );
  const report: Report = JSON.parse(stdout);
  assertMatch(report.runtime, /^Node\.js v20\./, "Node.js 20 is installed");
  judge(report);
});

// -- The README's Node.js recipes --

const README = new URL("../README.md", import.meta.url);

/** The body of the README's first fenced block in `lang` that `pick` accepts. */
async function readmeBlock(
  lang: string,
  pick: (body: string) => boolean,
): Promise<string> {
  const readme = await Deno.readTextFile(README);
  for (
    const [, info, body] of readme.matchAll(/^```(\S*)[^\n]*\n(.*?)^```$/gms)
  ) {
    if (info === lang && body !== undefined && pick(body)) return body;
  }
  throw new Error(`README.md has no ${lang} block of the expected shape`);
}

/** Runs `command` to completion with `input` on its standard input. */
async function run(
  command: string,
  args: string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      cwd: ROOT.pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new Error(
      `Cannot run the README's Node.js recipe: \`${command}\` is not on the PATH`,
      { cause: error },
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/** Runs an ES module under Node.js 20 and returns what it printed. */
async function runOnNode20(program: string): Promise<string> {
  const version = await run("node", ["--version"], "");
  assertMatch(version.stdout, /^v20\./, "Node.js 20 is installed");
  const { code, stdout, stderr } = await run(
    "node",
    ["--input-type=module"],
    program,
  );
  assertStrictEquals(code, 0, `node exited with ${code}:\n${stderr}`);
  return stdout;
}

Deno.test("README's plain JavaScript recipe runs under Node.js 20 as written", async () => {
  const program = await readmeBlock(
    "js",
    (body) => body.includes('from "@seed/mpsc"'),
  );
  assertNotMatch(program, /\busing\s/, "the recipe has no using declaration");
  // What `npx jsr add` installs is the module as JavaScript: the bundle of
  // mod.ts stands in for it.
  const mpsc = `data:text/javascript,${
    encodeURIComponent(await bundle(ENTRY))
  }`;
  const linked = program.replaceAll('"@seed/mpsc"', JSON.stringify(mpsc));
  assertEquals(await runOnNode20(linked), "hello from Node.js\n");
});

Deno.test("README's esbuild recipe lowers the top example's using for Node.js 20", async () => {
  // The README's command, word for word but for its input and output: the
  // example comes on standard input, the bundle leaves on standard output,
  // and the package resolves to this checkout instead of node_modules.
  const line = (await readmeBlock("sh", (body) => body.includes("esbuild@")))
    .split("\n").find((l) => l.includes("esbuild@"));
  assert(line !== undefined);
  const [npx, yes, esbuild, ...flags] = line.trim().split(/\s+/);
  assertEquals([npx, yes], ["npx", "--yes"]);
  assertMatch(esbuild!, /^esbuild@\d+\.\d+\.\d+$/, "esbuild is pinned");
  assert(flags.includes("--target=node20"), line);
  const example = await readmeBlock("ts", () => true);
  assertMatch(example, /^\s*using /m, "the top example uses using");
  const lowered = await run("npx", [
    "--yes",
    esbuild!,
    ...flags.filter((f) => f !== "main.ts" && !f.startsWith("--outfile=")),
    "--loader=ts",
    "--alias:@seed/mpsc=./mod.ts",
    "--log-level=warning",
  ], example);
  assertStrictEquals(
    lowered.code,
    0,
    `npx ${esbuild} exited with ${lowered.code} (npx needs the npm registry ` +
      `the first time):\n${lowered.stderr}`,
  );
  assertNotMatch(lowered.stdout, /^\s*using /m, "esbuild lowered using");
  assertEquals(
    await runOnNode20(lowered.stdout),
    "hello from a\nhello from b\nhello from c\n",
  );
});

// -- Chromium --

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@seed/mpsc smoke suite</title>
<script type="module">
  const unhandled = [];
  addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    unhandled.push(String(event.reason?.stack ?? event.reason));
  });
  async function report(body) {
    await fetch("/result", { method: "POST", body: JSON.stringify(body) });
  }
  const runtime = "Chromium " +
    (navigator.userAgent.match(/(?:Headless)?Chrome\\/[\\d.]+/)?.[0] ?? "");
  try {
    const mpsc = await import("/mpsc.js");
    const { runSmoke } = await import("/smoke.js");
    const results = await runSmoke(mpsc);
    // Let rejections of this last turn be noticed before reporting.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await report({ runtime, results, unhandled });
  } catch (error) {
    await report({ runtime, fatal: String(error?.stack ?? error) });
  }
</script>
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

Deno.test("mod.ts bundle passes the smoke suite in headless Chromium", async () => {
  const chromium = Deno.env.get("CHROMIUM") ?? CHROMIUM_DEFAULT;
  try {
    await Deno.stat(chromium);
  } catch {
    fail(
      `Chromium is not installed at ${chromium}: install Debian's package with ` +
        "`apt-get install -y chromium` (as .ci/run does), or set CHROMIUM " +
        "to a Chromium binary. This suite does not skip.",
    );
  }
  const [code, smoke] = await Promise.all([bundle(ENTRY), bundle(SMOKE)]);

  let deliver!: (report: Report) => void;
  const reported = new Promise<Report>((resolve) => deliver = resolve);
  const serverDone = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: serverDone.signal,
    onListen() {},
  }, async (request) => {
    const { pathname } = new URL(request.url);
    const js = { "content-type": "text/javascript; charset=utf-8" };
    switch (pathname) {
      case "/":
        return new Response(PAGE, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/mpsc.js":
        return new Response(code, { headers: js });
      case "/smoke.js":
        return new Response(smoke, { headers: js });
      case "/result":
        deliver(await request.json());
        return new Response(null, { status: 204 });
      default:
        return new Response(null, { status: 404 });
    }
  });

  const child = new Deno.Command("sh", {
    args: [
      "-c",
      LAUNCHER,
      chromium,
      `http://127.0.0.1:${server.addr.port}/`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  try {
    // The page's report or Chromium's exit, whichever comes first; deadline()
    // rejects with a TimeoutError when neither comes in time.
    const first = await deadline(
      Promise.race([reported, output]),
      CHROMIUM_TIMEOUT_MS,
    ).catch((error) => {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        fail(`Chromium did not report within ${CHROMIUM_TIMEOUT_MS} ms`);
      }
      throw error;
    });
    if ("stderr" in first) {
      fail(
        `Chromium exited with ${first.code} before reporting:\n${
          decoder.decode(first.stderr)
        }`,
      );
    }
    judge(first);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await output.catch(() => {});
    serverDone.abort();
    await server.finished;
  }
});
