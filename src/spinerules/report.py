"""The knowledge report: one self-contained HTML file that shows what a knowledge base says and
where it is silent, for a knowledge author reviewing it.

    spinerules report all --out report.html

It holds: the technique and site trees drawn by graphviz (`dot`, through the `graphviz`
package: the `report` extra), embedded as SVG; a verdict matrix (each condition × each
technique, for typical patients, each cell linking to the rules that decide it); the rules with
their quotes; rule coverage by the in-file tests; the analyzer's open and accepted findings;
disagreements between documents; and, for the shipped rulesets, each document's statements as
COVERAGE.md maps them. Nothing is fetched: the file opens offline.

The typical patients are built from the declarations, so that they exist for any knowledge
base: for each value of the `condition` fact (or once, without one), *least severe* (every
ordered fact at its lowest value, every list empty, every yes/no fact no), *most severe* (every
ordered fact at its highest) and *condition only* (nothing else known). Whole-number facts stay
unknown in all three, since the declarations do not say which end is the safe one.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._resources import rulesets_dir
from ._version import __version__
from .engine.kb import KnowledgeBase
from .model.model import FactKind, Verdict

__all__ = ["Patient", "ReportError", "matrix", "typical_patients", "write_report"]


class ReportError(Exception):
    """The report cannot be made (graphviz missing, a file that cannot be written)."""


@attrs.frozen
class Patient:
    """One column group of the matrix: a named profile."""

    label: str
    profile: Mapping[str, Any]


def typical_patients(kb: KnowledgeBase) -> tuple[Patient, ...]:
    """The matrix's patients (see the module's docstring)."""
    least: dict[str, Any] = {}
    most: dict[str, Any] = {}
    for name, fact in kb.facts.items():
        if name == "condition":
            continue
        if fact.kind is FactKind.ORDERED:
            least[name], most[name] = fact.values[0], fact.values[-1]
        elif fact.kind is FactKind.SET:
            least[name] = most[name] = []
        elif fact.kind is FactKind.BOOL:
            least[name] = most[name] = False
    condition = kb.facts.get("condition")
    values: list[str | None] = list(condition.values) if condition is not None else [None]
    patients = []
    for value in values:
        own = {"condition": value} if value is not None else {}
        head = value.replace("_", " ") if value is not None else "any patient"
        patients += [
            Patient(f"{head}: least severe", {**least, **own}),
            Patient(f"{head}: most severe", {**most, **own}),
            Patient(f"{head}: condition only", dict(own)),
        ]
    return tuple(patients)


def matrix(
    kb: KnowledgeBase, patients: Iterable[Patient]
) -> list[tuple[Patient, dict[str, tuple[Verdict, tuple[str, ...]]]]]:
    """Each patient's verdict and deciding rules for every technique."""
    rows = []
    for patient in patients:
        res = kb.evaluate(patient.profile)
        cells = {
            technique: (judged.verdict, tuple(dict.fromkeys(r.rule_id for r in judged.reasons)))
            for technique, judged in res.assessments().items()
        }
        rows.append((patient, cells))
    return rows


def _tree_svg(kb: KnowledgeBase, kind: str) -> str:
    """The technique or site tree as inline SVG (explicit nodes drawn double)."""
    try:
        import graphviz
    except ImportError:
        raise ReportError(
            "the report draws its trees with graphviz: pip install 'spinerules[report]'"
        ) from None
    nodes = kb.techniques if kind == "technique" else kb.sites
    graph = graphviz.Digraph(kind, graph_attr={"rankdir": "LR", "bgcolor": "transparent"})
    graph.attr("node", shape="box", style="rounded", fontname="Helvetica", fontsize="11")
    for name, node in nodes.items():
        graph.node(name, name.replace("_", " "), peripheries="2" if node.explicit else "1")
        if node.parent is not None:
            graph.edge(node.parent, name)
    try:
        svg: str = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise ReportError(
            "graphviz's `dot` is not installed (Debian: apt-get install graphviz)"
        ) from None
    return svg[svg.index("<svg") :]  # drop the XML prologue and doctype: it is inline


