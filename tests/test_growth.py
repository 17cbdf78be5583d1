"""Costs that must grow with the input, not faster: measured as sizes and counts as the input
doubles (never as times; timings live in benchmarks/)."""

from __future__ import annotations

import pickle

import spinerules


def star(n: int) -> str:
    """N techniques under one root, and N rules on the root."""
    text = "fact f: bool\ntechnique root\n"
    text += "".join(f"technique c{i} under root\n" for i in range(n))
    return text + "".join(f'rule r{i}: if f then caution root because "x"\n' for i in range(n))


def chain(n: int) -> str:
    """N techniques and N sites, each under the one before."""
    text = "fact f: bool\ntechnique t0\nsite s0\n"
    text += "".join(
        f"technique t{i} under t{i - 1}\nsite s{i} under s{i - 1}\n" for i in range(1, n)
    )
    return text + 'rule r: if f then caution t0 at s0 because "x"\n'


def test_13_a_hierarchy_costs_what_it_is_not_rules_times_descendants() -> None:
    small, large = spinerules.compile_text(star(400)), spinerules.compile_text(star(800))
    # the generated code and the program's tables grow with the rules, not their square
    assert len(large.program.code) / len(small.program.code) < 2.3
    assert len(large.program.entries) == 2 * len(small.program.entries)
    # and the answer is still every child inheriting the root's caution
    res = large.evaluate({"f": True})
    assert res.verdict("c799") is spinerules.Verdict.CAUTION
    assert len(res.reasons("c799")) == 800


def test_16_a_long_chain_is_stored_in_linear_space() -> None:
    small = pickle.dumps(spinerules.compile_text(chain(1000)).model)
    large = pickle.dumps(spinerules.compile_text(chain(2000)).model)
    assert len(large) / len(small) < 2.3  # no chain of ancestors kept per node
    kb = spinerules.compile_text(chain(2000))
    assert kb.techniques["t1999"].ancestors[-1] == "t0"
    res = kb.evaluate({"f": True})
    assert res.verdict("t1999", at="s1999") is spinerules.Verdict.CAUTION
