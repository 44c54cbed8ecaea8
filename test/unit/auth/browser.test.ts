/** Whether a browser can be opened here: the decision that picks PKCE or the device flow. */
import { describe, expect, it } from "vitest";
import { browserAvailable, createOpener } from "../../../src/auth/browser.js";
import { captureLogger } from "../../helpers/store/harness.js";

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

describe("createOpener", () => {
  it("opens the URL without waiting for the browser, ignores the child's later errors, and lets the process exit without it", async () => {
    const calls: Array<{ url: string; options: { wait: boolean } }> = [];
    const events: string[] = [];
    const child = {
      on: (event: "error", listener: () => void) => {
        events.push(`on ${event}`);
        listener(); // an error after the start must not throw
        return child;
      },
      unref: () => void events.push("unref"),
    };
    const log = captureLogger();
    const open = createOpener(log, async () => ({ default: async (url, options) => (calls.push({ url, options }), child) }));
    expect(await open("https://cronicorn.com/device/approve?user_code=ABCD")).toBe(true);
    expect(calls).toEqual([{ url: "https://cronicorn.com/device/approve?user_code=ABCD", options: { wait: false } }]);
    expect(events).toEqual(["on error", "unref"]);
    expect(log.lines).toEqual([]);
  });

  it("answers false, saying why at debug level, when the browser cannot be opened or the module cannot load", async () => {
    const log = captureLogger();
    const failing = createOpener(log, async () => ({
      default: async () => {
        throw new Error("spawn xdg-open ENOENT");
      },
    }));
    expect(await failing("https://x.example")).toBe(false);
    const missing = createOpener(log, () => Promise.reject("no module"));
    expect(await missing("https://x.example")).toBe(false);
    expect(log.lines).toEqual([
      { level: "debug", message: "Could not open a browser: spawn xdg-open ENOENT" },
      { level: "debug", message: "Could not open a browser: no module" },
    ]);
  });
});
