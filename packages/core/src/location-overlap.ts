import { matchesGlob } from "node:path";
import { GlacierError } from "./errors.js";
import { FILE_EXTENSIONS } from "./formats.js";
import type { BucketNode, StepNode } from "./nodes.js";

/** Who touches a location: the step writing it and the steps reading it. */
export interface LocationUse {
  readonly bucket: BucketNode;
  readonly writers: readonly StepNode[];
  readonly readers: readonly StepNode[];
}

function describeUse(use: LocationUse): string {
  const parts = [
    ...(use.writers.length > 0 ? [`written by ${names(use.writers)}`] : []),
    ...(use.readers.length > 0 ? [`read by ${names(use.readers)}`] : []),
  ];
  return `${use.bucket.location} (${parts.join(", ")})`;
}

function names(steps: readonly StepNode[]): string {
  const unique = [...new Set(steps.map((s) => `"${s.name}"`))];
  return `step${unique.length === 1 ? "" : "s"} ${unique.join(", ")}`;
}

/** The first index of `sorted` whose value is ≥ `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A file a step writes at `bucket` (a directory dataset is written as files inside it), for glob matching. */
function writtenFile(bucket: BucketNode): string {
  return bucket.path.endsWith("/")
    ? `${bucket.location}part-0.${FILE_EXTENSIONS[bucket.format]}`
    : bucket.location;
}

/**
 * Locations that contain another location a step writes or reads, where at least one of the two is written:
 * a directory dataset over another bucket (`raw/` over `raw/sales.parquet`), a glob matching another step's
 * output, a file path that another bucket treats as a directory. A step owns its whole output location: its
 * readers would read the other bucket's files as part of it, and the other bucket's writer would change it
 * behind the graph's back. Two locations that are only read may overlap.
 *
 * @example
 * ```ts
 * raw = local.bucket({ bucket: "acme", path: "raw/sales.parquet" });
 * raw.transform(copy).to(local.bucket({ bucket: "acme", path: "raw/", format: "parquet" }));
 * // GlacierError [LOCATION_OVERLAP] bucket "acme/raw/": /lake/acme/raw/ (written by step "copy") contains
 * // /lake/acme/raw/sales.parquet (read by step "copy"). …
 * ```
 */
export function overlapProblems(uses: readonly LocationUse[]): GlacierError[] {
  const byLocation = new Map(uses.map((u) => [u.bucket.location, u] as const));
  const sorted = [...byLocation.keys()].sort();
  const problems: GlacierError[] = [];
  const report = (outer: LocationUse, inner: LocationUse): void => {
    if (outer.writers.length === 0 && inner.writers.length === 0) return;
    problems.push(
      new GlacierError("LOCATION_OVERLAP", `${describeUse(outer)} contains ${describeUse(inner)}.`, {
        subject: { kind: "bucket", name: outer.bucket.id },
        hint:
          outer.writers.length > 0
            ? `A step owns its whole output location: give "${outer.bucket.id}" a path no other bucket lives under, or move "${inner.bucket.id}" out of it.`
            : `"${outer.bucket.id}" would read what "${inner.bucket.id}"'s writer writes without depending on it: move one of them.`,
      }),
    );
  };
  for (const outer of uses) {
    const { location, path } = outer.bucket;
    if (outer.bucket.dataset && !path.endsWith("/")) {
      // A glob: only written locations matter inside it (two read locations may overlap).
      // Node's own matcher (minimatch semantics, as the readers' globs): core stays free of dependencies.
      for (const inner of uses) {
        if (inner !== outer && inner.writers.length > 0 && matchesGlob(writtenFile(inner.bucket), location)) {
          report(outer, inner);
        }
      }
      continue;
    }
    // A directory holds every location that starts with it; a file, every location under `<file>/`.
    const prefix = path.endsWith("/") ? location : `${location}/`;
    for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
      const other = sorted[i] as string;
      if (!other.startsWith(prefix)) break;
      if (other !== location) report(outer, byLocation.get(other) as LocationUse);
    }
  }
  return problems;
}
