// Hot folders in the real app: a fake TSPL label printer (a TCP listener in this process), a
// folder chosen in the system's real file dialog (GTK, typed into with xdotool as a person
// would), a CSV dropped into it, its rows registered and their labels printed; a bad file
// shown as an error, never as a success.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  addTsplPrinter,
  byTest,
  chooseInFileDialog,
  fakePrinter,
  launchApp,
  shot,
  tempDir,
  typeInto,
} from "./harness.mjs";

describe("hot folders", { timeout: 240000 }, () => {
  let app, browser, printer;
  const dir = tempDir("hot");
  // ASCII: xdotool types it into the dialog key by key.
  const inbox = join(dir, "lims-export");
  mkdirSync(inbox);

  before(async () => {
    printer = await fakePrinter();
    app = await launchApp(dir);
    browser = app.browser;
  });

  after(async () => {
    await app?.close();
    printer?.close();
  });

  it("sets up a folder chosen in the file dialog, with labels on a printer", async () => {
    await addTsplPrinter(browser, "tsc", printer.port);

    await (await byTest(browser, "nav-hotfolders")).click();
    await (await byTest(browser, "hot-none")).waitForDisplayed({ timeout: 10000 });
    await shot(browser, "30-hotfolders-empty");
    await (await byTest(browser, "hot-add")).click();
    await chooseInFileDialog("选择要监视导入文件的文件夹", inbox + "/");
    const path = await byTest(browser, "hot-form-path");
    await path.waitForDisplayed({ timeout: 15000 });
    assert.match(await path.getText(), /lims-export/);
    await (await byTest(browser, "hot-template")).selectByAttribute("value", "identifier");
    await (await byTest(browser, "hot-printer")).waitForDisplayed({ timeout: 5000 });
    assert.equal(await (await byTest(browser, "hot-printer")).getValue(), "tsc");
    await shot(browser, "31-hotfolders-form");
    await (await byTest(browser, "hot-save")).click();
    const state = await byTest(browser, "hot-state");
    await browser.waitUntil(async () => (await state.getAttribute("data-running")) === "true", {
      timeout: 15000,
      timeoutMsg: "not watching",
    });
    assert.match(await (await byTest(browser, "hot-folders")).getText(), /tsc/);
  });

  it("imports a dropped file, prints its labels, and shows a bad file as an error", async () => {
    writeFileSync(
      join(inbox, "送检单.csv"),
      "标识,名称,型号\n88.118.8/HOT-1,数字压力计,DPI-620\n88.118.8/HOT-2,电子天平,XS205\n",
    );
    writeFileSync(join(inbox, "坏.csv"), "标识,名称\n88.118.8/HOT-3,\n");
    const list = await byTest(browser, "hot-activity");
    await list.waitForDisplayed({ timeout: 30000 });
    await browser.waitUntil(
      async () => {
        const tones = await browser.$$(`[data-testid="hot-activity"] li`).map((li) => li.getAttribute("data-tone"));
        return tones.includes("error") && tones.filter((t) => t === "ok").length >= 2;
      },
      { timeout: 60000, timeoutMsg: "the files were not both handled" },
    );
    const text = await list.getText();
    assert.match(text, /送检单\.csv：已导入 2 行/);
    assert.match(text, /已在 tsc 打印 2 张标签/);
    const bad = await browser.$(`[data-testid="hot-activity"] li[data-tone="error"]`);
    assert.match(await bad.getText(), /坏\.csv：已拒绝/);
    await browser.waitUntil(async () => /打印标签 2 张/.test(await (await byTest(browser, "hot-counts")).getText()), {
      timeout: 10000,
      timeoutMsg: "counts",
    });
    assert.match(await (await byTest(browser, "hot-counts")).getText(), /导入 1 个文件（2 行），拒绝 1 个文件/);
    await shot(browser, "32-hotfolders-activity");
    await browser.waitUntil(async () => printer.received.length >= 2, { timeout: 10000, timeoutMsg: "no labels" });
    assert.match(printer.received[0].toString("latin1"), /PRINT/);
    assert.ok(existsSync(join(inbox, "error", "坏.csv")), "the bad file is in error/");
    const archived = readdirSync(join(inbox, "archive")).flatMap((d) => readdirSync(join(inbox, "archive", d)));
    assert.deepEqual(archived, ["送检单.csv"]);

    // The rows are instruments now.
    await (await byTest(browser, "nav-dashboard")).click();
    await typeInto(browser, "scan-input", "88.118.8/HOT-2");
    await browser.keys("Enter");
    const name = await byTest(browser, "detail-name");
    await name.waitForDisplayed({ timeout: 10000 });
    assert.match(await name.getText(), /电子天平/);
  });

  it("asks in its own dialog before it stops watching a folder", async () => {
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-en")).click();
    await (await byTest(browser, "nav-hotfolders")).click();
    await (await byTest(browser, "hot-remove")).click();
    const dialog = await byTest(browser, "confirm-dialog");
    await dialog.waitForDisplayed({ timeout: 5000 });
    assert.match(await dialog.getText(), /Stop watching this folder\?/);
    await browser.setWindowSize(1024, 768);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= 1024, {
      timeout: 5000,
      timeoutMsg: "the window did not shrink",
    });
    await new Promise((r) => setTimeout(r, 300));
    // Nothing wider than the window: the header and the screen fit at 1024 px in English.
    assert.ok(
      await browser.execute(() => document.documentElement.scrollWidth <= window.innerWidth),
      "the page is wider than the window",
    );
    await shot(browser, "33-hotfolders-remove-en-1024");
    await (await byTest(browser, "confirm-ok")).click();
    await shot(browser, "34-hotfolders-removed-en-1024");
    await (await byTest(browser, "hot-none")).waitForDisplayed({ timeout: 10000 });
    assert.equal(await (await byTest(browser, "hot-state")).getAttribute("data-running"), "false");
    await browser.setWindowSize(1280, 800);
  });
});
