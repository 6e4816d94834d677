// What the end-to-end tests share: a real idstation-node on a free loopback port, the real app
// binary driven through tauri-driver + WebKitWebDriver, and screenshots under test-output/.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { remote } from "webdriverio";

const here = new URL(".", import.meta.url).pathname;
export const repo = resolve(here, "../..");
const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
export const APP = process.env.IDSTATION_APP_BIN ?? join(target, "debug/idstation-app");
export const NODE = process.env.IDSTATION_NODE_BIN ?? join(target, "debug/idstation-node");
export const SHOTS = process.env.IDSTATION_SHOTS ?? join(repo, "test-output/screens");
export const PREFIX = "88.118";
export const SECRET = "correct horse battery staple";
export const PASSWORD = "calib2026";

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * A TSPL label printer on a free loopback port: answers the TSC status query "ready" and keeps
 * the bytes of every job it is sent (`received`).
 */
export function fakePrinter() {
  const received = [];
  // While false, status queries get no answer: the app sees the printer offline.
  const state = { answering: true };
  const server = createServer((sock) => {
    const chunks = [];
    sock.on("data", (d) => {
      // TSC status query: one byte back, 0 = ready.
      if (d.length === 3 && d[0] === 0x1b && d[1] === 0x21 && d[2] === 0x3f) {
        if (state.answering) sock.write(Buffer.from([0]));
      } else chunks.push(d);
    });
    sock.on("end", () => {
      if (chunks.length) received.push(Buffer.concat(chunks));
      sock.end();
    });
    sock.on("error", () => {});
  });
  return new Promise((res) =>
    server.listen(0, "127.0.0.1", () =>
      res({
        port: server.address().port,
        received,
        answer: (on) => (state.answering = on),
        close: () => server.close(),
      }),
    ),
  );
}

export function tempDir(name) {
  return mkdtempSync(join(tmpdir(), `idstation-e2e-${name}-`));
}

/**
 * `idstation-node init` + `serve` on 127.0.0.1:0 (with `args`, e.g. `--config`); resolves with
 * { base, stop }.
 */
export async function startNode(dir, args = []) {
  const data = join(dir, "node");
  // The secret through the environment: the node never takes it on a command line.
  const init = spawnSync(NODE, ["init", "--data-dir", data, "--prefix", PREFIX], {
    env: { ...process.env, IDSTATION_NODE_ADMIN_SECRET: SECRET },
  });
  if (init.status !== 0) throw new Error(`node init failed: ${init.stderr}`);
  const child = spawn(NODE, ["serve", "--data-dir", data, "--listen", "127.0.0.1:0", ...args], {
    env: { ...process.env, IDSTATION_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", res);
    child.once("exit", (c) => rej(new Error(`node exited ${c}`)));
  });
  const base = String(line).trim().replace(/^listening on /, "");
  return {
    base,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once("exit", res);
        child.kill("SIGTERM");
      }),
  };
}

export async function createAccount(base, username, approve) {
  const r = await fetch(`${base}/api/v1/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username,
      password: PASSWORD,
      display_name: "王工",
      role: "technician",
      enterprise_prefix: "88.118.8",
      enterprise_name: "华东计量",
    }),
  });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`register account: ${r.status} ${JSON.stringify(body)}`);
  if (approve) {
    const auth = Buffer.from(`300:0.NA/${PREFIX}:${SECRET}`).toString("base64");
    const a = await fetch(`${base}/api/v1/accounts/${body.account.id}/approve`, {
      method: "POST",
      headers: { authorization: `Basic ${auth}` },
    });
    if (a.status !== 200) throw new Error(`approve: ${a.status}`);
  }
}

/**
 * The operator account's token. Its first sign-in (with the admin secret) must choose its own
 * password: this sets `password` the first time, as the operator would.
 */
export async function operatorToken(base, password) {
  const login = (p) =>
    fetch(`${base}/api/v1/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "operator", password: p }),
    });
  let r = await login(password);
  if (r.status === 200) return (await r.json()).token;
  r = await login(SECRET);
  if (r.status !== 200) throw new Error(`operator sign-in: ${r.status}`);
  const first = (await r.json()).token;
  const c = await fetch(`${base}/api/v1/me/password`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${first}` },
    body: JSON.stringify({ current_password: SECRET, new_password: password }),
  });
  if (c.status !== 200) throw new Error(`operator password: ${c.status}`);
  return first;
}

/**
 * tauri-driver on a free port (it starts WebKitWebDriver on another). `env` reaches the app
 * the driver launches (data folder, language).
 */
export async function startDriver(env = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const bin = join(repo, "ui/node_modules/.bin/tauri-driver");
  const child = spawn(bin, ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ...env },
  });
  // Wait until it accepts connections.
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/status`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once("exit", res);
        child.kill("SIGTERM");
      }),
  };
}

