/** Whether a browser can be opened here: the decision that picks PKCE or the device flow. */
import { describe, expect, it } from "vitest";
import { browserAvailable } from "../../src/auth/browser.js";

describe("browserAvailable", () => {
  it("says yes on a desktop: macOS, Windows, or Linux with X11 or Wayland", () => {
    expect(browserAvailable({}, false, "darwin")).toBe(true);
    expect(browserAvailable({}, false, "win32")).toBe(true);
    expect(browserAvailable({ DISPLAY: ":0" }, false, "linux")).toBe(true);
    expect(browserAvailable({ WAYLAND_DISPLAY: "wayland-0" }, false, "linux")).toBe(true);
  });

  it("says no when told so, in CI, over SSH, or on Linux without a display", () => {
    expect(browserAvailable({}, true, "darwin")).toBe(false);
    expect(browserAvailable({ CI: "true" }, false, "darwin")).toBe(false);
    expect(browserAvailable({ SSH_CONNECTION: "10.0.0.1 22 10.0.0.2 5555" }, false, "darwin")).toBe(false);
    expect(browserAvailable({ SSH_TTY: "/dev/pts/0" }, false, "win32")).toBe(false);
    expect(browserAvailable({}, false, "linux")).toBe(false);
  });

  it("uses this machine's platform by default", () => {
    expect(browserAvailable({}, false)).toBe(browserAvailable({}, false, process.platform));
    expect(browserAvailable({}, false)).toBe(process.platform !== "linux");
  });
});
