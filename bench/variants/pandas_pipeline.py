"""The benchmark pipeline on pandas (Debian's python3-pandas, the default backend of Gluepy).

Debian 12 ships neither pyarrow nor fastparquet, so pandas cannot read or write Parquet here: this variant
reads CSV copies of the same dataset (bench/generate.mjs --csv) and materialises its intermediates as CSV.
Idiomatic, reasonably tuned pandas: declared dtypes, only the needed columns, vectorised operations.

    python3 bench/variants/pandas_pipeline.py --rows N --out DIR
"""
import argparse
import json
import os
import time

import pandas as pd

VALID_STATUSES = ["completed", "shipped", "pending", "returned"]
ORDER_DTYPES = {
    "order_id": "int64",
    "customer_id": "int64",
    "product_id": "int32",
    "amount": "float64",
    "quantity": "int32",
    "status": "object",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", f"rows-{args.rows}", "csv")
    os.makedirs(args.out, exist_ok=True)
    clean_path = os.path.join(args.out, "clean.csv")
    enriched_path = os.path.join(args.out, "enriched.csv")
    summary_path = os.path.join(args.out, "summary.csv")
    steps = []

    def step(name, fn):
        started = time.perf_counter()
        fn()
        steps.append({"name": name, "ms": round((time.perf_counter() - started) * 1000)})

    def clean():
        orders = pd.read_csv(os.path.join(root, "orders.csv"), dtype=ORDER_DTYPES, parse_dates=["day"])
        orders["status"] = orders["status"].str.strip().str.lower()
        keep = (orders["amount"] > 0) & (orders["quantity"] > 0) & orders["status"].isin(VALID_STATUSES)
        orders = orders[keep]
        orders = orders.assign(revenue=orders["amount"] * orders["quantity"])
        orders.to_csv(clean_path, index=False, date_format="%Y-%m-%d")

    def enrich():
        orders = pd.read_csv(clean_path, dtype=ORDER_DTYPES, parse_dates=["day"])
        customers = pd.read_csv(
            os.path.join(root, "customers.csv"),
            usecols=["customer_id", "region", "segment"],
            dtype={"customer_id": "int64"},
        )
        enriched = orders.merge(customers, on="customer_id", how="inner")
        enriched.to_csv(enriched_path, index=False, date_format="%Y-%m-%d")

    def aggregate():
        enriched = pd.read_csv(
            enriched_path,
            usecols=["day", "quantity", "status", "revenue", "region", "segment"],
            dtype={"quantity": "int32", "revenue": "float64"},
            parse_dates=["day"],
        )
        enriched["year"] = enriched["day"].dt.year
        enriched["month"] = enriched["day"].dt.month
        summary = (
            enriched.groupby(["region", "segment", "year", "month", "status"], sort=True)
            .agg(orders=("status", "size"), units=("quantity", "sum"), revenue=("revenue", "sum"))
            .reset_index()
        )
        summary.to_csv(summary_path, index=False)

    step("clean", clean)
    step("enrich", enrich)
    step("aggregate", aggregate)
    print(json.dumps({"variant": "pandas", "steps": steps}))


if __name__ == "__main__":
    main()
