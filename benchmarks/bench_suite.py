"""Benchmark: the whole conformance suite against the embedded mock (target: <= 30 s, >= 200 checks).

    python benchmarks/bench_suite.py [--profile NAME]

Prints the wall time, the time per category (sum of check durations), the number of checks
(property checks counted once; their generated examples are reported separately) and the ratio
against the 30 s target.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

from ollama_conformance.suites.conformance import test_properties
from ollama_conformance.suites.harness.runner import build_parser, config_from, run

TARGET_S = 30.0
MIN_CHECKS = 200


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--profile", default=None)
    opts = cli.parse_args(argv)
    parser = build_parser()
    args = parser.parse_args(["--quiet", *(["--profile", opts.profile] if opts.profile else [])])
    start = time.perf_counter()
    code, report = run(config_from(args, parser), args)
    wall = time.perf_counter() - start
    if report is None:
        print(f"suite did not run (exit {code})", file=sys.stderr)
        return 2
    per_category: dict[str, list[float]] = defaultdict(list)
    for result in report["results"]:
        per_category[result["category"]].append(result["duration_s"])
    print(f"{'category':<15}{'checks':>8}{'time s':>10}")
    for category, times in sorted(per_category.items()):
        print(f"{category:<15}{len(times):>8}{sum(times):>10.2f}")
    checks = report["summary"]["total"]
    props = sum(1 for r in report["results"] if r["id"].startswith("property."))
    print(f"checks: {checks}, {props} of them property checks (each counted once; their up to "
          f"{test_properties.EXAMPLES} generated requests each are not counted)")
    print(f"summary: {report['summary']}")
    print(f"wall time (mock start, discovery, pytest, checks): {wall:.2f}s; "
          f"ratio to the {TARGET_S:.0f}s target: {wall / TARGET_S:.2f} (<= 1 is good); "
          f"checks >= {MIN_CHECKS}: {'yes' if checks >= MIN_CHECKS else 'NO'}")
    return 0 if wall <= TARGET_S and checks >= MIN_CHECKS else 1


if __name__ == "__main__":
    raise SystemExit(main())
