// The monthly operating report in the real app against a real node: the screen says plainly
// that no figures were pulled yet (a warning, never an empty success), pulls them, takes a
// section's text, issues the report after the app's own dialog asks (Esc backs out first), and
// lists it in the history as waiting, then as received by the node after a sync. Checked in
// Chinese at 1280×800 and in English at 1024×768.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PASSWORD, byTest, commitValue, createAccount, launchApp, shot, startNode, tempDir, typeInto } from "./harness.mjs";

/** Last month as the app picks it by default (China time). */
function lastMonth() {
  const china = new Date(Date.now() + 8 * 3600 * 1000);
  const d = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

describe("monthly report", { timeout: 240000 }, () => {
  let node, app, browser;
  const dir = tempDir("reports");
  const month = lastMonth();
  const number = `88.118.8-YB-${month.replace("-", "")}-01`;

  before(async () => {
    node = await startNode(dir);
    await createAccount(node.base, "tech", true);
    app = await launchApp(dir);
    browser = app.browser;
  });

  after(async () => {
    await app?.close();
    await node?.stop();
  });

  it("says no figures were pulled before the station syncs, as a warning", async () => {
    await (await byTest(browser, "nav-reports")).click();
    const none = await byTest(browser, "report-no-figures");
    await none.waitForDisplayed({ timeout: 10000 });
    assert.match(await none.getText(), new RegExp(`没有 ${month} 的运行数据`));
    assert.match(await none.getAttribute("class"), /warn/);
    assert.equal(await (await byTest(browser, "report-issue")).isExisting(), false, "nothing to issue");
    assert.equal(await (await byTest(browser, "report-history-empty")).isDisplayed(), true);
    await shot(browser, "50-report-no-figures");
    // The dashboard draws what it has: the calibrations due ahead; no daily figures yet, said.
    await (await byTest(browser, "nav-dashboard")).click();
    const due = await byTest(browser, "chart-due");
    await due.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => (await due.$$("svg path")).length > 0, {
      timeout: 10000,
      timeoutMsg: "the due chart was not drawn",
    });
    assert.match(await (await byTest(browser, "chart-days-note")).getText(), /尚未从节点取得每日数据/);
  });

  it("pulls the figures, keeps a section's text and issues after asking", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await typeInto(browser, "login-node", node.base);
    await typeInto(browser, "login-username", "tech");
    await typeInto(browser, "login-password", PASSWORD);
    await (await byTest(browser, "login-submit")).click();
    await browser.waitUntil(async () => (await (await byTest(browser, "login-state")).getText()).includes("tech"), {
      timeout: 15000,
      timeoutMsg: "the station did not sign in",
    });
    await (await byTest(browser, "nav-reports")).click();
    await (await byTest(browser, "report-refresh")).click();
    const figures = await byTest(browser, "report-figures");
    await figures.waitForDisplayed({ timeout: 15000 });
    assert.match(await figures.getText(), /服务可用性|SLA/);
    assert.match(await (await byTest(browser, "report-draft")).getText(), /88\.118\.8/);
    // Last month the node did not run yet: its SLA is unmeasured, shown as such, never green.
    const sla = (await browser.$$('[data-testid="report-figure"]'))[0];
    assert.match(await sla.getText(), /SLA[\s\S]*—/);
    assert.notEqual(await sla.getAttribute("data-tone"), "ok", "an unmeasured SLA is no success");

    const summary = await byTest(browser, "report-section-summary");
    await commitValue(browser, summary, "本月节点运行平稳，无计划外中断。");
    await (await byTest(browser, "report-unsaved")).waitForDisplayed({ timeout: 5000 });
    await (await byTest(browser, "report-save")).click();
    await browser.waitUntil(async () => !(await (await byTest(browser, "report-unsaved")).isExisting()), {
      timeout: 10000,
      timeoutMsg: "the text was not saved",
    });
    // Away and back: the text is the draft's, kept in the station's database.
    await (await byTest(browser, "nav-dashboard")).click();
    await (await byTest(browser, "nav-reports")).click();
    await browser.waitUntil(
      async () => (await (await byTest(browser, "report-section-summary")).getValue()) === "本月节点运行平稳，无计划外中断。",
      { timeout: 10000, timeoutMsg: "the draft's text was lost" },
    );
    await shot(browser, "51-report-draft");

    // The app's own dialog asks; Esc backs out and nothing is issued.
    await (await byTest(browser, "report-issue")).click();
    const dialog = await byTest(browser, "confirm-dialog");
    await dialog.waitForDisplayed({ timeout: 5000 });
    assert.match(await dialog.getText(), new RegExp(number.replace(/\./g, "\\.")));
    assert.match(await dialog.getText(), /不能再修改/);
    await browser.keys("Escape");
    await browser.waitUntil(async () => !(await dialog.isDisplayed()), { timeout: 5000 });
    assert.equal(await (await byTest(browser, "report-history-empty")).isDisplayed(), true, "Esc issued nothing");

    await (await byTest(browser, "report-issue")).click();
    await dialog.waitForDisplayed({ timeout: 5000 });
    await shot(browser, "52-report-issue-confirm");
    await (await byTest(browser, "confirm-ok")).click();
    const row = await byTest(browser, `report-row-${number}`);
    await row.waitForDisplayed({ timeout: 20000 });
    assert.match(await row.getText(), /待提交至节点/);
    assert.match(await (await byTest(browser, "report-notice")).getText(), new RegExp(`已发布报告 ${number.replace(/\./g, "\\.")}`));
  });

  it("shows the report received once the station syncs", async () => {
    await (await byTest(browser, "sync-now")).click();
    await browser.waitUntil(
      async () => {
        const r = await fetch(`${node.base}/api/v1/reports`, {
          headers: { authorization: `Basic ${Buffer.from(`tech:${PASSWORD}`).toString("base64")}` },
        });
        const body = await r.json();
        return (body.reports ?? []).some((x) => x.number === number);
      },
      { timeout: 30000, interval: 500, timeoutMsg: "the node never got the report" },
    );
    await (await byTest(browser, "nav-dashboard")).click();
    await (await byTest(browser, "nav-reports")).click();
    const row = await byTest(browser, `report-row-${number}`);
    await browser.waitUntil(async () => /节点已收到/.test(await row.getText()), {
      timeout: 10000,
      timeoutMsg: "the history does not show the node's receipt",
    });
    await shot(browser, "53-report-history");
    // With figures pulled, the dashboard draws the last 30 days too.
    await (await byTest(browser, "nav-dashboard")).click();
    const days = await byTest(browser, "chart-days");
    await days.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => (await days.$$("svg path")).length > 0, {
      timeout: 10000,
      timeoutMsg: "the daily chart was not drawn",
    });
    assert.match(await days.getText(), /注册/);
    await shot(browser, "55-dashboard-charts");
  });

  it("reads in English and fits at 1024×768", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-en")).click();
    await (await byTest(browser, "nav-reports")).click();
    await browser.setWindowSize(1024, 768);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= 1024, {
      timeout: 5000,
      timeoutMsg: "the window did not shrink",
    });
    const row = await byTest(browser, `report-row-${number}`);
    await row.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /Received by the node/.test(await row.getText()), { timeout: 10000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      await browser.execute(() => document.documentElement.scrollWidth <= window.innerWidth),
      "the page is wider than the window",
    );
    await shot(browser, "54-report-en-1024");
  });
});
