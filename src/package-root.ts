import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * Returns the folder of this package (the one holding its package.json), from
 * the compiled dist/ tree and from the TypeScript sources that tests load.
 */
export function packageRoot(): string {
  if (cached !== undefined) {
    return cached;
  }

  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json')) || !isThisPackage(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(`package.json of imageserving not found above ${__dirname}`);
    }
    folder = parent;
  }

  cached = folder;
  return folder;
}

function isThisPackage(manifest: string): boolean {
  const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };

  return name === 'imageserving';
}

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };

  return version;
}

/** Returns the absolute path of the file package.json's bin runs as ImageServing. */
export function packageCommand(): string {
  const { bin } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string> };

  return join(packageRoot(), bin.ImageServing);
}
