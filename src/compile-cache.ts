import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { Script } from 'node:vm';

/**
 * V8 code cache for the bundled chunks of the command. Node.js 20 has no
 * module.enableCompileCache (added in 22.1), and compiling the chunks (yaml and
 * commander among them) is a large part of a short command's run time. The
 * cache lives in $XDG_CACHE_HOME/imageserving (~/.cache/imageserving by
 * default), one folder per V8 version, and is written only on a miss.
 * IMAGESERVING_NO_COMPILE_CACHE=1 turns it off.
 */

type CompileMethod = (this: Module, content: string, filename: string) => unknown;

interface PendingEntry {
  script: Script;
  file: string;
}

/** Wrapper Node.js 20 puts around a CommonJS module, kept here so the cached code matches what runs. */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_END = '\n});';

/** Returns the cache folder, or undefined when it cannot be created or another account could write to it. */
function cacheFolder(): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  const folder = join(base, 'imageserving', `v8-${process.versions.v8}-${process.arch}`);

  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const { uid, mode } = statSync(folder);
    // V8 runs cached code as it finds it, so a folder that another account can write to is not trusted.
    return uid === process.getuid?.() && (mode & 0o022) === 0 ? folder : undefined;
  } catch {
    return undefined;
  }
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the code V8 compiled during this run, so the next run skips parsing and compiling it. */
function writeEntries(entries: PendingEntry[]): void {
  for (const { script, file } of entries) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      // A cache that cannot be written only costs the next run its speed-up.
    }
  }
}

/**
 * Compiles the modules under chunkFolder with V8's code cache. The chunk
 * names carry a hash of their content, so a rebuilt chunk gets a new entry.
 */
export function enableCompileCache(chunkFolder: string): void {
  const noCache = process.env.IMAGESERVING_NO_COMPILE_CACHE;
  const folder = noCache === undefined || noCache === '' || noCache === '0' ? cacheFolder() : undefined;
  if (folder === undefined) {
    return;
  }

  const prototype = Module.prototype as unknown as { _compile: CompileMethod };
  const compile = prototype._compile;
  const pending: PendingEntry[] = [];
  const prefix = chunkFolder.endsWith(sep) ? chunkFolder : chunkFolder + sep;

  prototype._compile = function compileWithCache(this: Module, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix)) {
      return compile.call(this, content, filename);
    }

    const file = join(folder, `${basename(filename)}.v8`);
    const cachedData = readCache(file);
    const script = new Script(WRAPPER_START + content + WRAPPER_END, { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) {
      pending.push({ script, file });
    }

    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
    return undefined;
  };

  // NOTE: entries of earlier builds stay in the folder until removed by hand; each is under 1 MB.
  process.once('exit', () => writeEntries(pending));
}
