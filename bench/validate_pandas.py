"""Case d, pandas column: validate the orders CSV against the 6-rule contract the way a Python
validator does it. Started by bench/run.ts in a fresh process:

    python3 bench/validate_pandas.py '<json spec: input, columns, rules>'

Every cell is read as text (so a bad value is counted, not a crash), typed with to_numeric /
to_datetime(errors='coerce'), nulls counted per column, then the rules evaluated on the typed values.
Prints `BENCH_RESULT {...}` like bench/case.ts: work seconds after the imports, peak RSS, process
CPU seconds, the counts.
"""

import json
import resource
import sys
import time

import pandas as pd


def typed(series, kind):
    if kind == "int64":
        v = pd.to_numeric(series, errors="coerce")
        return v.where(v % 1 == 0)
    if kind == "float64":
        return pd.to_numeric(series, errors="coerce")
    if kind == "timestamp":
        return pd.to_datetime(series, errors="coerce", utc=True)
    return series


def passed(rule, v):
    cond = rule["condition"]
    if cond == "not_null":
        return int(v.notna().sum())
    if cond == "greater_than":
        return int((v > rule["value"]).sum())
    if cond == "less_than":
        return int((v < rule["value"]).sum())
    lo, hi = rule["value"]
    return int(((v >= lo) & (v <= hi)).sum())


def main():
    spec = json.loads(sys.argv[1])
    columns = spec["columns"]
    t0 = time.perf_counter()
    df = pd.read_csv(spec["input"], dtype=str, keep_default_na=False, na_values=[""])
    nulls, bad, values = {}, {}, {}
    for col in columns:
        raw = df[col["name"]]
        v = typed(raw, col["type"])
        nulls[col["name"]] = int(raw.isna().sum())
        bad[col["name"]] = int((raw.notna() & v.isna()).sum())
        values[col["name"]] = v
    result = {
        "rows": int(len(df)),
        "nulls": nulls,
        "passed": {r["name"]: passed(r, values[r["field"]]) for r in spec["rules"]},
        "nonConforming": bad,
    }
    work = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kib = usage.ru_maxrss
    out = {
        "workSeconds": work,
        "peakRssMB": peak_kib * 1024 / 1e6,
        "cpuSeconds": usage.ru_utime + usage.ru_stime,
        "engineVersion": f"pandas {pd.__version__}",
        "checks": result,
    }
    print("BENCH_RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
