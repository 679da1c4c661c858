import { describe, expect, it } from "vitest";
import { messageOf, withoutPanic } from "../src/errors.js";

describe("polars messages as users see them", () => {
  it("drops Rust panic framing and keeps the error it carries", () => {
    const joined = new Error(
      'JoinError::Panic(Id(12), "called `Result::unwrap()` on an `Err` value: ComputeError(ErrString(\\"could not parse `x` as dtype `i64`\\"))", ...)',
    );
    expect(messageOf(joined, true)).toBe("could not parse `x` as dtype `i64`");
    expect(messageOf(joined, true)).not.toMatch(/JoinError|unwrap/);
    expect(
      withoutPanic(
        "thread 'polars-3' panicked at crates/polars-io/src/csv/read.rs:120:9:\ninvalid utf-8 sequence",
      ),
    ).toBe("invalid utf-8 sequence");
  });

  it("leaves ordinary messages alone", () => {
    expect(messageOf(new Error('not found: unable to find column "nope"\n\nplan: …'), true)).toBe(
      'not found: unable to find column "nope"',
    );
  });
});
