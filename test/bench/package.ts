/**
 * What installing the package costs a user: the packed tarball, and one `npm install <tarball>`
 * (production dependencies only, from the local npm cache) into an empty folder.
 */
import { installTarball, makeWorkDir, packTarball, removeDir } from "../helpers/pack.js";

export interface PackageFigures {
  tarballBytes: number;
  unpackedBytes?: number;
  /** Files in the tarball. */
  files: number;
  /** Packages npm installed beside cronicorn-mcp (itself not counted), nested ones included. */
  prodPackages: number;
  installMs: number;
}

export async function measurePackage(): Promise<PackageFigures> {
  const work = makeWorkDir();
  try {
    const tarball = await packTarball(work);
    const installed = await installTarball(tarball.path, { parent: work });
    return {
      tarballBytes: tarball.bytes,
      unpackedBytes: tarball.unpackedBytes,
      files: tarball.files.length,
      prodPackages: installed.packages - 1,
      installMs: installed.installMs,
    };
  } finally {
    removeDir(work);
  }
}
