import { basename, extname } from "node:path";
import { type Bucket, GlacierError, isBucket, LineageGraph } from "@glacier/core";
import { displayPath } from "./import-module.js";

/** A user module, loaded: its file and its exports. */
export interface LoadedModule {
  readonly file: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

interface Owner {
  readonly file: string;
  readonly exportName: string;
  readonly bucket: Bucket;
}

/** The name an exported bucket's pipeline gets: `withName`, else the export name (a default export: the file's). */
function pipelineName(bucket: Bucket, exportName: string, file: string): string {
  if (bucket.pipeline) return bucket.pipeline.name;
  return exportName === "default" ? basename(file, extname(file)) : exportName;
}

/**
 * All pipelines of all modules as ONE lineage graph: every exported Bucket goes in (those with lineage are
 * pipelines, the rest are storage), so a bucket written by one module's pipeline and read by another's
 * connects them. The same Bucket re-exported by two modules counts once; two different pipelines with one
 * name in two modules are an INVALID_NAME error naming both files.
 *
 * @example
 * ```ts
 * graphFromModules([{ file: "a.ts", exports: { sales } }, { file: "b.ts", exports: { report } }]).pipelines
 * // [{ name: "report", … }, { name: "sales", … }]
 * ```
 */
export function graphFromModules(modules: readonly LoadedModule[]): LineageGraph {
  const targets: Record<string, Bucket> = {};
  const pipelines = new Map<string, Owner>();
  const seen = new Set<Bucket>();
  for (const { file, exports } of modules) {
    for (const [exportName, value] of Object.entries(exports)) {
      if (!isBucket(value) || seen.has(value)) continue;
      seen.add(value);
      const name = pipelineName(value, exportName, file);
      if (value.lineage.length > 0) {
        const other = pipelines.get(name);
        if (other && other.file !== file) {
          throw new GlacierError(
            "INVALID_NAME",
            `two modules define it: ${displayPath(other.file)} (export ${other.exportName}) and ${displayPath(file)} (export ${exportName}).`,
            {
              subject: { kind: "pipeline", name },
              hint: "Give one of them another name with .withName(…), or pass one module as the entry.",
            },
          );
        }
        pipelines.set(name, { file, exportName, bucket: value });
      }
      // Keys only name pipelines without withName; storage-only buckets need a unique key, nothing more.
      let key = value.lineage.length > 0 && !value.pipeline ? name : `${displayPath(file)}#${exportName}`;
      for (let n = 2; key in targets; n++) key = `${displayPath(file)}#${exportName}#${n}`;
      targets[key] = value;
    }
  }
  return LineageGraph.from(targets);
}
