import { Writable } from "node:stream";
import pc from "picocolors";
import type { Io } from "../../src/io.js";

/** An {@link Io} that keeps what is written, for in-process tests of the printing functions. */
export function memoryIo(): Io & { readonly output: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    }) as unknown as NodeJS.WriteStream;
  const plain = pc.createColors(false);
  return {
    out: (text) => void (stdout += text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => void (stderr += text.endsWith("\n") ? text : `${text}\n`),
    colors: plain,
    outColors: plain,
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    output: () => ({ stdout, stderr }),
  };
}
