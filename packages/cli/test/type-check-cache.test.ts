import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { typeCheck } from "../src/load/type-check.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A project fixture: pipeline.ts imports ./values.ts. */
function project(values = "export const n: number = 1;\n"): string {
  dir = mkdtempSync(join(tmpdir(), "glacier-tscache-"));
  writeFileSync(
    join(dir, "pipeline.ts"),
    'import { n } from "./values.ts";\nexport const twice: number = n * 2;\n',
  );
  writeFileSync(join(dir, "values.ts"), values);
  return join(dir, "pipeline.ts");
}

const entries = () => readdirSync(join(dir, ".glacier", "cache", "typecheck"));
const messages = (result: Awaited<ReturnType<typeof typeCheck>>) => result.diagnostics.map((d) => d.message);

describe("typeCheck's cache", () => {
  it("stores a result under .glacier/cache/typecheck and returns it while nothing it read changed", async () => {
    const entry = project();
    const first = await typeCheck([entry], dir);
    expect(first.diagnostics).toEqual([]);
    expect(entries()).toHaveLength(1);
    // Proof that the second check is the stored one: a result planted in the entry comes back.
    const path = join(dir, ".glacier", "cache", "typecheck", entries()[0] as string);
    const stored = JSON.parse(readFileSync(path, "utf8")) as { result: { files: number } };
    stored.result.files = 99;
    writeFileSync(path, JSON.stringify(stored));
    expect((await typeCheck([entry], dir)).files).toBe(99);
  });

  it("checks again when an imported file changes, even to text of the same size with its mtime set back", async () => {
    const entry = project("export const n: number = 10;\n");
    expect((await typeCheck([entry], dir)).diagnostics).toEqual([]);
    const values = join(dir, "values.ts");
    const before = statSync(values);
    writeFileSync(values, 'export const n: number = "";\n');
    expect(statSync(values).size).toBe(before.size);
    utimesSync(values, before.atime, before.mtime);
    expect(messages(await typeCheck([entry], dir))).toEqual([
      "Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("keeps only a clean result, and checks again when a tsconfig.json or a probed file appears", async () => {
    const entry = project();
    writeFileSync(join(dir, "pipeline.ts"), "export const x = (v) => v;\n");
    expect(messages(await typeCheck([entry], dir))).toEqual(["Parameter 'v' implicitly has an 'any' type."]);
    expect(existsSync(join(dir, ".glacier"))).toBe(false);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: false,
          module: "preserve",
          noEmit: true,
          allowImportingTsExtensions: true,
        },
      }),
    );
    expect((await typeCheck([entry], dir)).diagnostics).toEqual([]);
    expect(entries()).toHaveLength(1);

    // "./later" resolves to later.d.ts while later.ts does not exist; once it does, it wins.
    writeFileSync(join(dir, "later.d.ts"), "export declare const m: number;\n");
    writeFileSync(join(dir, "pipeline.ts"), 'import { m } from "./later";\nexport const y: number = m;\n');
    expect((await typeCheck([entry], dir)).diagnostics).toEqual([]);
    writeFileSync(join(dir, "later.ts"), 'export const m = "three";\n');
    expect(messages(await typeCheck([entry], dir))).toEqual([
      "Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("writes nothing with store: false (run --plan), and still reads what a check kept", async () => {
    const entry = project();
    expect((await typeCheck([entry], dir, { store: false })).diagnostics).toEqual([]);
    expect(existsSync(join(dir, ".glacier"))).toBe(false);
    await typeCheck([entry], dir);
    const path = join(dir, ".glacier", "cache", "typecheck", entries()[0] as string);
    const stored = JSON.parse(readFileSync(path, "utf8")) as { result: { files: number } };
    stored.result.files = 77;
    writeFileSync(path, JSON.stringify(stored));
    expect((await typeCheck([entry], dir, { store: false })).files).toBe(77);
  });
});
