/**
 * The benchmark's pipeline: one small source read by eight independent Lambda steps (`fanout0` … `fanout7`),
 * each writing its own output, so their dispatch overlaps completely.
 */
import pl from "nodejs-polars";
import { Provider, type Bucket } from "@glacier/core";

export const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless({ memory: 1024, timeout: 60 });

const BUCKET = "glacier-bench-fanout";
const source = provider.bucket({ bucket: BUCKET, path: "raw/numbers.csv" });

function fanout(i: number): Bucket {
  const task = lambda.task(
    Object.defineProperty((df: pl.LazyDataFrame) => df.select(pl.col("n").mul(i)), "name", {
      value: `fanout${i}`,
    }),
  );
  return source.transform(task).to(provider.bucket({ bucket: BUCKET, path: `out/fanout${i}.parquet` }));
}

export const fanout0 = fanout(0).withName("fanout0");
export const fanout1 = fanout(1).withName("fanout1");
export const fanout2 = fanout(2).withName("fanout2");
export const fanout3 = fanout(3).withName("fanout3");
export const fanout4 = fanout(4).withName("fanout4");
export const fanout5 = fanout(5).withName("fanout5");
export const fanout6 = fanout(6).withName("fanout6");
export const fanout7 = fanout(7).withName("fanout7");
