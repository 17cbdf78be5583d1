"""Seeded synthetic rulesets and patient profiles for the benchmarks.

The generator builds a neutral rule IR (plain frozen dataclasses, independent of
spinerules) over the kinds of facts the shared vocabulary uses: enums, ordered
enums, ints, bools and sets. Every engine adapter in ``benchmarks/engines``
translates this IR into its own rule format, and :func:`to_rules_text` writes it
as a ``.rules`` file for spinerules (syntax: ``docs/language.md``).

Profiles are *complete*: every fact has a value, so Kleene logic collapses to
ordinary two-valued logic and every engine can express the same rules.

Verdict levels are ints, most restrictive highest::

    4 contraindicated > 3 caution > 2 recommended > 1 allowed > 0 unassessed

A rule's actions each put a level on a technique; a technique's verdict is the
highest level of the fired actions that name it (techniques are flat here: an
action on a parent technique is listed on each descendant).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

LEVEL_NAMES: tuple[str, ...] = (
    "unassessed", "allowed", "recommended", "caution", "contraindicated"
)  # fmt: skip
ACTION_WORDS: tuple[str, ...] = ("", "allow", "recommend", "caution", "contraindicate")

FactKind = Literal["enum", "ordered", "int", "bool", "set"]
Value = str | int | bool | frozenset[str]
Profile = dict[str, Value]
Verdicts = tuple[int, ...]
"""Canonical verdicts of one profile: the level of each technique, in declaration order."""


@dataclass(frozen=True)
class Fact:
    name: str
    kind: FactKind
    values: tuple[str, ...] = ()  # enum / ordered (ascending) / set domain
    lo: int = 0  # int range, inclusive
    hi: int = 0

    def rank(self, value: str) -> int:
        """Position of an ordered-enum value (0 = lowest)."""
        return self.values.index(value)


# --- conditions -------------------------------------------------------------------------------

AtomOp = Literal[
    "eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "has", "not_has", "true", "false"
]
NEGATED: dict[str, AtomOp] = {
    "eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in",
    "lt": "ge", "ge": "lt", "le": "gt", "gt": "le",
    "has": "not_has", "not_has": "has", "true": "false", "false": "true",
}  # fmt: skip


@dataclass(frozen=True)
class Atom:
    """One comparison on one fact.

    ``value`` is a ``str`` for enums, ordered enums and ``has``; an ``int`` for ints;
    a tuple of values for ``in``/``not_in``; ``None`` for ``true``/``false`` on bools.
    """

    fact: str
    op: AtomOp
    value: str | int | tuple[str | int, ...] | None = None


@dataclass(frozen=True)
class And:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    item: Cond


Cond = Atom | And | Or | Not


Action = tuple[int, str]
"""A verdict action: (level 1..4, see LEVEL_NAMES; technique)."""


@dataclass(frozen=True)
class Rule:
    id: str
    cond: Cond
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class RuleSet:
    facts: tuple[Fact, ...]
    techniques: tuple[str, ...]
    rules: tuple[Rule, ...]
    name: str = "synth"
    origin: str = "synthetic"  # or "shipped": spinerules runs the shipped rulesets themselves
    fact_by_name: dict[str, Fact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fact_by_name", {f.name: f for f in self.facts})


# --- the vocabulary ---------------------------------------------------------------------------

CONDITIONS = (
    "nonspecific_lbp", "herniation", "stenosis", "spondylolisthesis",
    "radiculopathy", "facet_syndrome", "sacroiliac_dysfunction",
)  # fmt: skip
SYMPTOMS = (
    "numbness", "tingling", "severe_leg_pain", "weakness", "bowel_dysfunction",
    "bladder_dysfunction", "saddle_anaesthesia", "night_pain", "morning_stiffness",
)  # fmt: skip
COMORBIDITIES = (
    "osteoporosis", "cancer_history", "diabetes", "hypertension", "dvt", "varicose_veins",
    "skin_infection", "fracture_history", "rheumatoid_arthritis", "ankylosing_spondylitis",
    "obesity", "pregnancy", "kidney_disease", "heart_failure", "neuropathy", "fibromyalgia",
    "depression",
)  # fmt: skip
TECHNIQUES = (
    "swedish", "deep_tissue", "manual_pressure", "myofascial_release", "trigger_point",
    "spinal_manipulation", "mobilisation", "stretching", "heat_therapy", "cold_therapy",
    "cupping", "acupressure", "lymphatic_drainage", "sports_massage", "reflexology",
    "hot_stones", "shiatsu", "traction", "vibration", "kneading",
)  # fmt: skip


def vocabulary(condition_values: int = len(CONDITIONS)) -> tuple[Fact, ...]:
    """The 13 facts, mirroring the shipped vocabulary's kinds of facts.

    ``condition_values`` widens the ``condition`` enum beyond its 7 named values
    (``condition_007``, ...), for the keyed scaling study.
    """
    extra = tuple(f"condition_{i:03d}" for i in range(len(CONDITIONS), condition_values))
    return (
        Fact("condition", "enum", CONDITIONS + extra),
        Fact("phase", "ordered", ("remission", "chronic", "subacute", "acute")),
        Fact("severity", "ordered", ("mild", "moderate", "severe")),
        Fact("trend", "enum", ("improving", "stable", "worsening")),
        Fact("region", "enum", ("lumbar", "lumbosacral")),
        Fact("therapist", "ordered", ("trainee", "licensed", "specialist")),
        Fact("symptoms", "set", SYMPTOMS),
        Fact("comorbidities", "set", COMORBIDITIES),
        Fact("fever", "bool"),
        Fact("anticoagulants", "bool"),
        Fact("recent_surgery", "bool"),
        Fact("weight_loss", "bool"),
        Fact("pain_score", "int", lo=0, hi=10),
    )


# --- generation -------------------------------------------------------------------------------

RULES_PER_KEY = 25
"""In keyed rulesets, the ``condition`` enum gets about one value per this many rules."""
RULES_PER_TECHNIQUE = 10
"""In random rulesets, there is about one technique per this many rules (at least 20).

