"""`spinerules lsp`: the language server, over stdio (pygls; the `lsp` extra).

Diagnostics as you type (errors with their ranges and hints; the file's own warnings), quick
fixes for "did you mean" hints, hover, completion, go to definition and find references (into
the files a document `use`s, shipped rulesets included), document symbols, formatting through
`fmt`, and the in-file tests run on demand (`spinerules.runTests`, their failures published as
diagnostics). What each answer says is worked out in `knowledge.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import filetests
from .._version import __version__
from ..diagnostics import Diagnostic
from ..errors import RulesError
from ..syntax.format import FormatError, format_text
from ..syntax.source import Source
from .knowledge import (
    Document,
    Place,
    check,
    completions,
    definition,
    hover,
    references,
    replacement,
    symbols,
    word_at,
)

__all__ = ["RUN_TESTS", "main", "make_server"]

RUN_TESTS = "spinerules.runTests"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "note": types.DiagnosticSeverity.Information,
}
_SYMBOL = {
    "fact": types.SymbolKind.Variable,
    "technique": types.SymbolKind.Class,
    "site": types.SymbolKind.Struct,
    "rule": types.SymbolKind.Function,
    "test": types.SymbolKind.Method,
}
_COMPLETION = {
    "keyword": types.CompletionItemKind.Keyword,
    "fact": types.CompletionItemKind.Variable,
    "value": types.CompletionItemKind.EnumMember,
    "technique": types.CompletionItemKind.Class,
    "site": types.CompletionItemKind.Struct,
}


def path_of(uri: str) -> Path | None:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def uri_of(path: Path | None, fallback: str) -> str:
    return path.resolve().as_uri() if path is not None else fallback


def _range(place: Place) -> types.Range:
    return types.Range(
        start=types.Position(line=place.line, character=place.character),
        end=types.Position(line=place.end_line, character=place.end_character),
    )


def _diagnostic(d: Diagnostic, path: Path | None) -> types.Diagnostic:
    """An LSP diagnostic in the document at `path`; one about another file (an import) is
    shown at the document's first line, naming where it is."""
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    place = Place.of(d.span)
    elsewhere = d.span.source.path is not None and path is not None and d.span.source.path != path
    if elsewhere:
        message = f"{d.span.location()}: {message}"
        place = Place(path, 0, 0, 0, 0)
    return types.Diagnostic(
        range=_range(place),
        message=message,
        severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Information),
        code=d.code,
        source="spinerules",
        data={"hint": d.hint} if d.hint else None,
    )


class RulesServer(LanguageServer):
    """The language server, with what it last learned of each open document."""

    def __init__(self) -> None:
        super().__init__("spinerules", __version__)
        self.documents: dict[str, Document] = {}
        #: per document, the last knowledge base that compiled: hover and completion go on
        #: working while the text has an error
        self.last_good: dict[str, Any] = {}

    def refresh(self, uri: str) -> Document:
        text = self.workspace.get_text_document(uri).source
        document = check(text, path_of(uri))
        self.documents[uri] = document
        if document.kb is not None:
            self.last_good[uri] = document.kb
        self.publish(uri, self.shown(uri, document))
        return document

    def shown(self, uri: str, document: Document) -> list[types.Diagnostic]:
        path = path_of(uri)
        return [_diagnostic(d, path) for d in document.diagnostics]

    def publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )

    def name_at(self, uri: str, position: types.Position) -> tuple[Any, str, int, int] | None:
        """(knowledge base, the name under the cursor, its start and end) or None."""
        kb = self.kb(uri)
        text = self.workspace.get_text_document(uri).source
        found = word_at(text, position.line, position.character)
        if kb is None or found is None:
            return None
        return (kb, *found)

    def kb(self, uri: str) -> Any:
        document = self.documents.get(uri)
        if document is not None and document.kb is not None:
            return document.kb
        return self.last_good.get(uri)


