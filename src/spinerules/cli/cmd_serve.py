"""`spinerules serve` and `spinerules replay`."""

from __future__ import annotations

import argparse

from ..errors import RulesError
from .inputs import knowledge_base
from .output import Out, emit_json, plural
from .registry import FORMAT, UsageError, arg, subcommand

_TARGET = arg(
    "target", nargs="?", default="all", metavar="RULESET|PATH",
    help="the knowledge base to serve: `all` (the default), a shipped ruleset or a path",
)  # fmt: skip


@subcommand(
    "serve",
    _TARGET,
    arg("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"),
    arg("--port", type=int, default=8080, help="the port (default: 8080)"),
    arg("--bindings", metavar="FILE", help="FHIR bindings (default: the shipped ones)"),
    arg("--log", metavar="FILE", help="append every decision and feedback to this JSON Lines log"),
    arg("--order-technique", default="massage", metavar="TECHNIQUE",
        help="what a draft ServiceRequest orders (default: massage)"),
)  # fmt: skip
def cmd_serve(args: argparse.Namespace, out: Out) -> int:
    """Serve CDS Hooks 2.0: cards for a patient's FHIR record, at /cds-services.

    Discovery lists a patient-view service and order-select/order-sign services for a massage
    order; each asks for the patient's Conditions (and Observations, Procedures, medications)
    as prefetch. Needs `pip install 'spinerules[server]'`. docs/server.md has the details.
    """
    try:
        import uvicorn

        from ..decisionlog import DecisionLog
        from ..server import create_app, load_bindings
    except ImportError:
        raise UsageError(
            "`serve` needs the server extra: pip install 'spinerules[server]'"
        ) from None
    kb = knowledge_base(args.target)
    try:
        bindings = load_bindings(kb, args.bindings)
    except OSError as exc:
        raise UsageError(f"cannot read `{args.bindings}`: {exc.strerror or exc}") from None
    except RulesError as exc:
        for error in exc.errors:
            out.err.write(error.diagnostic().render(out.style) + "\n")
        return 1
    if args.log:
        try:
            open(args.log, "a", encoding="utf-8").close()
        except OSError as exc:
            raise UsageError(f"cannot write `{args.log}`: {exc.strerror or exc}") from None
    log = DecisionLog(args.log) if args.log else None
    try:
        app = create_app(kb, bindings, log, args.order_technique)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out.err.write(
        f"spinerules: serving `{kb.name}` (fingerprint {kb.fingerprint[:12]}) at "
        f"http://{args.host}:{args.port}/cds-services\n"
    )
    out.err.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


@subcommand(
    "replay",
    arg("log", metavar="LOG", help="a decision log (JSON Lines) written by serve or the library"),
    _TARGET,
    FORMAT,
)  # fmt: skip
def cmd_replay(args: argparse.Namespace, out: Out) -> int:
    """Evaluate every logged decision again and list those whose answer would change.

    For each: the decision, the fingerprint that answered then, each technique whose verdict
    changes (then -> now) and the rules deciding it then and now. Exit status 1 when some
    decision would change.
    """
    from ..decisionlog import replay

    kb = knowledge_base(args.target)
    try:
        changes = replay(args.log, kb)
    except OSError as exc:
        raise UsageError(f"cannot read `{args.log}`: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        emit_json(out, {"changes": [
            {"decision": c.decision, "line": c.line, "fingerprint": c.fingerprint,
             "verdicts": c.verdicts, "rules": c.rules, "error": c.error} for c in changes
        ]})  # fmt: skip
        return 1 if changes else 0
    for change in changes:
        out.line(
            out.style(f"decision {change.decision}", "bold")
            + f" (line {change.line}, answered by {change.fingerprint[:12]})"
        )
        if change.error:
            out.line(f"  cannot evaluate it now: {change.error}")
        for technique, (then, now) in change.verdicts.items():
            before, after = change.rules[technique]
            out.line(f"  {technique}: {then} -> {out.style(now, 'bold')}")
            out.line(out.style(
                f"    then: {', '.join(before) or '-'}; now: {', '.join(after) or '-'}", "dim"
            ))  # fmt: skip
    summary = (
        f"{plural(len(changes), 'decision')} would change with `{kb.name}` ({kb.fingerprint[:12]})"
    )
    out.line(out.style(summary, "bold", "red" if changes else "green"))
    return 1 if changes else 0