With a fixed 20 techniques, random rules saturate: at 1,000 rules 87% of the verdicts
are ``contraindicated``, at 10,000 all of them, a constant answer that an engine could
shortcut. One technique per 10 rules keeps the verdicts as informative at every size
as at 200 rules. (Keyed rulesets do not saturate and keep 20 techniques.)"""


def _atom(rng: random.Random, fact: Fact) -> Atom:
    k = fact.kind
    if k == "bool":
        return Atom(fact.name, "true" if rng.random() < 0.6 else "false")
    if k == "set":
        return Atom(fact.name, "has" if rng.random() < 0.9 else "not_has", rng.choice(fact.values))
    if k == "int":  # never trivially true or false
        op: AtomOp = rng.choice(("lt", "le", "gt", "ge", "ge", "eq", "ne"))
        lo = fact.lo + 1 if op in ("lt", "ge") else fact.lo
        hi = fact.hi - 1 if op in ("le", "gt") else fact.hi
        return Atom(fact.name, op, rng.randint(lo, hi))
    r = rng.random()
    if k == "ordered" and r < 0.6:
        op = rng.choice(("lt", "le", "gt", "ge"))
        lo = 1 if op in ("lt", "ge") else 0
        hi = len(fact.values) - (2 if op in ("le", "gt") else 1)
        return Atom(fact.name, op, fact.values[rng.randint(lo, hi)])
    if r < 0.7:
        return Atom(fact.name, "eq", rng.choice(fact.values))
    if r < 0.75:
        return Atom(fact.name, "ne", rng.choice(fact.values))
    size = min(len(fact.values) - 1, rng.randint(2, 3))
    chosen = tuple(sorted(rng.sample(fact.values, size), key=fact.values.index))
    return Atom(fact.name, "in" if r < 0.95 else "not_in", chosen)


def _conjunct(rng: random.Random, facts: Sequence[Fact]) -> Cond:
    r = rng.random()
    if r < 0.85:
        return _atom(rng, rng.choice(facts))
    if r < 0.94:
        return Or(tuple(_atom(rng, f) for f in rng.sample(facts, 2)))
    if r < 0.97:
        return Not(_atom(rng, rng.choice(facts)))
    return Not(And(tuple(_atom(rng, f) for f in rng.sample(facts, 2))))


def _key_atom(rng: random.Random, condition: Fact) -> Atom:
    if rng.random() < 0.8:
        return Atom("condition", "eq", rng.choice(condition.values))
    chosen = tuple(sorted(rng.sample(condition.values, 2), key=condition.values.index))
    return Atom("condition", "in", chosen)


def generate_ruleset(n_rules: int, *, seed: int = 0, keyed: bool = False) -> RuleSet:
    """``n_rules`` random rules over the 13 facts of :func:`vocabulary`.

    Each rule is a conjunction of 1 to 4 (mostly 3) conjuncts (mostly atoms, some ``or`` of two
    atoms, a few ``not``) with one action on one technique: 20 techniques, or one per
    ``RULES_PER_TECHNIQUE`` random rules when that is more (see there). With ``keyed``,
    every rule's conjunction starts with ``condition = X`` or ``condition in {X, Y}``
    and the ``condition`` enum has ``max(7, n_rules // RULES_PER_KEY)`` values, the
    shape of a large knowledge base covering many conditions.
    """
    rng = random.Random(f"rules:{seed}:{n_rules}:{keyed}")
    n_conditions = max(len(CONDITIONS), n_rules // RULES_PER_KEY) if keyed else len(CONDITIONS)
    facts = vocabulary(n_conditions)
    techniques = TECHNIQUES
    if not keyed:
        extra = range(len(TECHNIQUES), n_rules // RULES_PER_TECHNIQUE)
        techniques += tuple(f"technique_{i:04d}" for i in extra)
    others = [f for f in facts if f.name != "condition"] if keyed else list(facts)
    rules = []
    for i in range(n_rules):
        conjuncts = [_conjunct(rng, others) for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 3, 4, 4)))]
        if keyed:
            conjuncts.insert(0, _key_atom(rng, facts[0]))
        cond: Cond = conjuncts[0] if len(conjuncts) == 1 else And(tuple(conjuncts))
        level = rng.choice((4, 4, 4, 3, 3, 3, 2, 2, 1, 1))
        rules.append(Rule(f"r{i}", cond, ((level, rng.choice(techniques)),)))
    name = f"synth_{'keyed_' if keyed else ''}{n_rules}"
    return RuleSet(facts, techniques, tuple(rules), name=name)


def random_value(rng: random.Random, fact: Fact) -> Value:
    if fact.kind == "bool":
        return rng.random() < 0.3
    if fact.kind == "int":
        return rng.randint(fact.lo, fact.hi)
    if fact.kind == "set":
        return frozenset(v for v in fact.values if rng.random() < 0.2)
    return rng.choice(fact.values)


def generate_profiles(ruleset: RuleSet, m: int, *, seed: int = 0) -> list[Profile]:
    """``m`` complete random profiles over the ruleset's facts (sets as frozensets)."""
    rng = random.Random(f"profiles:{seed}:{m}:{ruleset.name}")
    return [{f.name: random_value(rng, f) for f in ruleset.facts} for _ in range(m)]


# --- the IR's own semantics -------------------------------------------------------------------


def nnf(cond: Cond, negate: bool = False) -> Cond:
    """Push ``not`` down to the atoms (negation normal form): the result has no ``Not``.

    Valid on complete profiles, where every atom is true or false.
    """
    if isinstance(cond, Atom):
        return Atom(cond.fact, NEGATED[cond.op], cond.value) if negate else cond
    if isinstance(cond, Not):
        return nnf(cond.item, not negate)
    items = tuple(nnf(c, negate) for c in cond.items)
    if isinstance(cond, And):
        return Or(items) if negate else And(items)
    return And(items) if negate else Or(items)


def atoms(cond: Cond) -> Iterator[Atom]:
    if isinstance(cond, Atom):
        yield cond
    elif isinstance(cond, Not):
        yield from atoms(cond.item)
    else:
        for c in cond.items:
            yield from atoms(c)


def level_name(level: int) -> str:
    return LEVEL_NAMES[level]


def verdicts_from_mapping(ruleset: RuleSet, verdicts: Mapping[str, str | int]) -> Verdicts:
    """Canonical form of a ``{technique: level name or int}`` mapping (absent = unassessed)."""
    out = []
    for t in ruleset.techniques:
        v = verdicts.get(t, 0)
        out.append(v if isinstance(v, int) else LEVEL_NAMES.index(v))
    return tuple(out)


# --- .rules text ------------------------------------------------------------------------------


def _value_text(fact: Fact, value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _atom_text(a: Atom, facts: Mapping[str, Fact]) -> str:
    fact = facts[a.fact]
    v = a.value
    match a.op:
        case "true":
            return a.fact
        case "false":
            return f"not {a.fact}"
        case "has":
            return f"{a.fact} has {v}"
        case "not_has":
            return f"not ({a.fact} has {v})"
        case "in" | "not_in":
            assert isinstance(v, tuple)
            word = "in" if a.op == "in" else "not in"
            return f"{a.fact} {word} {{{', '.join(_value_text(fact, x) for x in v)}}}"
        case _:
            assert isinstance(v, str | int)
            sym = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[a.op]
            return f"{a.fact} {sym} {_value_text(fact, v)}"


def cond_text(cond: Cond, facts: Mapping[str, Fact]) -> str:
    if isinstance(cond, Atom):
        return _atom_text(cond, facts)
    if isinstance(cond, Not):
        return f"not ({cond_text(cond.item, facts)})"
    word = " and " if isinstance(cond, And) else " or "
    parts = [
        cond_text(c, facts) if isinstance(c, Atom) else f"({cond_text(c, facts)})"
        for c in cond.items
    ]
    return word.join(parts)


def _fact_text(f: Fact) -> str:
    match f.kind:
        case "enum":
            return f"fact {f.name}: {' | '.join(f.values)}"
        case "ordered":
            return f"fact {f.name}: ordered {' < '.join(f.values)}"
        case "set":
            return f"fact {f.name}: set of {' | '.join(f.values)}"
        case "int":
            return f"fact {f.name}: int {f.lo}..{f.hi}"
        case _:
            return f"fact {f.name}: bool"


def to_rules_text(ruleset: RuleSet) -> str:
    """The ruleset as a ``.rules`` file (see ``docs/language.md``)."""
    lines = [f"ruleset {ruleset.name} {_quote('synthetic benchmark ruleset')}", ""]
    lines += [_fact_text(f) for f in ruleset.facts]
    lines.append("")
    lines += [f"technique {t}" for t in ruleset.techniques]
    lines.append("")
    for r in ruleset.rules:
        lines.append(f"rule {r.id}:")
        lines.append(f"  if {cond_text(r.cond, ruleset.fact_by_name)}")
        then = ", ".join(f"{ACTION_WORDS[level]} {t}" for level, t in r.actions)
        lines.append(f"  then {then}")
        lines.append(f"  because {_quote('synthetic rule ' + r.id)}")
    return "\n".join(lines) + "\n"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
