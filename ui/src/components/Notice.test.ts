import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import Notice from "./Notice.svelte";

afterEach(cleanup);

describe("notice", () => {
  it("looks and announces as its tone: a warning or error is an alert, never a success", () => {
    for (const [tone, role] of [["ok", "status"], ["info", "status"], ["warn", "alert"], ["error", "alert"]] as const) {
      render(Notice, { tone, text: `msg-${tone}`, testid: `n-${tone}` });
      const box = screen.getByTestId(`n-${tone}`);
      expect(box.dataset.tone).toBe(tone);
      expect(box.getAttribute("role")).toBe(role);
      expect(box.classList.contains(tone)).toBe(true);
      // The icon carries no text: what the person reads and copies is the message alone.
      expect(box.textContent).toBe(`msg-${tone}`);
    }
  });
});