/** A session on the real app binary; the driver passes our environment on to the app. */
export async function openApp(driverPort) {
  if (!existsSync(APP)) throw new Error(`no app binary at ${APP}: build it first`);
  return remote({
    hostname: "127.0.0.1",
    port: driverPort,
    logLevel: "error",
    connectionRetryTimeout: 60000,
    capabilities: { "tauri:options": { application: APP } },
  });
}

/**
 * The app on a fresh workstation folder under `dir` (zh-CN, acting as "e2e"), once its
 * dashboard shows; `close` ends the session and the driver.
 */
export async function launchApp(dir) {
  const driver = await startDriver({
    IDSTATION_DATA_DIR: join(dir, "workstation"),
    IDSTATION_LANG: "zh-CN",
    IDSTATION_USER: "e2e",
    // GTK's file dialog keeps its settings in memory (no dconf service under Xvfb).
    GSETTINGS_BACKEND: "memory",
  });
  const browser = await openApp(driver.port);
  await (await byTest(browser, "nav-dashboard")).waitForDisplayed({ timeout: 30000 });
  return {
    browser,
    close: async () => {
      await browser.deleteSession().catch(() => {});
      await driver.stop();
    },
  };
}

export async function shot(browser, name) {
  mkdirSync(SHOTS, { recursive: true });
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
}

/** The element with data-testid `id`. */
export function byTest(browser, id) {
  return browser.$(`[data-testid="${id}"]`);
}

/**
 * Types `text` into an input. ASCII goes through real key events (as a wedge scanner types);
 * other text (Chinese, which WebDriver key events cannot carry as an input method would) is set
 * the way an IME commits it: the value, then an input event.
 */
export async function typeInto(browser, id, text) {
  const el = await byTest(browser, id);
  await el.waitForDisplayed({ timeout: 10000 });
  if (/^[\x20-\x7e]*$/.test(text)) {
    await el.clearValue();
    if (text) await el.addValue(text);
  } else {
    await commitValue(browser, el, text);
  }
  return el;
}

/**
 * Types `text` as a wedge barcode scanner does: one key every `gapMs` ms (5-15 for real
 * scanners; WebDriver adds 10-20 ms of its own per key here), then Enter, into whatever has
 * focus.
 */
export async function scannerTypes(browser, text, gapMs = 5) {
  // A moment first, as between a person's last action and pulling the trigger: keys typed just
  // before by WebDriver would otherwise join the scan's burst.
  const keys = browser.action("key").pause(150);
  for (const ch of text) keys.down(ch).up(ch).pause(gapMs);
  keys.down("\uE007").up("\uE007");
  await keys.perform();
}

/** Sets an element's value as an input method commits it (the value, then input and change). */
export async function commitValue(browser, el, text) {
  await browser.execute(
    (e, v) => {
      e.focus();
      e.value = v;
      e.dispatchEvent(new Event("input", { bubbles: true }));
      e.dispatchEvent(new Event("change", { bubbles: true }));
    },
    el,
    text,
  );
}

/** Adds the fake printer on the printing screen, as a person would; the printers table. */
export async function addTsplPrinter(browser, name, port) {
  await (await byTest(browser, "nav-printing")).click();
  await typeInto(browser, "printer-name", name);
  await (await byTest(browser, "printer-language")).selectByAttribute("value", "tspl");
  await typeInto(browser, "printer-uri", `tcp://127.0.0.1:${port}`);
  await typeInto(browser, "printer-media", "50x30");
  await (await byTest(browser, "printer-add")).click();
  const table = await byTest(browser, "printers");
  await table.waitForDisplayed({ timeout: 10000 });
  return table;
}

/**
 * Types `path` into the system's file dialog titled `title` (a regular expression xdotool
 * matches) and accepts it, as a person would: Ctrl+L opens the location entry, then Enter.
 * A folder's path ends with "/".
 */
export async function chooseInFileDialog(title, path) {
  const xdo = (...args) => execFileSync("xdotool", args, { encoding: "utf8" }).trim();
  let win = "";
  for (let i = 0; i < 100 && !win; i++) {
    try {
      win = xdo("search", "--onlyvisible", "--name", title).split("\n")[0];
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!win) throw new Error(`no file dialog titled ${title} opened`);
  xdo("windowfocus", "--sync", win);
  xdo("key", "--clearmodifiers", "ctrl+l");
  xdo("type", "--delay", "5", path);
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) {
    try {
      xdo("search", "--onlyvisible", "--name", title);
    } catch {
      return; // closed: chosen
    }
    xdo("windowfocus", "--sync", win);
    xdo("key", "Return");
    await new Promise((r) => setTimeout(r, 500));
  }
}
