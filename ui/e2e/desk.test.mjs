// A technician's day at the desk, in the real app: scans from a wedge scanner (keys 10 ms apart,
// then Enter) wherever focus is, a bad scan that clears itself, old asset and serial barcodes,
// unsaved edits that ask before they are lost, notices whose tone matches what happened, and
// the app's own confirmation dialog. Every changed screen is shot in Chinese and English at
// 1280×800 and 1024×768.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { addTsplPrinter, byTest, commitValue, fakePrinter, launchApp, scannerTypes, shot, tempDir, typeInto } from "./harness.mjs";

const RECORDS = [
  { id: "88.118.8/DESK-1", name: "数字多用表", asset: "ZC-0001", serial: "SN-1" },
  { id: "88.118.8/DESK-2", name: "示波器", asset: "ZC-0002", serial: "SN-2" },
  { id: "88.118.8/DESK-3", name: "示波器", asset: "ZC-0003", serial: "SN-2" },
];

describe("a technician's day at the desk", { timeout: 420000 }, () => {
  let app, browser, printer;
  const dir = tempDir("desk");

  before(async () => {
    printer = await fakePrinter();
    app = await launchApp(dir);
    browser = app.browser;
  });

  after(async () => {
    await app?.close();
    printer?.close();
  });

  const detailIdentifier = async () => {
    const el = await byTest(browser, "detail-identifier");
    await el.waitForDisplayed({ timeout: 15000 });
    return el.getText();
  };
  const value = async (id) => (await byTest(browser, id)).getValue();
  const blur = () => browser.execute(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : null));

  it("registers instruments and says so in a success notice", async () => {
    for (const r of RECORDS) {
      await (await byTest(browser, "nav-register")).click();
      await typeInto(browser, "field-identifier", r.id);
      await typeInto(browser, "field-name", r.name);
      await typeInto(browser, "field-asset_no", r.asset);
      await typeInto(browser, "field-serial_no", r.serial);
      await (await byTest(browser, "register-submit")).click();
      assert.equal(await detailIdentifier(), r.id);
      const notice = await byTest(browser, "notice");
      assert.equal(await notice.getAttribute("data-tone"), "ok");
      assert.equal(await notice.getText(), "已保存");
    }
  });

  it("opens a record scanned while focus is in the list's search box", async () => {
    await (await byTest(browser, "nav-instruments")).click();
    const search = await typeInto(browser, "search-input", "DESK");
    await search.click();
    await scannerTypes(browser, RECORDS[1].id);
    assert.equal(await detailIdentifier(), RECORDS[1].id);
  });

  it("asks before a scan drops a form's edits, and the field scanned into keeps its text", async () => {
    await (await byTest(browser, "nav-register")).click();
    await commitValue(browser, await byTest(browser, "field-name"), "新仪器");
    await (await byTest(browser, "field-model")).click();
    await scannerTypes(browser, RECORDS[0].id);
    const dialog = await byTest(browser, "leave-dialog");
    await dialog.waitForDisplayed({ timeout: 10000 });
    assert.match(await dialog.getText(), /放弃未保存的修改/);
    assert.equal(await value("field-model"), "", "the scan's characters left the field they landed in");
    await shot(browser, "60-desk-leave-dialog-zh-1280");
    // 继续编辑: nothing moved, nothing lost.
    await (await byTest(browser, "leave-cancel")).click();
    await dialog.waitForDisplayed({ reverse: true, timeout: 10000 });
    assert.equal(await value("field-name"), "新仪器");
    // A nav click asks the same.
    await (await byTest(browser, "nav-dashboard")).click();
    await dialog.waitForDisplayed({ timeout: 10000 });
    await (await byTest(browser, "leave-cancel")).click();
    await dialog.waitForDisplayed({ reverse: true, timeout: 10000 });
    // Esc cancels the form: asked, then back where the person came from.
    await (await byTest(browser, "field-name")).click();
    await browser.keys("Escape");
    await dialog.waitForDisplayed({ timeout: 10000 });
    await (await byTest(browser, "leave-ok")).click();
    assert.equal(await detailIdentifier(), RECORDS[1].id);
  });

  it("leaves a form without edits at once, and an asset number scanned into a field stays there", async () => {
    await (await byTest(browser, "nav-register")).click();
    const serial = await byTest(browser, "field-serial_no");
    await serial.click();
    await scannerTypes(browser, "SN-NEW-77");
    assert.equal(await serial.getValue(), "SN-NEW-77", "a serial number is what the person meant to type there");
    // The scanner's Enter moved on to the next field; the form was not submitted.
    const movedOn = await browser.execute(() => {
      const fields = [...document.querySelectorAll('[data-testid="instrument-form"] :is(input, select, textarea)')];
      return fields[fields.findIndex((f) => f.getAttribute("name") === "serial_no") + 1] === document.activeElement;
    });
    assert.ok(movedOn, "focus is on the field after the serial number");
    assert.equal(await (await byTest(browser, "form-error")).isExisting(), false, "no half-filled form was submitted");
    await commitValue(browser, serial, "");
    await (await byTest(browser, "nav-dashboard")).click();
    await (await byTest(browser, "nav-register")).waitForDisplayed();
    assert.equal(await (await byTest(browser, "leave-dialog")).isDisplayed(), false);
  });

  it("clears a bad scan, says what was scanned, and the next scan starts clean", async () => {
    await typeInto(browser, "scan-input", "不是标识");
    await browser.keys("Enter");
    const err = await byTest(browser, "scan-error");
    await err.waitForDisplayed({ timeout: 10000 });
    assert.match(await err.getText(), /“不是标识”不是标识/);
    assert.match(await err.getText(), /请扫描仪器标签上的二维码/);
    assert.equal(await value("scan-input"), "");
    await shot(browser, "61-desk-bad-scan-zh-1280");
    await scannerTypes(browser, RECORDS[0].id);
    assert.equal(await detailIdentifier(), RECORDS[0].id);
    assert.equal(await (await byTest(browser, "scan-error")).isExisting(), false);
  });

  it("opens an old asset-number barcode's record, and lists the records a shared serial names", async () => {
    await (await byTest(browser, "nav-dashboard")).click();
    await blur();
    await scannerTypes(browser, RECORDS[1].asset);
    assert.equal(await detailIdentifier(), RECORDS[1].id);
    await blur();
    await scannerTypes(browser, "SN-2");
    const choices = await byTest(browser, "scan-choices");
    await choices.waitForDisplayed({ timeout: 10000 });
    const offered = await browser.$$(`[data-testid="scan-choice"]`);
    const ids = [];
    for (const c of offered) ids.push(await c.getAttribute("data-identifier"));
    assert.deepEqual(ids, [RECORDS[1].id, RECORDS[2].id]);
    assert.match(await choices.getText(), /出厂编号/);
    await shot(browser, "62-desk-scan-choices-zh-1280");
    await offered[1].click();
    assert.equal(await detailIdentifier(), RECORDS[2].id);
  });

  it("warns, not succeeds, when a label could not be printed", async () => {
    await (await byTest(browser, "nav-register")).click();
    await typeInto(browser, "field-identifier", "88.118.8/DESK-4");
    await typeInto(browser, "field-name", "压力表");
    await (await byTest(browser, "register-print")).click();
    assert.equal(await detailIdentifier(), "88.118.8/DESK-4");
    const notice = await byTest(browser, "notice");
    await notice.waitForDisplayed({ timeout: 10000 });
    assert.equal(await notice.getAttribute("data-tone"), "warn");
    assert.equal((await notice.getText()).split("已保存").length - 1, 1, "saved is said once");
    const noPrinter = await byTest(browser, "print-no-printer");
    assert.equal(await noPrinter.getAttribute("data-tone"), "warn");
    assert.doesNotMatch(await noPrinter.getText(), /记录已保存/, "opening a record saves nothing");
    await shot(browser, "63-desk-saved-not-printed-zh-1280");
  });

  it("asks in its own dialog before removing a printer", async () => {
    await addTsplPrinter(browser, "tsc", printer.port);
    await (await browser.$(`tr[data-printer="tsc"] [data-testid="printer-remove"]`)).click();
    const dialog = await byTest(browser, "remove-printer-dialog");
    await dialog.waitForDisplayed({ timeout: 10000 });
    assert.match(await dialog.getText(), /删除打印机？/);
    assert.match(await (await byTest(browser, "remove-printer-detail")).getText(), /^tsc$/);
    await shot(browser, "64-desk-remove-printer-zh-1280");
    await (await byTest(browser, "remove-printer-cancel")).click();
    await dialog.waitForDisplayed({ reverse: true, timeout: 10000 });
    assert.equal(await (await browser.$(`tr[data-printer="tsc"]`)).isDisplayed(), true);
    await (await browser.$(`tr[data-printer="tsc"] [data-testid="printer-remove"]`)).click();
    await (await byTest(browser, "remove-printer-ok")).click();
    await (await byTest(browser, "no-printers")).waitForDisplayed({ timeout: 10000 });
  });

  for (const [lang, width, height] of [["zh", 1024, 768], ["en", 1024, 768], ["en", 1280, 800]]) {
    it(`fits and reads right in ${lang} at ${width}×${height}`, async () => {
      if (lang === "en") {
        await (await byTest(browser, "nav-settings")).click();
        await (await byTest(browser, "lang-en")).click();
        await browser.waitUntil(async () => (await (await byTest(browser, "nav-dashboard")).getText()) !== "概览", { timeout: 10000 });
      }
      await browser.setWindowSize(width, height);
      await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= width, { timeout: 10000 });
      const fits = () => browser.execute(() => document.documentElement.scrollWidth <= window.innerWidth);
      const tag = `${lang}-${width}`;

      await (await byTest(browser, "nav-register")).click();
      assert.equal(await (await byTest(browser, "scan-error")).isExisting(), false, "a scan's message goes when the person moves on");
      await commitValue(browser, await byTest(browser, "field-name"), "x");
      await (await byTest(browser, "nav-dashboard")).click();
      const dialog = await byTest(browser, "leave-dialog");
      await dialog.waitForDisplayed({ timeout: 10000 });
      assert.match(await dialog.getText(), lang === "en" ? /Discard unsaved changes\?/ : /放弃未保存的修改/);
      assert.ok(await fits(), "no sideways scrolling");
      await shot(browser, `65-desk-leave-dialog-${tag}`);
      await (await byTest(browser, "leave-ok")).click();
      await dialog.waitForDisplayed({ reverse: true, timeout: 10000 });

      await blur();
      await scannerTypes(browser, "SN-2");
      const choices = await byTest(browser, "scan-choices");
      await choices.waitForDisplayed({ timeout: 10000 });
      assert.match(await choices.getText(), lang === "en" ? /serial number/ : /出厂编号/);
      assert.ok(await fits(), "no sideways scrolling");
      await shot(browser, `66-desk-scan-choices-${tag}`);
      await browser.keys("Escape");
      await choices.waitForDisplayed({ reverse: true, timeout: 10000 });

      await typeInto(browser, "scan-input", "NO-SUCH-CODE");
      await browser.keys("Enter");
      const err = await byTest(browser, "scan-error");
      await err.waitForDisplayed({ timeout: 10000 });
      assert.match(await err.getText(), lang === "en" ? /"NO-SUCH-CODE" is not an identifier/ : /“NO-SUCH-CODE”不是标识/);
      await shot(browser, `67-desk-bad-scan-${tag}`);
    });
  }

  it("returns to 1280×800 in Chinese", async () => {
    await browser.setWindowSize(1280, 800);
    await (await byTest(browser, "nav-settings")).click();
    await (await byTest(browser, "lang-zh")).click();
  });
});
