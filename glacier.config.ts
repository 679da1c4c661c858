// The pipelines `npx glacier …` finds at the repository root: the three examples, one graph. Their pipeline
// names are distinct and they share one region, so every README command works here as written.
import { defineConfig } from "@glacier/cli";

export default defineConfig({ pipelines: ["examples/*/pipeline.ts"] });
