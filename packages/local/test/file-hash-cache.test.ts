import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashFile } from "../src/content-hash.js";
import { RunStore } from "@glacier/engine";
import { FileHashCache, UNCACHED_BYTES } from "../src/file-hash-cache.js";
import { statFile } from "../src/local-files.js";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
afterEach(() => project?.cleanup());

describe("FileHashCache", () => {
  it("shares one read between concurrent requests for the same file, and reads again once it changed", async () => {
    project = testProject();
    const path = join(project.data, "blob.bin");
    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024, 7));
    const cache = new FileHashCache(undefined);
    const before = await statFile(path);
    if (!before) throw new Error("the fixture file was not written");

    const first = cache.hash(path, before.statKey);
    const second = cache.hash(path, before.statKey);
    expect(second).toBe(first);
    expect(await first).toBe(await hashFile(path));

    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024, 8));
    const after = await statFile(path);
    if (!after) throw new Error("the fixture file was not rewritten");
    expect(after.statKey).not.toBe(before.statKey);
    const changed = await cache.hash(path, after.statKey);
    expect(changed).not.toBe(await first);
    expect(changed).toBe(await hashFile(path));
  });
});

describe("FileHashCache entries", () => {
  it("are written for files above UNCACHED_BYTES only; a small file is hashed again by the next run, rightly", async () => {
    project = testProject();
    const store = new RunStore(project.dir);
    const small = join(project.data, "small.bin");
    const large = join(project.data, "large.bin");
    writeFileSync(small, Buffer.alloc(UNCACHED_BYTES, 1));
    writeFileSync(large, Buffer.alloc(UNCACHED_BYTES + 1, 2));
    const stats = await Promise.all([statFile(small), statFile(large)]);
    const [smallStat, largeStat] = stats;
    if (!smallStat || !largeStat) throw new Error("the fixture files were not written");
    const run = new FileHashCache(store);
    expect(await run.hash(small, smallStat.statKey)).toBe(await hashFile(small));
    expect(await run.hash(large, largeStat.statKey)).toBe(await hashFile(large));
    expect(existsSync(store.cachePath("files", small))).toBe(false);
    expect(existsSync(store.cachePath("files", large))).toBe(true);

    // The next run (a new cache on the same store): the large file's entry is used, the small file read again.
    writeFileSync(small, Buffer.alloc(UNCACHED_BYTES, 3));
    const smallAgain = await statFile(small);
    if (!smallAgain) throw new Error("the fixture file was not rewritten");
    const next = new FileHashCache(store);
    expect(await next.hash(small, smallAgain.statKey)).toBe(await hashFile(small));
    expect(await next.hash(small, smallAgain.statKey)).not.toBe(await run.hash(small, smallStat.statKey));
    expect(await next.hash(large, largeStat.statKey)).toBe(await hashFile(large));
  });
});
