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

  it("sends a label queued while the printer was away once it is back, from the queue's button", async () => {
    printer.answer(false);
    await typeInto(browser, "reprint-reason", "标签污损");
    await (await browser.$(`[data-testid="jobs"] tr[data-state="done"] [data-testid="job-reprint"]`)).click();
    const queued = await browser.$(`[data-testid="jobs"] tr[data-state="queued"]`);
    await queued.waitForDisplayed({ timeout: 20000, timeoutMsg: "the reprint did not wait in the queue" });
    const send = await byTest(browser, "queue-send");
    await send.waitForDisplayed({ timeout: 10000 });
    assert.match(await send.getText(), /\(1\)/);
    await shot(browser, "24-printing-queued");
    assert.equal(printer.received.length, 1, "nothing was sent into the silent printer");

    printer.answer(true);
    await send.click();
    const result = await byTest(browser, "queue-result");
    await result.waitForDisplayed({ timeout: 20000 });
    assert.equal(await result.getAttribute("data-tone"), "ok");
    assert.match(await result.getText(), /已打印 1 张/);
    await browser.waitUntil(async () => printer.received.length === 2, { timeout: 10000, timeoutMsg: "the queued label never arrived" });
    assert.deepEqual(printer.received[1], printer.received[0], "a reprint sends the same bytes");
    assert.equal(await browser.$$(`[data-testid="jobs"] tr[data-state="queued"]`).length, 0);
    assert.equal(await (await byTest(browser, "queue-send")).isExisting(), false, "nothing left to send");
    await shot(browser, "25-printing-queue-sent");
  });
});
