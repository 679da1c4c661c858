import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import type { IHasher } from "hash-wasm";

type Create = () => Promise<IHasher>;
let create: Create | undefined;

/**
 * A new XXH3-128 hasher. hash-wasm's single-algorithm build is loaded (≈ 5 ms) instead of its index, which
 * compiles every algorithm it ships (≈ 100–300 ms). A literal `import()`, so a bundler (the Lambda bundle of
 * `glacier generate`) sees and includes it; the file is UMD, so its exports arrive as the default export.
 */
async function newHasher(): Promise<IHasher> {
  if (!create) {
    // `as string`: hash-wasm types its index only. The specifier stays a literal for bundlers.
    const loaded = (await import("hash-wasm/dist/xxhash128.umd.min.js" as string)) as {
      default?: { createXXHash128: Create };
      createXXHash128?: Create;
    };
    create = loaded.createXXHash128 ?? (loaded.default as { createXXHash128: Create }).createXXHash128;
  }
  return create();
}

const CHUNK = 4 * 1024 * 1024;
/** Files up to this size are read synchronously (see {@link hashFile}). */
const SMALL_FILE = 256 * 1024;

/**
 * Hashers and read buffers kept between hashes. Each new hasher instantiates its own WebAssembly memory and each
 * read buffer is 4 MiB outside the JavaScript heap: made afresh for every file, a run of many small steps
 * allocated both per output, and that external memory was what drove most of its full garbage collections.
 * A few are kept (as many as hashes run at once, usually one or two); more are made when more run at once.
 */
const KEEP = 4;
const idleHashers: IHasher[] = [];
const idleBuffers: Buffer[] = [];

async function withHasher<T>(use: (hash: IHasher) => Promise<T> | T): Promise<T> {
  const hash = idleHashers.pop() ?? (await newHasher());
  try {
    hash.init();
    return await use(hash);
  } finally {
    if (idleHashers.length < KEEP) idleHashers.push(hash);
  }
}

/**
 * The XXH3-128 digest of a file's bytes, as `xxh128:<hex>`; `knownSize`, when the caller has just stat'ed the
 * file, lets a small one be read in one synchronous call. A non-cryptographic hash is enough to tell
 * whether content changed (nobody forges Parquet files against their own pipeline) and runs at ~2 GB/s in
 * WebAssembly, where sha256 manages ~200 MB/s on the same machine.
 *
 * @example
 * ```ts
 * await hashFile("/data/acme/clean/sales.parquet"); // "xxh128:39c0e8efcc055f04…"
 * ```
 */
export async function hashFile(path: string, knownSize?: number): Promise<string> {
  return withHasher(async (hash) => {
    if (knownSize !== undefined && knownSize <= SMALL_FILE) {
      // A small file is read at once, on this thread: an open, a read and a close through libuv's thread pool
      // cost more than reading it. A file that grew since its size was taken is still read whole.
      hash.update(readFileSync(path));
      return `xxh128:${hash.digest("hex")}`;
    }
    const handle = await open(path, "r");
    const buffer = idleBuffers.pop() ?? Buffer.allocUnsafe(CHUNK);
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        hash.update(bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead));
      }
    } finally {
      if (idleBuffers.length < KEEP) idleBuffers.push(buffer);
      await handle.close();
    }
    return `xxh128:${hash.digest("hex")}`;
  });
}

/** The XXH3-128 digest of a string (a listing, a set of fingerprints). */
export async function hashText(text: string): Promise<string> {
  return withHasher((hash) => {
    hash.update(text);
    return `xxh128:${hash.digest("hex")}`;
  });
}
