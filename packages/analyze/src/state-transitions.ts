/**
 * States one successful execution of an Amazon States Language definition enters: Step Functions standard
 * workflows bill one transition per state entered (retries add more; a successful run has none). A Choice
 * follows its `Default` (the path of an execution started without params, as a schedule starts it); a
 * Parallel enters itself and every branch; a Map its iterator `mapItems` times (a partitioned pipeline's
 * partitions).
 *
 * @example
 * ```ts
 * statesEntered({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } }); // 2
 * ```
 */
export function statesEntered(definition: Readonly<Record<string, unknown>>, mapItems = 1): number {
  const states = (definition["States"] ?? {}) as Record<string, Record<string, unknown>>;
  let name = definition["StartAt"] as string | undefined;
  let count = 0;
  const seen = new Set<string>();
  while (name !== undefined && !seen.has(name)) {
    seen.add(name);
    const state = states[name];
    if (!state) break;
    count++;
    switch (state["Type"]) {
      case "Parallel":
        for (const branch of (state["Branches"] ?? []) as Record<string, unknown>[])
          count += statesEntered(branch, mapItems);
        break;
      case "Map": {
        const inner = (state["ItemProcessor"] ?? state["Iterator"]) as Record<string, unknown> | undefined;
        // A partitioned pipeline's Map runs its iterator once per partition.
        if (inner) count += mapItems * statesEntered(inner, mapItems);
        break;
      }
      case "Choice": {
        const choices = (state["Choices"] ?? []) as { Next?: string }[];
        name = (state["Default"] as string | undefined) ?? choices[0]?.Next;
        continue;
      }
      default:
        break;
    }
    name = state["End"] === true ? undefined : (state["Next"] as string | undefined);
  }
  return count;
}
