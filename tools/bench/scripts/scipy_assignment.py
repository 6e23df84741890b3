#!/usr/bin/python3
"""The baseline of the assignment row: scipy.optimize.linear_sum_assignment on the instance
files written by pasar-bench-assign, timed the same way (median of --repeat runs of the solve
alone). Reads pasar-bench-assign's JSON on stdin, prints it back with a "scipy" entry and the
cost comparison for each instance.

    pasar-bench-assign --dir D | scipy_assignment.py [--repeat 3]
"""
import argparse
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def solve(path, repeat):
    with open(path, "rb") as f:
        rows, cols = np.frombuffer(f.read(16), dtype="<i8")
        cost = np.frombuffer(f.read(), dtype="<f8").reshape(int(rows), int(cols))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r, c = linear_sum_assignment(cost)
        times.append(time.perf_counter() - t0)
    times.sort()
    return {
        "seconds": times[len(times) // 2],
        "seconds_min": times[0],
        "total_cost": float(cost[r, c].sum()),
        "matched": int(len(r)),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report = json.load(sys.stdin)
    for inst in report["instances"]:
        theirs = solve(inst["file"], max(1, args.repeat))
        inst["scipy"] = theirs
        ours, base = inst["total_cost"], theirs["total_cost"]
        inst["relative_cost_difference"] = abs(ours - base) / max(abs(base), 1e-300)
        inst["same_cost"] = inst["relative_cost_difference"] <= 1e-9 and inst["matched"] == theirs["matched"]
        inst["speedup_vs_scipy"] = theirs["seconds"] / inst["seconds"] if inst["seconds"] > 0 else None
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
