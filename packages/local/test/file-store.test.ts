import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../src/index.js";
import { testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

describe("createFileStore (local paths)", () => {
  it("writes, reads, lists, copies and removes files", async () => {
    project = testProject();
    const files = createFileStore();
    const dir = `${project.data}/models`;
    expect(await files.exists(dir)).toBe(false);
    await files.write(`${dir}/v1/model.json`, '{"w":[1,2]}');
    await files.write(`${dir}/v1/weights.bin`, new Uint8Array([1, 2, 3]));
    expect(await files.exists(`${dir}/v1/model.json`)).toBe(true);
    expect(await files.readText(`${dir}/v1/model.json`)).toBe('{"w":[1,2]}');
    expect([...(await files.read(`${dir}/v1/weights.bin`))]).toEqual([1, 2, 3]);
    await files.cp(`${dir}/v1/model.json`, `${dir}/v2/model.json`);
    await files.mkdir(`${dir}/empty`);
    expect(await files.ls(dir)).toEqual([
      { path: `${dir}/empty`, type: "directory" },
      { path: `${dir}/v1`, type: "directory" },
      { path: `${dir}/v2`, type: "directory" },
    ]);
    expect(await files.ls(`${dir}/v1`)).toEqual([
      { path: `${dir}/v1/model.json`, type: "file", size: 11 },
      { path: `${dir}/v1/weights.bin`, type: "file", size: 3 },
    ]);
    await files.rm(`${dir}/v1`, { recursive: true });
    expect(await files.exists(`${dir}/v1`)).toBe(false);
    expect(project.files()).toEqual({ "models/v2/model.json": 11 });
  });

  it("maps s3:// URLs under localStorage", async () => {
    project = testProject();
    const files = createFileStore({ localStorage: project.data });
    await files.write("s3://acme-data/reports/summary.txt", "ok");
    expect(project.files()).toEqual({ "acme-data/reports/summary.txt": 2 });
    expect(await files.readText("s3://acme-data/reports/summary.txt")).toBe("ok");
  });

  it("reports a missing file as STORAGE_ERROR naming it", async () => {
    project = testProject();
    const error = await rejection(() => createFileStore().read(`${project.data}/nope.txt`));
    expect(error.code).toBe("STORAGE_ERROR");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"file "<project>/data/nope.txt": cannot read <project>/data/nope.txt: not found (ENOENT: no such file or directory, open '<project>/data/nope.txt'). Check the bucket name and path, or create the data first."`,
    );
  });
});
