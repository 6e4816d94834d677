// Label printing in the real app: a fake TSPL printer (a TCP listener in this process that
// answers the status query "ready" and keeps what it is sent), added on the printing screen;
// a label previewed and printed from the record detail; the job done and the bytes arrived.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { addTsplPrinter, byTest, fakePrinter, launchApp, shot, tempDir, typeInto } from "./harness.mjs";

const ID = "88.118.8/LBL-0001";

describe("label printing", { timeout: 180000 }, () => {
  let app, browser, printer;
  const dir = tempDir("labels");

  before(async () => {
    printer = await fakePrinter();
    app = await launchApp(dir);
    browser = app.browser;
  });

  after(async () => {
    await app?.close();
    printer?.close();
  });

  it("adds a printer on the printing screen", async () => {
    const table = await addTsplPrinter(browser, "tsc", printer.port);
    assert.match(await table.getText(), /tsc/);
    await shot(browser, "20-printing-printers");
  });

  it("previews and prints a label from the record detail", async () => {
    await (await byTest(browser, "nav-register")).click();
    await typeInto(browser, "field-identifier", ID);
    await typeInto(browser, "field-name", "数字压力计");
    await (await byTest(browser, "register-submit")).click();
    await (await byTest(browser, "detail-name")).waitForDisplayed({ timeout: 10000 });
    await (await byTest(browser, "print-panel")).waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => (await (await byTest(browser, "print-printer")).getValue()) === "tsc", {
      timeout: 10000,
      timeoutMsg: "printer not offered",
    });
    await (await byTest(browser, "print-preview")).click();
    await (await byTest(browser, "print-preview-img")).waitForDisplayed({ timeout: 15000 });
    await shot(browser, "21-detail-print-preview");
    await (await byTest(browser, "print-go")).click();
    const job = await byTest(browser, "print-job");
    await job.waitForDisplayed({ timeout: 15000 });
    assert.equal(await job.getAttribute("data-state"), "done");
    await shot(browser, "22-detail-printed");
    await browser.waitUntil(async () => printer.received.length > 0, { timeout: 10000, timeoutMsg: "no bytes" });
    assert.match(printer.received[0].toString("latin1"), /PRINT/);
  });

  it("shows the job in the history", async () => {
    await (await byTest(browser, "nav-printing")).click();
    const row = await browser.$(`[data-testid="jobs"] tr[data-state="done"]`);
    await row.waitForDisplayed({ timeout: 10000 });
    assert.match(await row.getText(), /LBL-0001/);
    await (await byTest(browser, "job-preview")).click();
    await (await byTest(browser, "job-preview-img")).waitForDisplayed({ timeout: 10000 });
    await shot(browser, "23-printing-history");
  });
});
