// The real app binary in a real window (under Xvfb), driven through WebDriver, against a real
// idstation-node on loopback: sign in (a pending account first), register an instrument, find
// it by a Chinese substring, scan its identifier, sync it to the node; bad input shows the
// workstation's own messages. Screenshots of every screen go to test-output/screens.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  byTest,
  createAccount,
  launchApp,
  shot,
  startNode,
  tempDir,
  typeInto,
  PASSWORD,
} from "./harness.mjs";

const ID = "88.118.8/E2E-0001";

describe("desktop workstation", { timeout: 240000 }, () => {
  let node, app, browser;
  const dir = tempDir("app");

  before(async () => {
    node = await startNode(dir);
    await createAccount(node.base, "tech", true);
    await createAccount(node.base, "newbie", false);
    app = await launchApp(dir);
    browser = app.browser;
  });

  after(async () => {
    await app?.close();
    await node?.stop();
  });

  it("shows the dashboard from the workstation database", async () => {
    const total = await byTest(browser, "count-total");
    await total.waitForDisplayed({ timeout: 10000 });
    assert.match(await total.getText(), /0\s*仪器总数/);
    await shot(browser, "01-dashboard-empty");
  });

  it("shows a pending account clearly, then signs in an approved one", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await typeInto(browser, "login-node", node.base);
    await typeInto(browser, "login-username", "newbie");
    await typeInto(browser, "login-password", PASSWORD);
    await (await byTest(browser, "login-submit")).click();
    const pending = await byTest(browser, "login-pending");
    await pending.waitForDisplayed({ timeout: 15000 });
    assert.match(await (await byTest(browser, "login-error")).getText(), /待审核/);
    await shot(browser, "02-settings-pending-approval");

    await typeInto(browser, "login-username", "tech");
    await typeInto(browser, "login-password", PASSWORD);
    await (await byTest(browser, "login-submit")).click();
    await browser.waitUntil(
      async () => (await (await byTest(browser, "login-state")).getText()).includes("tech"),
      { timeout: 15000, timeoutMsg: "not signed in" },
    );
    await shot(browser, "03-settings-signed-in");
  });

  it("rejects a bad identifier with the workstation's field message", async () => {
    await (await byTest(browser, "nav-register")).click();
    await typeInto(browser, "field-identifier", "88.118.8/");
    await typeInto(browser, "field-name", "测试仪器");
    await (await byTest(browser, "register-submit")).click();
    const err = await byTest(browser, "error-identifier");
    await err.waitForDisplayed({ timeout: 10000 });
    assert.match(await err.getText(), /标识缺少后缀/);
    await shot(browser, "04-register-validation-error");
    // The refused form still holds the person's edits: leaving asks first.
    await (await byTest(browser, "nav-dashboard")).click();
    const leave = await byTest(browser, "leave-dialog");
    await leave.waitForDisplayed({ timeout: 10000 });
    await (await byTest(browser, "leave-ok")).click();
    await leave.waitForDisplayed({ reverse: true, timeout: 10000 });
  });

  it("registers an instrument (register and print label)", async () => {
    await (await byTest(browser, "nav-dashboard")).click();
    await (await byTest(browser, "nav-register")).click();
    await typeInto(browser, "field-identifier", ID);
    await typeInto(browser, "field-name", "高精度数字压力计");
    await typeInto(browser, "field-model", "DPI-620");
    await typeInto(browser, "field-owner", "上海华东精密机械有限公司");
    await typeInto(browser, "field-cal_last_date", "2026-11-01");
    await typeInto(browser, "field-cal_interval_months", "12");
    await shot(browser, "05-register-form");
    await (await byTest(browser, "register-print")).click();
    const name = await byTest(browser, "detail-name");
    await name.waitForDisplayed({ timeout: 10000 });
    assert.equal(await name.getText(), "高精度数字压力计");
    assert.equal(await (await byTest(browser, "detail-identifier")).getText(), ID);
    assert.match(await (await byTest(browser, "history")).getText(), /登记/);
    await shot(browser, "06-detail-after-register");
  });

  it("finds it by a two-character Chinese substring", async () => {
    await (await byTest(browser, "nav-instruments")).click();
    await typeInto(browser, "search-input", "压力");
    const row = await browser.$(`[data-testid="row"][data-identifier="${ID}"]`);
    await row.waitForDisplayed({ timeout: 10000 });
    await shot(browser, "07-instruments-search");
  });

  it("opens the record from a scanned resolver URL", async () => {
    await (await byTest(browser, "nav-dashboard")).click();
    await typeInto(browser, "scan-input", `HTTPS://ID.EXAMPLE.CN/${ID}`);
    await browser.keys("Enter");
    const idEl = await byTest(browser, "detail-identifier");
    await idEl.waitForDisplayed({ timeout: 10000 });
    assert.equal(await idEl.getText(), ID);
  });

  it("says what was scanned and what to do for unscannable text", async () => {
    await typeInto(browser, "scan-input", "不是标识");
    await browser.keys("Enter");
    const err = await byTest(browser, "scan-error");
    await err.waitForDisplayed({ timeout: 10000 });
    assert.match(await err.getText(), /“不是标识”不是标识.*请扫描仪器标签上的二维码/);
    await shot(browser, "08-scan-error");
  });

  it("offers to register an identifier nobody knows", async () => {
    await typeInto(browser, "scan-input", "hdl:88.118.8/NOBODY-1");
    await browser.keys("Enter");
    const field = await byTest(browser, "field-identifier");
    await field.waitForDisplayed({ timeout: 15000 });
    assert.equal(await field.getValue(), "88.118.8/NOBODY-1");
    await shot(browser, "09-scan-unknown-register");
  });

  it("syncs to the node and the header turns clean", async () => {
    await (await byTest(browser, "nav-sync")).click();
    const state = await byTest(browser, "sync-state");
    assert.notEqual(await state.getAttribute("data-state"), "clean");
    await (await byTest(browser, "sync-screen-now")).click();
    await browser.waitUntil(async () => (await state.getAttribute("data-state")) === "clean", {
      timeout: 30000,
      timeoutMsg: "sync state did not turn clean",
    });
    assert.equal(await (await byTest(browser, "sync-pending")).getText(), "0");
    await shot(browser, "10-sync-clean");
    const r = await fetch(`${node.base}/api/handles/${ID}`);
    assert.equal(r.status, 200, "the node resolves the synced instrument");
    const body = await r.json();
    assert.ok(JSON.stringify(body.values).includes("高精度数字压力计"));
  });

  it("shows the dashboard in English too", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-en")).click();
    await (await byTest(browser, "nav-dashboard")).click();
    const total = await byTest(browser, "count-total");
    await browser.waitUntil(async () => /Instruments/.test(await total.getText()), { timeout: 10000 });
    assert.match(await total.getText(), /1\s*Instruments/);
    await shot(browser, "11-dashboard-english");
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-zh")).click();
  });
});
