/** Opening the user's browser, when there is one to open. */
import type { Logger } from "../core/log.js";

/** No browser here: told so, CI, an SSH session, or Linux without a display. */
export function browserAvailable(env: NodeJS.ProcessEnv, noBrowser: boolean, platform: NodeJS.Platform = process.platform): boolean {
  if (noBrowser || env.CI) return false;
  if (env.SSH_CONNECTION || env.SSH_TTY) return false;
  if (platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  return true;
}

export type Opener = (url: string) => Promise<boolean>;

type OpenModule = { default: (url: string, options: { wait: boolean }) => Promise<{ on(event: "error", listener: () => void): unknown; unref(): void }> };

/** Opens `url` with the `open` package (loaded only when needed); false when that failed. */
export function createOpener(logger: Logger, loadOpen: () => Promise<OpenModule> = () => import("open")): Opener {
  return async (url) => {
    try {
      const { default: open } = await loadOpen();
      const child = await open(url, { wait: false });
      child.on("error", () => undefined);
      child.unref();
      return true;
    } catch (error) {
      logger.debug(`Could not open a browser: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };
}