def _coverage_sections(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(title, HTML) of each COVERAGE.md section about a ruleset of `kb`, and the
    disagreements section, for shipped rulesets."""
    shipped = {info.name for info in kb.rulesets if info.shipped}
    path = rulesets_dir() / "COVERAGE.md"
    if not shipped or not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    chosen = []
    for section in sections:
        title, _, body = section.partition("\n")
        names = set(re.findall(r"→ `([a-z_0-9]+)`", title))
        if names & shipped or title.startswith("Disagreements"):
            chosen.append((title, _markdown(body)))
    return chosen


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def _markdown(text: str) -> str:
    """The Markdown COVERAGE.md uses: headings, pipe tables, bullet lists and paragraphs."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("### "):
            out.append(f"<h4>{_inline(line[4:])}</h4>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            head, *body = rows or [[]]
            out.append("<table><thead><tr>")
            out += [f'<th scope="col">{_inline(c)}</th>' for c in head]
            out.append("</tr></thead><tbody>")
            for row in body:
                out.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>")
            out.append("</tbody></table>")
        elif line.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].startswith("- "):
                item = [lines[i][2:]]
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                    item.append(lines[i].strip())
                    i += 1
                out.append(f"<li>{_inline(' '.join(item))}</li>")
            out.append("</ul>")
        elif line.strip():
            paragraph = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("|", "- ", "#")):
                paragraph.append(lines[i].strip())
                i += 1
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
        else:
            i += 1
    return "\n".join(out)


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;color:#1b1b1b;margin:0 auto;max-width:80rem;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.2rem .35rem;text-align:left;vertical-align:top}
.matrix{overflow-x:auto}.matrix th.t{white-space:nowrap}
.matrix td{text-align:center;min-width:1.6rem}
.matrix td a{color:inherit;text-decoration:none;display:block}
.v-contraindicated{background:#b3261e;color:#fff}.v-caution{background:#f3c74b;color:#1b1b1b}
.v-recommended{background:#2e7d32;color:#fff}.v-allowed{background:#a5d6a7;color:#1b1b1b}
.v-undetermined{background:#cfd8dc;color:#1b1b1b}.v-unassessed{background:#fff;color:#555}
.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.4rem;border:1px solid #ccc}
.tree{overflow-x:auto;border:1px solid #ddd;padding:.5rem}
.rule{border-left:4px solid #888;padding:.2rem .6rem;margin:.6rem 0}
blockquote{margin:.3rem 0;font-style:italic}
code{background:#f3f3f3;padding:0 .2rem}.muted{color:#555}
"""
_LETTER = {
    Verdict.CONTRAINDICATED: "×",
    Verdict.CAUTION: "!",
    Verdict.RECOMMENDED: "✓",
    Verdict.ALLOWED: "+",
    Verdict.UNDETERMINED: "?",
    Verdict.UNASSESSED: "·",
}


def render(kb: KnowledgeBase, *, analyze: bool = True) -> str:
    """The report as one HTML page."""
    from .analysis import analyze as run_analysis
    from .filetests import coverage, run_kb

    e = html.escape
    titles = {info.name: info.label for info in kb.rulesets}
    patients = typical_patients(kb)
    rows = matrix(kb, patients)
    techniques = list(kb.techniques)
    parts: list[str] = []
    add = parts.append
    add("<!doctype html><html lang='en'><head><meta charset='utf-8'>")
    add(f"<title>Knowledge report: {e(kb.name)}</title><style>{_STYLE}</style></head><body>")
    add(f"<h1>Knowledge report: {e(kb.name)}</h1>")
    add(
        f"<p class='muted'>{len(kb.rules)} rules, {len(kb.facts)} facts, {len(kb.techniques)} "
        f"techniques, {len(kb.sites)} sites. Fingerprint <code>{e(kb.fingerprint)}</code>; "
        f"spinerules {e(__version__)}; made {datetime.date.today().isoformat()}.</p>"
    )
    add("<h2 id='rulesets'>Rulesets</h2><table><thead><tr><th scope='col'>ruleset</th>")
    add("<th scope='col'>document</th><th scope='col'>version</th><th scope='col'>reviewed")
    add("</th></tr></thead><tbody>")
    for info in kb.rulesets:
        add(
            f"<tr><td>{e(info.name)}</td><td>{e(titles[info.name])}</td>"
            f"<td>{e(info.version or '-')}</td><td>{info.reviewed or '-'}</td></tr>"
        )
    add("</tbody></table>")

    add("<h2 id='trees'>Techniques and sites</h2><p>A double border marks an explicit node: ")
    add("a permission given above it does not reach it; a restriction does.</p>")
    add(f"<figure class='tree' id='technique-tree'>{_tree_svg(kb, 'technique')}")
    add("<figcaption>The technique tree</figcaption></figure>")
    add(f"<figure class='tree' id='site-tree'>{_tree_svg(kb, 'site')}")
    add("<figcaption>The site tree</figcaption></figure>")

    add("<h2 id='matrix'>Verdicts for typical patients</h2>")
    add(
        "<p>For each condition, three patients: <em>least severe</em> (every ordered fact at its "
        "lowest value, every list empty, every yes/no fact no), <em>most severe</em> (every "
        "ordered fact at its highest) and <em>condition only</em> (nothing else known). "
        "Whole-number facts stay unknown. Each cell links to the first rule deciding it; its "
        "tooltip lists them all.</p>"
    )
    add("<p class='legend'>" + "".join(
        f"<span class='v-{v}'>{_LETTER[v]} {v}</span>" for v in Verdict
    ) + "</p>")  # fmt: skip
    add("<div class='matrix'><table id='verdict-matrix'><thead><tr><th scope='col'>patient</th>")
    add("".join(f"<th scope='col' class='t'>{e(t.replace('_', ' '))}</th>" for t in techniques))
    add("</tr></thead><tbody>")
    for index, (patient, cells) in enumerate(rows):
        add(f"<tr data-patient='{index}'><th scope='row'>{e(patient.label)}</th>")
        for technique in techniques:
            verdict, rules = cells[technique]
            target = f"#rule-{rules[0]}" if rules else "#matrix"
            title = f"{technique}: {verdict}" + (f" ({', '.join(rules)})" if rules else "")
            add(
                f"<td class='v-{verdict}' data-technique='{e(technique)}' "
                f"data-verdict='{verdict}' data-rules='{e(' '.join(rules))}'>"
                f"<a href='{target}' title='{e(title)}'>{_LETTER[verdict]}</a></td>"
            )
        add("</tr>")
    add("</tbody></table></div>")

    runs = [run_kb(kb, kb.name)]
    cov = coverage(runs)
    add("<h2 id='coverage'>Rule coverage by the in-file tests</h2>")
    tests = sum(len(run.outcomes) for run in runs)
    failed = sum(1 for run in runs for out in run.outcomes if not out.passed)
    add(
        f"<p>{tests} tests ({failed} failing) make {len(cov.rules) - len(cov.uncovered)} of "
        f"{len(cov.rules)} rules fire ({cov.percent:.0f}%).</p>"
    )
    if cov.uncovered:
        add("<p>No test makes these fire: ")
        add(", ".join(f"<a href='#rule-{e(r.id)}'>{e(r.id)}</a>" for r in cov.uncovered) + "</p>")

    if analyze:
        report = run_analysis(kb)
        add("<h2 id='findings'>The analyzer's findings</h2>")
        add(f"<p>{len(report.findings)} open, {len(report.accepted)} accepted.</p>")
        for heading, findings in (("Open", report.findings), ("Accepted", report.accepted)):
            if not findings:
                continue
            add(f"<h3>{heading}</h3><table><thead><tr><th scope='col'>kind</th>")
            add("<th scope='col'>finding</th><th scope='col'>rules</th>")
            add("<th scope='col'>accepted because</th></tr></thead><tbody>")
            for finding in findings:
                add(
                    f"<tr><td>{e(str(finding.code.value))}</td><td>{e(finding.message)}</td>"
                    f"<td>{e(', '.join(finding.rules))}</td>"
                    f"<td>{e(finding.accepted or '')}</td></tr>"
                )
            add("</tbody></table>")

    disagreements: dict[tuple[str, ...], str] = {}
    for patient, _cells in rows:
        for d in kb.evaluate(patient.profile).disagreements:
            one, other = d.permissive, d.restrictive
            key = (d.kind, d.technique or d.topic or "", one.rule_id, other.rule_id)
            about = (d.technique or d.topic or "").replace("_", " ")
            disagreements.setdefault(
                key,
                f"{d.kind} ({about}): {titles.get(one.ruleset, one.ruleset)} "
                f"({one.rule_id}) against {titles.get(other.ruleset, other.ruleset)} "
                f"({other.rule_id}), e.g. for “{patient.label}”",
            )
    add("<h2 id='disagreements'>Where the documents disagree</h2>")
    if disagreements:
        add("<p>Seen among the typical patients:</p><ul>")
        add("".join(f"<li>{e(text)}</li>" for text in disagreements.values()) + "</ul>")
    else:
        add("<p>No disagreement among the typical patients.</p>")

    add("<h2 id='rules'>Rules</h2>")
    for rule in kb.rules:
        quote = "".join(
            f"<blockquote>“{e(c.quote)}”{' (' + e(c.section) + ')' if c.section else ''}"
            "</blockquote>"
            for c in rule.cites
        )
        add(
            f"<div class='rule' id='rule-{e(rule.id)}'><strong>{e(rule.id)}</strong> "
            f"<span class='muted'>{e(titles.get(rule.ruleset, rule.ruleset))} · "
            f"{e(rule.location)}</span><p>{e(rule.because or '')}</p>{quote}</div>"
        )

    sections = _coverage_sections(kb)
    if sections:
        add("<h2 id='documents'>The documents, statement by statement (COVERAGE.md)</h2>")
        for title, body in sections:
            add(f"<h3>{_inline(title)}</h3>{body}")
    add("</body></html>")
    return "\n".join(parts)


def write_report(kb: KnowledgeBase, out: str | Path, *, analyze: bool = True) -> Path:
    """Write the report of `kb` to `out` (HTML)."""
    path = Path(out)
    text = render(kb, analyze=analyze)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write `{out}`: {exc.strerror or exc}") from None
    return path
