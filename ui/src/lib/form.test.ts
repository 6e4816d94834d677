import { describe, expect, it } from "vitest";
import { fieldErrors, formValues } from "./form";

describe("formValues", () => {
  it("sends the filled fields of a register form, trimmed", () => {
    expect(formValues({ name: " 卡尺 ", model: "", identifier: "88.118.8/A" })).toEqual({
      name: "卡尺",
      identifier: "88.118.8/A",
    });
  });
  it("sends only what changed in an edit form, a cleared field as empty", () => {
    const original = { name: "卡尺", model: "X1", location: "计量室" };
    expect(formValues({ name: "卡尺", model: "", location: "二楼" }, original)).toEqual({
      model: "",
      location: "二楼",
    });
  });
});

describe("fieldErrors", () => {
  it("maps each field's messages to its input", () => {
    const e = {
      code: "invalid_input",
      message: "输入有误",
      fields: [
        { field: "name", message: "名称: 必填" },
        { field: "identifier", message: "a" },
        { field: "identifier", message: "b" },
      ],
    };
    expect(fieldErrors(e)).toEqual({ name: "名称: 必填", identifier: "a；b" });
  });
});
