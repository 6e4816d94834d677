// The operator's docking desk in the real app against a real node whose reports to the
// top-level node are written as files (no endpoint): sign in as the operator, enter a record
// in a form built from the node's schema (a refused field marked at its input), see the month's
// report listed as filed (a warning, never a success), and send it again after the app's own
// dialog asks. Checked in Chinese at 1280×800 and in English at 1024×768.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  PASSWORD,
  byTest,
  chooseInFileDialog,
  commitValue,
  createAccount,
  launchApp,
  operatorToken,
  shot,
  startNode,
  tempDir,
  typeInto,
} from "./harness.mjs";

const OPERATOR_PASSWORD = "operator-e2e-2026";

/** Sets an input's value as a person's typing would end (month inputs take no key events). */
async function setField(browser, id, value) {
  const el = await byTest(browser, id);
  await el.waitForDisplayed({ timeout: 10000 });
  await commitValue(browser, el, value);
}

describe("docking desk", { timeout: 240000 }, () => {
  let node, app, browser, token;
  const dir = tempDir("docking");
  // ASCII: xdotool types it into the file dialog key by key.
  const licence = join(dir, "licence.png");
  writeFileSync(
    licence,
    Buffer.from(
      "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
        "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082",
      "hex",
    ),
  );

  before(async () => {
    const config = join(dir, "node.toml");
    writeFileSync(
      config,
      `[uplink]\noutbox_dir = ${JSON.stringify(join(dir, "outbox"))}\n[backup]\nevery_hours = 0\n[escrow]\nevery_hours = 0\n`,
    );
    node = await startNode(dir, ["--config", config]);
    await createAccount(node.base, "tech", true);
    token = await operatorToken(node.base, OPERATOR_PASSWORD);
    app = await launchApp(dir);
    browser = app.browser;
    // The station syncs with the node (its device account); the desk is a person's sign-in.
    await (await byTest(browser, "nav-settings")).click();
    await typeInto(browser, "login-node", node.base);
    await typeInto(browser, "login-username", "tech");
    await typeInto(browser, "login-password", PASSWORD);
    await (await byTest(browser, "login-submit")).click();
    await browser.waitUntil(async () => (await (await byTest(browser, "login-state")).getText()).includes("tech"), {
      timeout: 15000,
      timeoutMsg: "the station did not sign in",
    });
  });

  after(async () => {
    await app?.close();
    await node?.stop();
  });

  it("signs the operator in as a person, refusing a wrong password in Chinese", async () => {
    await (await byTest(browser, "nav-docking")).click();
    await (await byTest(browser, "docking-signin")).waitForDisplayed({ timeout: 10000 });
    await typeInto(browser, "docking-username", "operator");
    await typeInto(browser, "docking-password", "wrong-password");
    await (await byTest(browser, "docking-signin-submit")).click();
    const err = await byTest(browser, "docking-error");
    await err.waitForDisplayed({ timeout: 10000 });
    assert.match(await err.getText(), /[\u4e00-\u9fff]/, "the refusal is in Chinese");
    assert.equal(await (await byTest(browser, "docking-password")).getValue(), "", "the password is not kept");

    await typeInto(browser, "docking-password", OPERATOR_PASSWORD);
    await (await byTest(browser, "docking-signin-submit")).click();
    const who = await byTest(browser, "docking-who");
    await who.waitForDisplayed({ timeout: 15000 });
    assert.match(await who.getText(), /operator（平台运营者）/);
    await (await byTest(browser, "uplink-summary")).waitForDisplayed({ timeout: 10000 });
    await shot(browser, "40-docking-uplink-empty");
  });

  it("marks the field the node refuses, and saves a good record", async () => {
    await (await byTest(browser, "tab-tables")).click();
    await (await byTest(browser, "docking-table")).selectByAttribute("value", "T01");
    await (await byTest(browser, "docking-new")).click();
    await typeInto(browser, "field-orgName", "华东计量测试有限公司");
    await typeInto(browser, "field-creditCode", "91310115MA1K3YJ2X0");
    await (await byTest(browser, "docking-save")).click();
    const fieldError = await byTest(browser, "field-error-creditCode");
    await fieldError.waitForDisplayed({ timeout: 10000 });
    assert.match(await fieldError.getText(), /[\u4e00-\u9fff]/);
    assert.ok(
      (await (await byTest(browser, "field-creditCode")).getAttribute("class")).includes("invalid"),
      "the input itself is marked",
    );
    assert.equal(await (await byTest(browser, "docking-empty")).isDisplayed(), true, "nothing was saved");
    await shot(browser, "41-docking-field-refused");

    // The business licence: a file chosen in the system's file dialog, uploaded to the node;
    // the field then names it by its SHA-256.
    await (await byTest(browser, "attach-businessLicense")).click();
    await chooseInFileDialog("选择附件", licence);
    const field = await byTest(browser, "field-businessLicense");
    await browser.waitUntil(async () => /^[0-9a-f]{64}$/.test(await field.getValue()), {
      timeout: 15000,
      timeoutMsg: "the licence was not uploaded",
    });

    await (await byTest(browser, "docking-table")).selectByAttribute("value", "T05");
    await (await byTest(browser, "docking-new")).click();
    await setField(browser, "field-statMonth", "2026-11");
    await typeInto(browser, "field-registrationsNew", "42");
    await (await byTest(browser, "docking-save")).click();
    const row = await browser.$('[data-testid="docking-record"][data-key="2026-11"]');
    await row.waitForDisplayed({ timeout: 10000 });
    assert.match(await (await byTest(browser, "docking-notice")).getText(), /已保存/);
    await shot(browser, "42-docking-record-saved");
  });

  it("lists the month's report as filed, a warning, and resends it after asking", async () => {
    const r = await fetch(`${node.base}/api/v1/uplink/generate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ item: "T05", period: "2026-11" }),
    });
    assert.equal(r.status, 200, await r.text());
    await (await byTest(browser, "tab-uplink")).click();
    await browser.waitUntil(
      async () => {
        await (await byTest(browser, "uplink-refresh")).click();
        return (await browser.$$('[data-testid="uplink-row"][data-state="filed"]')).length > 0;
      },
      { timeout: 20000, interval: 500, timeoutMsg: "the report was not filed" },
    );
    const summary = await byTest(browser, "uplink-summary");
    assert.equal(await summary.getAttribute("data-tone"), "warn", "filed reports are not a success");
    assert.match(await summary.getText(), /手动上传/);
    const row = await browser.$('[data-testid="uplink-row"][data-state="filed"]');
    assert.match(await row.getText(), /T05 二级节点业务概况/);
    assert.match(await row.getText(), /2026-11/);
    await shot(browser, "43-docking-uplink-filed");

    await (await byTest(browser, "uplink-resend-all")).click();
    const dialog = await byTest(browser, "confirm-dialog");
    await dialog.waitForDisplayed({ timeout: 5000 });
    assert.match(await dialog.getText(), /重发全部失败和待上传的报告？/);
    await shot(browser, "44-docking-resend-confirm");
    await (await byTest(browser, "confirm-ok")).click();
    const notice = await byTest(browser, "docking-notice");
    await notice.waitForDisplayed({ timeout: 10000 });
    assert.match(await notice.getText(), /已将 \d+ 份报告重新排入发送队列/);
  });

  it("declares planned maintenance, shown as a warning, and ends it", async () => {
    await (await byTest(browser, "maintenance-open")).click();
    await typeInto(browser, "maintenance-description", "数据库升级");
    await (await byTest(browser, "maintenance-start")).click();
    const state = await byTest(browser, "maintenance-state");
    await browser.waitUntil(async () => (await state.getAttribute("data-on")) === "true", {
      timeout: 10000,
      timeoutMsg: "maintenance mode did not turn on",
    });
    assert.match(await state.getText(), /维护模式已开启.*数据库升级/);
    await shot(browser, "45-docking-maintenance-on");
    const r = await fetch(`${node.base}/api/v1/maintenance`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await r.json()).on, true, "the node has it on");
    await (await byTest(browser, "maintenance-end")).click();
    await browser.waitUntil(async () => (await state.getAttribute("data-on")) === "false", {
      timeout: 10000,
      timeoutMsg: "maintenance mode did not end",
    });
  });

  it("reads in English and fits at 1024×768", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-en")).click();
    await (await byTest(browser, "nav-docking")).click();
    await browser.setWindowSize(1024, 768);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= 1024, {
      timeout: 5000,
      timeoutMsg: "the window did not shrink",
    });
    const summary = await byTest(browser, "uplink-summary");
    await summary.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /report/i.test(await summary.getText()), { timeout: 10000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      await browser.execute(() => document.documentElement.scrollWidth <= window.innerWidth),
      "the page is wider than the window",
    );
    await shot(browser, "46-docking-uplink-en-1024");
    await (await byTest(browser, "tab-tables")).click();
    await (await byTest(browser, "docking-table")).selectByAttribute("value", "T01");
    await (await byTest(browser, "docking-new")).click();
    await (await byTest(browser, "docking-form")).waitForDisplayed({ timeout: 10000 });
    assert.ok(
      await browser.execute(() => document.documentElement.scrollWidth <= window.innerWidth),
      "the form is wider than the window",
    );
    await shot(browser, "47-docking-form-en-1024");
    await browser.setWindowSize(1280, 800);
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-zh")).click();
  });
});
