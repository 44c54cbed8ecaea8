/** The package as npm would publish it: `npm pack --dry-run --json` (nothing is written). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { npmEnv, ROOT } from "../helpers/pack.js";

export interface PackSize {
  packedBytes: number;
  unpackedBytes: number;
  files: Array<{ path: string; size: number }>;
}

export async function measurePackSize(): Promise<PackSize> {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    env: npmEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  const [pack] = JSON.parse(stdout) as Array<{ size: number; unpackedSize: number; files: Array<{ path: string; size: number }> }>;
  if (!pack) throw new Error("npm pack --dry-run printed no package");
  return { packedBytes: pack.size, unpackedBytes: pack.unpackedSize, files: pack.files };
}