def make_server() -> RulesServer:
    server = RulesServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RulesServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RulesServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RulesServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RulesServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.pop(params.text_document.uri, None)
        ls.publish(params.text_document.uri, [])

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: RulesServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diagnostic in params.context.diagnostics:
            data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
            name = replacement(data.get("hint"))
            if name is None:
                continue
            edit = types.TextEdit(range=diagnostic.range, new_text=name)
            actions.append(
                types.CodeAction(
                    title=f"Replace with `{name}`",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]}),
                )
            )
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: RulesServer, params: types.HoverParams) -> types.Hover | None:
        found = ls.name_at(params.text_document.uri, params.position)
        words = hover(found[0], found[1]) if found is not None else None
        if found is None or words is None:
            return None
        line = params.position.line
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=words),
            range=types.Range(
                start=types.Position(line=line, character=found[2]),
                end=types.Position(line=line, character=found[3]),
            ),
        )

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[" ", "{", ","]),
    )
    def on_completion(ls: RulesServer, params: types.CompletionParams) -> types.CompletionList:
        text = ls.workspace.get_text_document(params.text_document.uri).source
        found = completions(
            ls.kb(params.text_document.uri), text, params.position.line,
            params.position.character,
        )  # fmt: skip
        items = [types.CompletionItem(label=label, kind=_COMPLETION[kind]) for label, kind in found]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: RulesServer, params: types.DefinitionParams) -> types.Location | None:
        found = ls.name_at(params.text_document.uri, params.position)
        place = definition(found[0], found[1]) if found is not None else None
        if place is None:
            return None
        return types.Location(uri=uri_of(place.path, params.text_document.uri), range=_range(place))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls: RulesServer, params: types.ReferenceParams) -> list[types.Location]:
        uri = params.text_document.uri
        found = ls.name_at(uri, params.position)
        if found is None:
            return []
        kb, name = found[0], found[1]
        path = path_of(uri)
        text = ls.workspace.get_text_document(uri).source
        current = Source(name=str(path) if path else uri, text=text, path=path)
        places = references(kb, name, current)
        if not params.context.include_declaration:
            declared = definition(kb, name)
            places = [p for p in places if p != declared]
        return [types.Location(uri=uri_of(p.path, uri), range=_range(p)) for p in places]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(
        ls: RulesServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        kb = ls.kb(params.text_document.uri)
        if kb is None:
            return []
        return [
            types.DocumentSymbol(
                name=name, kind=_SYMBOL[kind], detail=kind, range=_range(place),
                selection_range=_range(place),
            )
            for name, kind, place in symbols(kb, path_of(params.text_document.uri))
        ]  # fmt: skip

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_format(
        ls: RulesServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit] | None:
        text = ls.workspace.get_text_document(params.text_document.uri).source
        try:
            formatted = format_text(text, params.text_document.uri)
        except (RulesError, FormatError):
            return None  # a file with a syntax error is not formatted
        if formatted == text:
            return []
        lines = text.split("\n")
        whole = types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=len(lines) - 1, character=len(lines[-1])),
        )
        return [types.TextEdit(range=whole, new_text=formatted)]

    @server.command(RUN_TESTS)
    def run_tests(ls: RulesServer, *args: Any) -> dict[str, int]:
        """Run the document's in-file tests (the argument: its URI); failures become
        diagnostics at the tests."""
        if len(args) == 1 and isinstance(args[0], list):  # the arguments as one list
            args = tuple(args[0])
        if not args or not isinstance(args[0], str):
            raise ValueError(f"{RUN_TESTS} takes the document's URI")
        uri = args[0]
        document = ls.refresh(uri)
        published = ls.shown(uri, document)
        if document.kb is None:
            ls.publish(uri, published)
            return {"passed": 0, "failed": 0}
        run = filetests.run_kb(document.kb, uri)
        failed = 0
        path = path_of(uri)
        for outcome in run.outcomes:
            if outcome.passed or (path is not None and outcome.test.span.source.path != path):
                continue
            failed += 1
            message = f"test `{outcome.name}` fails:\n" + outcome.render()
            published.append(
                types.Diagnostic(
                    range=_range(Place.of(outcome.test.span)), message=message,
                    severity=types.DiagnosticSeverity.Error, code="test-failed",
                    source="spinerules test",
                )
            )  # fmt: skip
        ls.publish(uri, published)
        return {"passed": len(run.outcomes) - failed, "failed": failed}

    return server


def main() -> None:
    make_server().start_io()
