import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashFile } from "../src/content-hash.js";
import { FileHashCache } from "../src/file-hash-cache.js";
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
