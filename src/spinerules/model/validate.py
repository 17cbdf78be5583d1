"""Syntax trees to a checked `Model`: names resolved, types checked, every problem at once.

`validate(modules, name)` walks the files (imports first) and either returns a `Model` (with its
warnings) or raises every error it found in one `RulesError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping

from .._resources import rulesets_dir
from ..errors import (
    DuplicateError,
    RangeError,
    RulesError,
    RulesSyntaxError,
    TypeMismatchError,
    UndefinedNameError,
    raise_all,
)
from ..suggest import Suggester
from ..syntax import nodes as n
from ..syntax.nodes import MAX_NESTING
from ..syntax.operators import BY_WRITTEN
from ..syntax.source import Span
from ..syntax.unparse import rule_body_text
from .model import (
    Action,
    ActionKind,
    Cite,
    Fact,
    FactKind,
    Hierarchy,
    Model,
    Node,
    Rule,
    RulesetInfo,
    RulesWarning,
)

__all__ = ["MAX_NESTING", "condition_facts", "validate"]


def _too_deep(cond: n.Condition) -> n.Condition | None:
    """The first part of a condition nested more than MAX_NESTING levels deep, if any (without
    recursion: the tree may be deeper than Python's stack)."""
    stack = [(cond, 0)]
    while stack:
        here, depth = stack.pop()
        if depth > MAX_NESTING:
            return here
        if isinstance(here, n.Not):
            stack.append((here.operand, depth + 1))
        elif isinstance(here, n.And | n.Or):
            stack.extend((op, depth + 1) for op in reversed(here.operands))
    return None


#: `# spinerules: ignore` or `# spinerules: ignore[code, code]` at the end of a line
_IGNORE = re.compile(r"#\s*spinerules:\s*ignore(?:\[([a-z\-,\s]+)\])?\s*$")


def _not_ignored(warnings: list[RulesWarning], modules: tuple[n.Module, ...]) -> list[RulesWarning]:
    """The warnings no `# spinerules: ignore[...]` comment on their line silences (like ruff's
    `noqa`: all warnings of the line, or only the codes listed)."""
    ignored: dict[tuple[str, int], frozenset[str] | None] = {}
    for module in modules:
        for comment in module.comments:
            match = _IGNORE.search(comment.text)
            if match:
                codes = match[1]
                key = (module.source.name, comment.span.line)
                ignored[key] = (
                    frozenset(c.strip() for c in codes.split(",") if c.strip()) if codes else None
                )
    if not ignored:
        return warnings
    kept = []
    for warning in warnings:
        key = (warning.span.source.name, warning.span.line)
        if key in ignored:
            codes = ignored[key]
            if codes is None or warning.code in codes:
                continue
        kept.append(warning)
    return kept


def validate(modules: tuple[n.Module, ...], name: str | None = None) -> Model:
    checker = _Checker()
    for module in modules:
        checker.declare(module)
    checker.link_hierarchies()
    for module in modules:
        checker.check_rules(module)
    for module in modules:
        checker.check_tests(module)
    checker.check_unused(modules[-1])
    raise_all(sorted(checker.errors, key=_order))
    root = checker.infos[-1]
    return Model(
        name=name or root.name,
        facts=checker.facts,
        techniques=checker.techniques,
        sites=checker.sites,
        rules=tuple(checker.rules),
        rulesets=tuple(checker.infos),
        tests=tuple(checker.tests),
        warnings=tuple(sorted(_not_ignored(checker.warnings, modules), key=_order)),
        technique_tree=_tree_of(checker.techniques),
        site_tree=_tree_of(checker.sites),
        sources=tuple(m.source for m in modules),
    )


def _tree_of(table: Mapping[str, Node]) -> Hierarchy:
    for node in table.values():
        assert node.tree is not None
        return node.tree
    return Hierarchy.build([], {}, ())


def _bytes(text: str) -> bytes:
    """Text to hash: a name given from Python may hold lone surrogates, which UTF-8 refuses."""
    return text.encode("utf-8", "surrogatepass")


def _order(item: RulesError | RulesWarning) -> tuple[str, int, int]:
    return (item.span.file, item.span.line, item.span.column)


def condition_facts(cond: n.Condition) -> Iterator[n.Ident]:
    """Every fact name a condition reads, in order."""
    if isinstance(cond, n.Not):
        yield from condition_facts(cond.operand)
    elif isinstance(cond, n.And | n.Or):
        for op in cond.operands:
            yield from condition_facts(op)
    elif not isinstance(cond, n.Always):
        yield cond.fact


def _stem(module: n.Module) -> str:
    src = module.source
    if src.path is not None:
        return src.path.stem
    return src.name


class _Checker:
    def __init__(self) -> None:
        self.suggest = Suggester()
        self.errors: list[RulesError] = []
        self.warnings: list[RulesWarning] = []
        self.facts: dict[str, Fact] = {}
        self.fact_nodes: dict[str, n.FactDecl] = {}
        self.technique_nodes: dict[str, tuple[n.TechniqueDecl, str]] = {}
        self.site_nodes: dict[str, tuple[n.SiteDecl, str]] = {}
        self.techniques: dict[str, Node] = {}
        self.sites: dict[str, Node] = {}
        self.rules: list[Rule] = []
        #: the facts a rule reads, one tuple per combination (thousands of rules share a few)
        self.read_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.rule_spans: dict[str, Span] = {}
        self.tests: list[tuple[str, n.TestNode]] = []
        self.infos: list[RulesetInfo] = []
        self.used: set[str] = set()  # "fact:x", "technique:x", "site:x"
        self.info_of: dict[int, RulesetInfo] = {}  # id(module) -> its header

    # ---- declarations ---------------------------------------------------------------------

    def declare(self, module: n.Module) -> None:
        info = self._header(module)
        self.infos.append(info)
        self.info_of[id(module)] = info
        for stmt in module.statements:
            if isinstance(stmt, n.FactDecl):
                self._fact(stmt, info.name)
            elif isinstance(stmt, n.TechniqueDecl):
                self._unique(stmt.name, self.technique_nodes, "technique")
                self.technique_nodes.setdefault(stmt.name.name, (stmt, info.name))
            elif isinstance(stmt, n.SiteDecl):
                self._unique(stmt.name, self.site_nodes, "site")
                self.site_nodes.setdefault(stmt.name.name, (stmt, info.name))

    def _header(self, module: n.Module) -> RulesetInfo:
        name, title, document, version, reviewed = _stem(module), None, None, None, None
        studies: list[str] = []
        seen: dict[type, Span] = {}
        for stmt in module.statements:
            kind = type(stmt)
            if kind in (n.RulesetDecl, n.DocumentDecl, n.VersionDecl, n.ReviewedDecl):
                if kind in seen:
                    self.errors.append(
                        DuplicateError(
                            "this header statement appears twice",
                            stmt.span,
                            f"first given at {seen[kind].location()}",
                        )
                    )
                seen.setdefault(kind, stmt.span)
            if isinstance(stmt, n.RulesetDecl):
                name, title = stmt.name.name, stmt.title
            elif isinstance(stmt, n.DocumentDecl):
                document = stmt.document
            elif isinstance(stmt, n.VersionDecl):
                version = stmt.version
            elif isinstance(stmt, n.ReviewedDecl):
                reviewed = stmt.date
            elif isinstance(stmt, n.StudyDecl):
                studies.append(stmt.study)
        path = module.source.path
        return RulesetInfo(
            name,
            title,
            document,
            version,
            reviewed,
            tuple(studies),
            module.source.name,
            shipped=path is not None and path.parent == rulesets_dir().resolve(),
        )

    def _unique(self, ident: n.Ident, table: Mapping[str, object], what: str) -> bool:
        if ident.name in table:
            first = table[ident.name]
            node = first[0] if isinstance(first, tuple) else first
            where = getattr(node, "span", None)
            self.errors.append(
                DuplicateError(
                    f"{what} `{ident.name}` is declared twice",
                    ident.span,
                    f"first declared at {where.location()}" if isinstance(where, Span) else None,
                )
            )
            return False
        return True

    def _fact(self, decl: n.FactDecl, ruleset: str) -> None:
        if not self._unique(decl.name, self.fact_nodes, "fact"):
            return
        self.fact_nodes[decl.name.name] = decl
        kind = FactKind(decl.kind)
        seen: set[str] = set()
        for value in decl.values:
            if value.name in seen:
                self.errors.append(
                    DuplicateError(
                        f"value `{value.name}` appears twice in fact `{decl.name.name}`",
                        value.span,
                    )
                )
            seen.add(value.name)
        low = high = None
        if kind is FactKind.INT:
            assert decl.low is not None and decl.high is not None
            low, high = int(decl.low.value), int(decl.high.value)
            if low > high:
                self.errors.append(
                    RangeError(
                        f"empty range {low}..{high}: the low end is above the high end",
                        decl.low.span,
                        f"write `{high}..{low}`",
                    )
                )
        self.facts[decl.name.name] = Fact(
            name=decl.name.name,
            kind=kind,
            values=tuple(dict.fromkeys(v.name for v in decl.values)),
            low=low,
            high=high,
            description=decl.description,
            ruleset=ruleset,
            span=decl.span,
            session=decl.session,
        )

    def link_hierarchies(self) -> None:
        self.techniques = self._link(self.technique_nodes, "technique")
        self.sites = self._link(self.site_nodes, "site")

    def _link(
        self, table: Mapping[str, tuple[n.TechniqueDecl | n.SiteDecl, str]], what: str
    ) -> dict[str, Node]:
        parents: dict[str, str | None] = {}
        for name, (decl, _) in table.items():
            parent = decl.parent
            if parent is not None and parent.name not in table:
                self.errors.append(
                    UndefinedNameError(
                        f"undefined {what} `{parent.name}`",
                        parent.span,
                        self.suggest(parent.name, table),
                    )
                )
                parent = None
            parents[name] = parent.name if parent else None
        # cycles: each node is walked up once; a walk that meets its own path is a cycle,
        # reported at each of its members, whose parents are then dropped
        state: dict[str, int] = {}  # 1: on the current walk, 2: done
        for start in table:
            path: list[str] = []
            current: str | None = start
            while current is not None and current not in state:
                state[current] = 1
                path.append(current)
                current = parents[current]
            if current is not None and state[current] == 1:
                cycle = path[path.index(current) :]
                for member in cycle:
                    self.errors.append(
                        DuplicateError(
                            f"{what} `{member}` is its own ancestor",
                            table[member][0].span,
                            f"the chain is {' under '.join([*cycle, cycle[0]])}",
                        )
                    )
                    parents[member] = None
            for name in path:
                state[name] = 2
        explicit = {name for name, (decl, _) in table.items() if decl.explicit}
        tree = Hierarchy.build(list(table), parents, explicit)
        return {
            name: Node(
                name=name,
                parent=parents[name],
                description=decl.description,
                ruleset=ruleset,
                span=decl.span,
                explicit=decl.explicit,
                tree=tree,
            )
            for name, (decl, ruleset) in table.items()
        }

    # ---- rules ----------------------------------------------------------------------------

    def check_rules(self, module: n.Module) -> None:
        info = self.info_of[id(module)]
        for stmt in module.statements:
            if not isinstance(stmt, n.RuleNode):
                continue
            errors_before = len(self.errors)
            self._condition(stmt.condition)
            actions = tuple(self._actions(stmt))
            if stmt.id is not None:
                rule_id = stmt.id.name
                if rule_id in self.rule_spans:
                    self.errors.append(
                        DuplicateError(
                            f"rule id `{rule_id}` is used twice",
                            stmt.id.span,
                            f"first used at {self.rule_spans[rule_id].location()}",
                        )
                    )
            else:
                digest = hashlib.sha1(_bytes(f"{info.name}\n{rule_body_text(stmt)}")).hexdigest()[
                    :8
                ]
                base = f"r_{digest}"
                rule_id, count = base, 1
                while rule_id in self.rule_spans:  # same text twice: number the copies
                    count += 1
                    rule_id = f"{base}_{count}"
            self.rule_spans.setdefault(rule_id, (stmt.id or stmt).span)
            if stmt.because is None:
                self.warnings.append(
                    RulesWarning(
                        "no-because",
                        f"rule `{rule_id}` has no `because`",
                        (stmt.id or stmt).span,
                        'say why in plain words: `because "..."`',
                    )
                )
            document = stmt.generalizes if stmt.generalizes is not None else info.document
            if document is not None and not stmt.cites:
                self.warnings.append(
                    RulesWarning(
                        "no-cite",
                        f"rule `{rule_id}` cites nothing from `{document}`",
                        (stmt.id or stmt).span,
                        'quote the sentence it encodes: `cite "Section" quote "..."`',
                    )
                )
            if len(self.errors) != errors_before:
                continue
            reads = tuple(dict.fromkeys(f.name for f in condition_facts(stmt.condition)))
            self.rules.append(
                Rule(
                    id=rule_id,
                    condition=stmt.condition,
                    actions=actions,
                    because=stmt.because,
                    cites=tuple(Cite(c.section, c.quote) for c in stmt.cites),
                    ruleset=info.name,
                    document=document,
                    facts=self.read_sets.setdefault(reads, reads),
                    span=stmt.span,
                    generalized=stmt.generalizes is not None,
                )
            )

    def _fact_of(self, ident: n.Ident) -> Fact | None:
        fact = self.facts.get(ident.name)
        if fact is None:
            self.errors.append(
                UndefinedNameError(
                    f"undefined fact `{ident.name}`",
                    ident.span,
                    self.suggest(ident.name, self.facts),
                )
            )
        else:
            self.used.add(f"fact:{fact.name}")
        return fact

    def _condition(self, cond: n.Condition, depth: int = 0) -> None:
        if depth == 0:
            deepest = _too_deep(cond)
            if deepest is not None:  # reported once, where the nesting goes too deep
                self.errors.append(
                    RulesSyntaxError(
                        f"condition nested more than {MAX_NESTING} levels deep",
                        deepest.span,
                        "split it into several rules",
                    )
                )
                return
        if isinstance(cond, n.Not):
            self._condition(cond.operand, depth + 1)
            return
        if isinstance(cond, n.And | n.Or):
            for op in cond.operands:
                self._condition(op, depth + 1)
            return
        if isinstance(cond, n.Always):
            return
        fact = self._fact_of(cond.fact)
        if fact is None:
            return
        if isinstance(cond, n.Known):
            return
        if isinstance(cond, n.Truthy):
            if fact.kind is not FactKind.BOOL:
                self.errors.append(
                    TypeMismatchError(
                        f"`{fact.name}` is {_a(fact)} fact, not a bool, so it cannot "
                        "stand alone as a condition",
                        cond.span,
                        _compare_hint(fact),
                    )
                )
            return
        if isinstance(cond, n.Has):
            if fact.kind is not FactKind.SET:
                self.errors.append(
                    TypeMismatchError(
                        f"`has` needs a set fact, and `{fact.name}` is {_a(fact)} fact",
                        cond.span,
                        _compare_hint(fact),
                    )
                )
                return
            for value in cond.values:
                self._value(fact, value)
            return
        if isinstance(cond, n.InSet):
            if fact.kind is FactKind.SET:
                word = "not in" if cond.negated else "in"
                self.errors.append(
                    TypeMismatchError(
                        f"`{word}` does not apply to the set fact `{fact.name}`",
                        cond.span,
                        "use `has any {..}` or `has all {..}`",
                    )
                )
                return
            for value in cond.values:
                self._value(fact, value)
            return
        # Compare
        if fact.kind is FactKind.SET:
            self.errors.append(
                TypeMismatchError(
                    f"`{cond.op}` does not apply to the set fact `{fact.name}`",
                    cond.span,
                    "use `has v`, `has any {..}` or `has all {..}`",
                )
            )
            return
        if BY_WRITTEN[cond.op].ordered and fact.kind not in (
            FactKind.INT,
            FactKind.ORDERED,
        ):
            self.errors.append(
                TypeMismatchError(
                    f"`{cond.op}` needs an int or ordered fact, and `{fact.name}` is "
                    f"{'an unordered enum' if fact.kind is FactKind.ENUM else 'a bool'}",
                    cond.span,
                    f"use `{fact.name} in {{..}}`, or declare it `ordered`"
                    if fact.kind is FactKind.ENUM
                    else None,
                )
            )
            return
        errors_before = len(self.errors)
        self._value(fact, cond.value)
        if len(self.errors) == errors_before and BY_WRITTEN[cond.op].ordered:
            self._constant_comparison(fact, cond)

    def _constant_comparison(self, fact: Fact, cond: n.Compare) -> None:
        """Warn about an order comparison that its fact's domain decides alone: `pain_score >
        10` on a 0..10 fact never holds, `phase >= remission` always does."""
        if fact.kind is FactKind.INT:
            low, high, value = fact.low, fact.high, cond.value.value
        else:
            low, high, value = 0, len(fact.values) - 1, fact.values.index(str(cond.value.value))
        if low is None or high is None or not isinstance(value, int):
            return
        holds = [BY_WRITTEN[cond.op].apply(v, value) for v in (low, high)]
        # the comparisons are monotone in the fact's value: the two ends decide
        if holds[0] == holds[1]:
            always = "always holds" if holds[0] else "never holds"
            shown = f"{fact.low}..{fact.high}" if fact.kind is FactKind.INT else fact.allowed()
            self.warnings.append(
                RulesWarning(
                    "constant-comparison",
                    f"`{fact.name} {cond.op} {cond.value.value}` {always}: `{fact.name}` is "
                    f"{shown}",
                    cond.span,
                    "compare with a value inside the range, or drop the test",
                )
            )

    def _value(self, fact: Fact, lit: n.Literal) -> None:
        value = lit.value
        if fact.kind is FactKind.BOOL:
            if not isinstance(value, bool):
                self.errors.append(
                    TypeMismatchError(
                        f"`{fact.name}` is a bool fact; compare it with `true` or `false`",
                        lit.span,
                    )
                )
            return
        if fact.kind is FactKind.INT:
            if isinstance(value, bool) or not isinstance(value, int):
                self.errors.append(
                    TypeMismatchError(
                        f"`{fact.name}` is an int fact; `{_show(value)}` is not a number",
                        lit.span,
                        f"{fact.name} takes {fact.allowed()}",
                    )
                )
            elif not (fact.low is not None and fact.high is not None) or not (
                fact.low <= value <= fact.high
            ):
                self.errors.append(
                    RangeError(
                        f"{value} is outside the range of `{fact.name}` ({fact.low}..{fact.high})",
                        lit.span,
                    )
                )
            return
        if not isinstance(value, str):
            self.errors.append(
                TypeMismatchError(
                    f"`{fact.name}` takes names, not `{_show(value)}`",
                    lit.span,
                    f"{fact.name} takes {fact.allowed()}",
                )
            )
        elif value not in fact.values:
            self.errors.append(
                UndefinedNameError(
                    f"`{value}` is not a value of `{fact.name}`",
                    lit.span,
                    self.suggest(value, fact.values) or f"{fact.name} takes {fact.allowed()}",
                )
            )

    def _node(self, ident: n.Ident, table: Mapping[str, Node], what: str) -> bool:
        if ident.name not in table:
            self.errors.append(
                UndefinedNameError(
                    f"undefined {what} `{ident.name}`", ident.span, self.suggest(ident.name, table)
                )
            )
            return False
        self.used.add(f"{what}:{ident.name}")
        return True

    def _actions(self, rule: n.RuleNode) -> Iterator[Action]:
        for act in rule.actions:
            if isinstance(act, n.VerdictAction):
                kind = ActionKind(act.verb)
                techniques = [
                    t for t in act.techniques if self._node(t, self.techniques, "technique")
                ]
                sites = [s for s in act.sites if self._node(s, self.sites, "site")]
                site_names: list[str | None] = [s.name for s in sites] or [None]
                for tech in techniques:
                    for site in site_names:
                        yield Action(
                            kind=kind,
                            technique=tech.name,
                            site=site,
                            note=act.note,
                            span=act.span,
                        )
            elif isinstance(act, n.Refer):
                yield Action(ActionKind.REFER, note=act.to, urgency=act.urgency, span=act.span)
            elif isinstance(act, n.Require):
                yield Action(
                    ActionKind.REQUIRE, requirement=act.name.name, note=act.text, span=act.span
                )
            else:
                topic = act.topic.name if act.topic is not None else None
                yield Action(ActionKind.ADVISE, note=act.text, span=act.span, topic=topic)

    # ---- tests ----------------------------------------------------------------------------

    def check_tests(self, module: n.Module) -> None:
        info = self.info_of[id(module)]
        for stmt in module.statements:
            if not isinstance(stmt, n.TestNode):
                continue
            before = len(self.errors)
            seen: set[str] = set()
            for given in stmt.givens:
                fact = self._fact_of(given.fact)
                if given.fact.name in seen:
                    self.errors.append(
                        DuplicateError(f"`{given.fact.name}` is given twice", given.fact.span)
                    )
                seen.add(given.fact.name)
                if fact is None:
                    continue
                if isinstance(given.value, tuple):
                    if fact.kind is not FactKind.SET:
                        self.errors.append(
                            TypeMismatchError(
                                f"`{fact.name}` is not a set fact; give one value",
                                given.span,
                                f"{fact.name} takes {fact.allowed()}",
                            )
                        )
                        continue
                    for lit in given.value:
                        self._value(fact, lit)
                elif fact.kind is FactKind.SET:
                    self.errors.append(
                        TypeMismatchError(
                            f"`{fact.name}` is a set fact; give a set",
                            given.span,
                            f"write `{fact.name} = {{{_show(given.value.value)}}}`",
                        )
                    )
                else:
                    self._value(fact, given.value)
            for exp in stmt.expectations:
                self._expectation(exp)
            if len(self.errors) == before:
                self.tests.append((info.name, stmt))

    def _expectation(self, exp: n.Expectation) -> None:
        if isinstance(exp, n.ExpectVerdict):
            self._node(exp.technique, self.techniques, "technique")
            if exp.site is not None:
                self._node(exp.site, self.sites, "site")
        elif isinstance(exp, n.ExpectDisagreement):
            topics = {a.topic for rule in self.rules for a in rule.actions if a.topic}
            if exp.technique.name not in topics:  # else a technique
                self._node(exp.technique, self.techniques, "technique")
        elif isinstance(exp, n.ExpectMissing):
            self._fact_of(exp.fact)
        elif isinstance(exp, n.ExpectFires) and exp.rule.name not in self.rule_spans:
            self.errors.append(
                UndefinedNameError(
                    f"undefined rule `{exp.rule.name}`",
                    exp.rule.span,
                    self.suggest(exp.rule.name, self.rule_spans),
                )
            )

    # ---- warnings -------------------------------------------------------------------------

    def check_unused(self, root: n.Module) -> None:
        """Declarations of the root file that no rule uses (not for files without rules, which
        are vocabularies meant to be shared). A technique or site is in use when an action
        names it, an ancestor of it, or a node below it."""
        if not any(isinstance(s, n.RuleNode) for s in root.statements):
            return
        reached = {
            "technique": _touched(self.techniques, self.used, "technique"),
            "site": _touched(self.sites, self.used, "site"),
        }
        for stmt in root.statements:
            if isinstance(stmt, n.FactDecl):
                key, what = f"fact:{stmt.name.name}", "fact"
            elif isinstance(stmt, n.TechniqueDecl):
                key, what = f"technique:{stmt.name.name}", "technique"
            elif isinstance(stmt, n.SiteDecl):
                key, what = f"site:{stmt.name.name}", "site"
            else:
                continue
            if key not in self.used and stmt.name.name not in reached.get(what, ()):
                self.warnings.append(
                    RulesWarning(
                        f"unused-{what}",
                        f"{what} `{stmt.name.name}` is declared but no rule or test uses it",
                        stmt.name.span,
                    )
                )


def _touched(table: Mapping[str, Node], used: set[str], what: str) -> set[str]:
    """The nodes that are used, below a used node, or above one: two passes over the tree."""
    tree = _tree_of(table)
    mark = [f"{what}:{name}" in used for name in tree.names]
    down = list(mark)
    for node in tree.preorder:  # parents first: a used ancestor reaches down
        parent = tree.parents[node]
        if parent >= 0 and down[parent]:
            down[node] = True
    up = list(mark)
    for node in reversed(tree.preorder):  # children first: a used descendant counts above
        parent = tree.parents[node]
        if parent >= 0 and up[node]:
            up[parent] = True
    return {tree.names[i] for i in range(len(tree.names)) if down[i] or up[i]}


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _a(fact: Fact) -> str:
    """The fact's kind with its article: `an int`, `an enum`, `a bool`."""
    kind = fact.kind.value
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _compare_hint(fact: Fact) -> str:
    if fact.kind is FactKind.SET:
        return f"write `{fact.name} has VALUE` or `{fact.name} has any {{..}}`"
    if fact.kind is FactKind.BOOL:
        return f"write `{fact.name}` or `not {fact.name}`"
    return f"write `{fact.name} = VALUE`; {fact.name} takes {fact.allowed()}"
