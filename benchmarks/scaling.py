"""How the costs that once grew faster than their input grow now (the reliability audit's
items 13-17): each workload at N and 2N and 4N, timed, with the growth exponent k in
time ∝ N^k (1 is linear; the audit measured about 2 to 3 for each before the fixes).

    python -m benchmarks.scaling            # prints the table, writes benchmarks/scaling.json
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import spinerules
from spinerules import RulesError

OUT = Path(__file__).with_name("scaling.json")


def star(n: int) -> str:
    text = "fact f: bool\ntechnique root\n"
    text += "".join(f"technique c{i} under root\n" for i in range(n))
    return text + "".join(f'rule r{i}: if f then caution root because "x"\n' for i in range(n))


def chain(n: int) -> str:
    text = "fact f: bool\ntechnique t0\nsite s0\n"
    text += "".join(
        f"technique t{i} under t{i - 1}\nsite s{i} under s{i - 1}\n" for i in range(1, n)
    )
    return text + 'rule r: if f then caution t0 at s0 because "x"\n'


def errors(n: int) -> str:
    return "fact f: bool\ntechnique t\n" + "".join(f"if f then caution t{i}\n" for i in range(n))


def misspelt(n: int) -> str:
    facts = "".join(f"fact fact{i}: bool\n" for i in range(n))
    return facts + "technique t\n" + "".join(f"if fakt{i} then caution t\n" for i in range(n))


def late_syntax_error(n: int) -> str:
    body = "".join(f'rule r{i}: if f then caution t because "x"\n' for i in range(n))
    return "fact f: bool\ntechnique t\n" + body + "if f then caution\n"


WORKLOADS: dict[str, tuple[Callable[[int], str], tuple[int, ...]]] = {
    "13 technique tree: N children under a root, N rules on it": (star, (1000, 2000, 4000)),
    "16 chain of N techniques and N sites": (chain, (1000, 2000, 4000)),
    "14 N errors in one file": (errors, (2500, 5000, 10000)),
    "15 N misspelt uses of N facts": (misspelt, (500, 1000, 2000)),
    "17 N rules and a syntax error at the end": (late_syntax_error, (2500, 5000, 10000)),
}


def seconds(text: str) -> float:
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        try:
            spinerules.compile_text(text, name="scaling.rules")
        except RulesError as exc:
            exc.errors  # noqa: B018 - the errors are made, as a caller would see them
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rows = []
    for title, (make, sizes) in WORKLOADS.items():
        times = [seconds(make(n)) for n in sizes]
        k = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
        rows.append({"workload": title, "sizes": sizes, "seconds": times, "exponent": k})
        shown = ", ".join(f"N={n}: {t:.3f} s" for n, t in zip(sizes, times, strict=True))
        print(f"{title}: {shown}; exponent {k:.2f}")
    OUT.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
