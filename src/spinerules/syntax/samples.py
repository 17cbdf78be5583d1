"""Hypothesis strategies for random valid rules files (for property tests of tools like `fmt`).

`rule_sources()` draws the text of one self-contained `.rules` file that parses and validates:
a header, facts of every kind, technique and site hierarchies, rules using every condition and
action form, and in-file tests, in a shuffled order, with comments (on their own lines, after
code, inside statements) and a messy layout (line breaks and spaces between any two tokens,
redundant parentheses, no spaces around punctuation, several statements on a line).

hypothesis is a test dependency only: it is imported when a strategy is built, and nothing in
the package's runtime code imports this module.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .grammar import words_of
from .unparse import quote

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

__all__ = ["rule_sources"]

_PUNCT = frozenset({"=", "!=", "<", "<=", ">", ">=", ",", "{", "}", "(", ")", ":", "|", ".."})


def rule_sources(*, comments: bool = True, messy: bool = True) -> SearchStrategy[str]:
    """Texts of valid rules files (they compile with `compile_text` without `use`).

    `comments=False` leaves comments out; `messy=False` writes one space between tokens and one
    line per statement instead of a random layout.
    """
    from hypothesis import strategies as st

    keywords = _keywords()
    names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
        lambda s: s not in keywords
    )
    text = st.text(
        st.one_of(
            st.characters(
                codec="utf-8",
                categories=("L", "N", "P", "S", "Zs"),
                exclude_characters="\n\r",
            ),
            # characters that end a line for str.splitlines() but not for the parser
            st.sampled_from("\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
        ),
        max_size=24,
    )
    comment = text.map(lambda t: "#" + t.rstrip())

    @st.composite
    def build(draw: DrawFn) -> str:
        used: set[str] = set()
        statements: list[list[str]] = []

        def fresh() -> str:
            name = draw(names.filter(lambda s: s not in used))
            used.add(name)
            return name

        def flip() -> bool:
            return draw(st.booleans())

        def maybe_string() -> list[str]:
            return [quote(draw(text))] if flip() else []

        def listed(items: list[str]) -> list[str]:
            """`{a, b}` as tokens."""
            return ["{", *_joined([[item] for item in items], ","), "}"]

        # header
        if flip():
            title = maybe_string()
            statements.append(["ruleset", fresh(), *title])
        if flip():
            statements.append(["document", quote(draw(text))])
        if flip():
            statements.append(["version", quote(draw(text))])
        if flip():
            day = draw(st.dates())
            statements.append(["reviewed", f"{day.year:04d}-{day.month:02d}-{day.day:02d}"])
        for study in draw(st.lists(text, max_size=2)):
            statements.append(["study", quote(study)])

        def session() -> list[str]:
            return ["session"] if draw(st.integers(0, 3)) == 0 else []

        # facts
        facts: dict[str, tuple[str, Any]] = {}
        for _ in range(draw(st.integers(1, 5))):
            name = fresh()
            kind = draw(st.sampled_from(["enum", "ordered", "int", "bool", "set"]))
            if kind == "bool":
                facts[name] = (kind, None)
                statements.append(["fact", name, ":", "bool", *session(), *maybe_string()])
            elif kind == "int":
                low = draw(st.integers(-20, 50))
                high = draw(st.integers(low, low + 30))
                facts[name] = (kind, (low, high))
                statements.append(["fact", name, ":", "int", str(low), "..", str(high)])
                statements[-1] += [*session(), *maybe_string()]
            else:
                values = draw(
                    st.lists(names, min_size=2 if kind == "ordered" else 1, max_size=4, unique=True)
                )
                facts[name] = (kind, values)
                sep = "<" if kind == "ordered" else "|"
                words = {"enum": [], "ordered": ["ordered"], "set": ["set", "of"]}[kind]
                body = _joined([[v] for v in values], sep)
                statements.append(["fact", name, ":", *words, *body, *session(), *maybe_string()])

        def hierarchy(word: str, low: int, high: int) -> list[str]:
            made: list[str] = []
            for _ in range(draw(st.integers(low, high))):
                name = fresh()
                under = ["under", draw(st.sampled_from(made))] if made and flip() else []
                explicit = ["explicit"] if draw(st.integers(0, 2)) == 0 else []
                statements.append([word, name, *under, *explicit, *maybe_string()])
                made.append(name)
            return made

        techniques = hierarchy("technique", 1, 4)
        sites = hierarchy("site", 0, 3)

        # conditions, as token lists with minimal or redundant parentheses
        def value(fact: str) -> str:
            kind, domain = facts[fact]
            if kind == "int":
                return str(draw(st.integers(*domain)))
            if kind == "bool":
                return draw(st.sampled_from(["true", "false"]))
            return str(draw(st.sampled_from(domain)))

        def value_set(fact: str) -> list[str]:
            items = [value(fact) for _ in range(draw(st.integers(1, 3)))]
            return listed(items)

        def atom() -> list[str]:
            fact = draw(st.sampled_from(sorted(facts)))
            kind = facts[fact][0]
            forms = ["known", "unknown"]
            forms += {
                "enum": ["eq", "ne", "in", "nin"],
                "ordered": ["eq", "ne", "in", "nin", "order"],
                "int": ["eq", "ne", "in", "nin", "order"],
                "bool": ["truthy", "eq", "ne"],
                "set": ["has", "any", "all"],
            }[kind]
            form = draw(st.sampled_from(forms))
            if form in ("known", "unknown"):
                return [fact, "is", form]
            if form == "truthy":
                return [fact]
            if form in ("eq", "ne"):
                return [fact, "=" if form == "eq" else "!=", value(fact)]
            if form == "order":
                return [fact, draw(st.sampled_from(["<", "<=", ">", ">="])), value(fact)]
            if form == "in":
                return [fact, "in", *value_set(fact)]
            if form == "nin":
                return [fact, "not", "in", *value_set(fact)]
            if form == "has":
                return [fact, "has", value(fact)]
            return [fact, "has", form, *value_set(fact)]

        def condition(depth: int, parent: str) -> list[str]:
            """`parent`: "" (top), "or", "and" or "not": decides which parentheses are needed."""
            shape = draw(st.sampled_from(["atom", "atom", "not", "and", "or"])) if depth else "atom"
            if shape == "atom":
                out = atom()
                needed = False
            elif shape == "not":
                out = ["not", *condition(depth - 1, "not")]
                needed = False
            else:
                parts = [condition(depth - 1, shape) for _ in range(draw(st.integers(2, 3)))]
                out = _joined(parts, shape)
                needed = parent == "not" or (parent == "and" and shape == "or") or parent == shape
            if needed or (parent and draw(st.integers(0, 4)) == 0):
                out = ["(", *out, ")"]
            return out

        def targets(pool: list[str]) -> list[str]:
            chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
            if len(chosen) == 1 and flip():
                return chosen
            return listed(chosen)

        def action() -> list[str]:
            kind = draw(st.sampled_from(["verdict", "verdict", "refer", "require", "advise"]))
            if kind == "verdict":
                out = [draw(st.sampled_from(words_of("verdict_verb"))), *targets(techniques)]
                if sites and flip():
                    out += ["at", *targets(sites)]
                return out + maybe_string()
            if kind == "refer":
                return ["refer", draw(st.sampled_from(["urgent", "routine"])), quote(draw(text))]
            if kind == "require":
                return ["require", fresh(), *maybe_string()]
            topic = [fresh()] if flip() else []
            return ["advise", *topic, quote(draw(text))]

        rule_ids: list[str] = []
        for _ in range(draw(st.integers(0, 4))):
            rule_head: list[str] = []
            if flip():
                rule_ids.append(fresh())
                rule_head = ["rule", rule_ids[-1], ":"]
            actions = [action() for _ in range(draw(st.integers(1, 3)))]
            whole = ["always"] if draw(st.integers(0, 7)) == 0 else condition(2, "")
            body = ["if", *whole, "then"]
            body += _joined(actions, ",")
            meta = [
                ["cite", *maybe_string(), "quote", quote(draw(text))]
                for _ in range(draw(st.integers(0, 2)))
            ]
            if flip():
                meta.insert(draw(st.integers(0, len(meta))), ["because", quote(draw(text))])
            if draw(st.integers(0, 3)) == 0:
                meta.insert(draw(st.integers(0, len(meta))), ["generalizes", quote(draw(text))])
            statements.append([*rule_head, *body, *(tok for m in meta for tok in m)])

        # tests
        for _ in range(draw(st.integers(0, 3))):
            given_facts = draw(st.lists(st.sampled_from(sorted(facts)), max_size=4, unique=True))
            givens: list[list[str]] = []
            for fact in given_facts:
                if facts[fact][0] == "set":
                    chosen = draw(
                        st.lists(st.sampled_from(facts[fact][1]), max_size=3, unique=True)
                    )
                    givens.append([fact, "=", *listed(chosen)])
                else:
                    givens.append([fact, "=", value(fact)])
            expects: list[list[str]] = []
            for _ in range(draw(st.integers(1, 4))):
                kind = draw(
                    st.sampled_from(
                        [
                            "verdict",
                            "verdict",
                            "referral",
                            "requirement",
                            "missing",
                            "disagreement",
                            "fires",
                        ]
                    )
                )
                if kind == "verdict":
                    exp = [
                        draw(st.sampled_from(words_of("verdict_word"))),
                        draw(st.sampled_from(techniques)),
                    ]
                    if sites and flip():
                        exp += ["at", draw(st.sampled_from(sites))]
                elif kind == "referral":
                    exp = ["referral", draw(st.sampled_from(["none", "urgent", "routine"]))]
                elif kind == "requirement":
                    exp = ["requirement", draw(st.one_of(st.just("none"), names))]
                elif kind == "missing":
                    exp = ["missing", draw(st.sampled_from(sorted(facts)))]
                elif kind == "disagreement":
                    exp = ["disagreement", draw(st.sampled_from(techniques))]
                elif rule_ids:
                    exp = ["fires", draw(st.sampled_from(rule_ids))]
                else:
                    exp = ["referral", "none"]
                expects.append(exp)
            given_tokens = _joined(givens, ",") if givens else ["nothing"]
            statements.append(
                [
                    *("test", quote(draw(text)), ":", "given", *given_tokens),
                    *("expect", *_joined(expects, ",")),
                ]
            )

        order = draw(st.permutations(statements))

        # layout
        def gap_in_statement(left: str, right: str) -> str:
            if not messy:
                return "" if right in (",", ":") else " "
            choices = [" ", " ", " ", "  ", "\n  ", "\n    ", "\n\t"]
            if left in _PUNCT or right in _PUNCT:
                choices.append("")
            if comments:
                choices += ["  {c}\n  ", "\n{c}\n  "]
            gap = draw(st.sampled_from(choices))
            return gap.replace("{c}", draw(comment)) if "{c}" in gap else gap

        def gap_between() -> str:
            if not messy:
                return "\n"
            choices = ["\n", "\n", "\n\n", "\n\n\n", " "]
            if comments:
                choices += ["  {c}\n", "\n{c}\n", "\n\n{c}\n\n"]
            gap = draw(st.sampled_from(choices))
            return gap.replace("{c}", draw(comment)) if "{c}" in gap else gap

        out: list[str] = []
        if comments and flip():
            out.append(draw(comment) + "\n" + draw(st.sampled_from(["", "\n"])))
        for i, stmt in enumerate(order):
            if i:
                out.append(gap_between())
            out.append(stmt[0])
            for left, right in itertools.pairwise(stmt):
                out.append(gap_in_statement(left, right) + right)
        if comments and flip():
            out.append("\n" + draw(comment))
        return "".join(out) + "\n"

    return build()


def _joined(parts: list[list[str]], sep: str) -> list[str]:
    """Token lists joined by a separator token."""
    out: list[str] = []
    for i, part in enumerate(parts):
        out += [sep, *part] if i else part
    return out


def _keywords() -> frozenset[str]:
    from .reader import keywords

    return keywords()
