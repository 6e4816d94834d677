import { describe, expect, it } from "vitest";
import { formValues, missingRequired, ownerPrefix } from "./docking";
import type { DockingTable } from "../bindings/DockingTable";

const field = (name: string, kind: string, required = "", key = false) => ({
  name,
  code: `T06-${name}`,
  label: name,
  kind,
  required,
  maxChars: 0,
  options: [],
  personal: false,
  key,
});

const table: DockingTable = {
  code: "T06",
  title: "企业节点信息",
  scope: "enterprise",
  cadenceLabel: "实时上报",
  fields: [
    field("enterprisePrefix", "text", "always", true),
    field("enterpriseName", "text", "apply"),
    field("licence", "attachment"),
    field("attributes", "json"),
  ],
};

describe("docking forms", () => {
  it("send only the table's inputs, trimmed, without blanks or what the node sets", () => {
    const sent = formValues(table, {
      enterprisePrefix: " 88.118.8 ",
      enterpriseName: "",
      licence: "ab12",
      appliedAt: "2026-12-01",
      attributes: '{"a":1}',
    });
    expect(sent).toEqual({ enterprisePrefix: "88.118.8", licence: "ab12", attributes: '{"a":1}' });
  });

  it("upload an enterprise's attachment under its prefix, the node's own under none", () => {
    expect(ownerPrefix(table, { enterprisePrefix: " 88.118.8 " })).toBe("88.118.8");
    expect(ownerPrefix(table, {})).toBeNull();
    expect(ownerPrefix({ ...table, scope: "node" }, { enterprisePrefix: "88.118.8" })).toBeNull();
  });

  it("name the fields every write must give, and a new record's key", () => {
    expect(missingRequired(table, {}, true)).toEqual(["enterprisePrefix"]);
    expect(missingRequired(table, { enterprisePrefix: "88.118.8" }, true)).toEqual([]);
    const optionalKey = { ...table, fields: [field("statMonth", "month", "", true)] };
    expect(missingRequired(optionalKey, {}, true)).toEqual(["statMonth"]);
    expect(missingRequired(optionalKey, {}, false)).toEqual([]);
  });
});
