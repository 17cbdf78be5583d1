"""The language server, spoken to over stdio by pytest-lsp's client (a real LSP client this
project did not write), on the shipped rulesets and on a clinic's file with mistakes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the lsp extra is not installed")
pytest_lsp = pytest.importorskip("pytest_lsp", reason="the test extra is not installed")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from spinerules._resources import rulesets_dir  # noqa: E402

GOOD = """\
ruleset clinic "A clinic's policy"
use herniation

rule clinic_no_cupping:
  if condition = herniation and phase = acute
  then contraindicate cupping
  because "No cupping in an acute herniation."

test "acute herniation: no cupping":
  given condition = herniation, phase = acute
  expect contraindicated cupping
"""

BAD = """\
ruleset clinic "A clinic's policy"
use herniation

rule clinic_no_cupping:
  if conditon = herniation and phase = acutte
  then contraindicate cuping
  because "No cupping in an acute herniation."
"""

FAILING_TEST = GOOD.replace("expect contraindicated cupping", "expect recommended cupping")


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "spinerules", "lsp"]),
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


async def open_file(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.resolve().as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="spinerules", version=1, text=text
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


@pytest.mark.asyncio
async def test_diagnostics_as_you_type_with_ranges_and_quick_fixes(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_file(client, tmp_path / "clinic.rules", BAD)
    found = client.diagnostics[uri]
    messages = {d.message.split("\n")[0]: d for d in found}
    assert len(found) == 3, [d.message for d in found]
    fact = next(d for m, d in messages.items() if "conditon" in m)
    assert (fact.range.start.line, fact.range.start.character) == (4, 5)
    assert fact.range.end.character == 5 + len("conditon")
    assert fact.severity == types.DiagnosticSeverity.Error
    # every "did you mean" hint is a quick fix
    for diagnostic, fixed in (
        (fact, "condition"),
        (next(d for m, d in messages.items() if "acutte" in m), "acute"),
        (next(d for m, d in messages.items() if "cuping" in m), "cupping"),
    ):
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )  # fmt: skip
        assert actions is not None and len(actions) == 1
        action = actions[0]
        assert isinstance(action, types.CodeAction) and action.edit is not None
        (edit,) = action.edit.changes[uri]  # type: ignore[index]
        assert edit.new_text == fixed and edit.range == diagnostic.range
    # fixing the text clears the diagnostics
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=GOOD)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_hover_says_what_a_name_is_and_what_uses_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_file(client, tmp_path / "clinic.rules", GOOD)
    doc = types.TextDocumentIdentifier(uri=uri)
    fact = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=at(4, 7))
    )
    assert fact is not None and isinstance(fact.contents, types.MarkupContent)
    assert "**fact** `condition`" in fact.contents.value
    assert "main lumbar diagnosis" in fact.contents.value  # the fact's own question
    assert "clinic_no_cupping" in fact.contents.value  # read by the clinic's rule
    technique = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=at(5, 24))
    )
    assert technique is not None and "**technique** `cupping` under `massage`" in str(
        technique.contents
    )
    rule = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=at(3, 8))
    )
    assert rule is not None and "No cupping in an acute herniation." in str(rule.contents)
    # a shipped rule: its quote and its document's title
    vocabulary = (rulesets_dir() / "herniation.rules").read_text(encoding="utf-8")
    assert "herniation_severe_or_acute" in vocabulary
    value = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=at(4, 20))
    )
    assert value is not None and "**value** `herniation` of `condition`" in str(value.contents)


@pytest.mark.asyncio
async def test_completion_offers_what_may_come_next(client: LanguageClient, tmp_path: Path) -> None:
    uri = await open_file(client, tmp_path / "clinic.rules", GOOD)
    # typing a new rule: the text does not compile, the last version that did still helps
    text = GOOD + "\nrule more:\n  if phase = \n  then caution \n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert client.diagnostics[uri]  # the unfinished rule is an error
    doc = types.TextDocumentIdentifier(uri=uri)
    lines = text.split("\n")
    value_line = lines.index("  if phase = ")
    values = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=at(value_line, len(lines[value_line])))
    )
    labels = {i.label for i in (values.items if isinstance(values, types.CompletionList) else [])}
    assert labels == {"remission", "chronic", "subacute", "acute"}
    action_line = value_line + 1
    techniques = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=at(action_line, len(lines[action_line])))
    )
    assert isinstance(techniques, types.CompletionList)
    assert {"massage", "cupping", "deep_pressure"} <= {i.label for i in techniques.items}
    start = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=at(2, 0))
    )
    assert isinstance(start, types.CompletionList)
    assert {"rule", "fact", "test", "condition", "red_flags"} <= {i.label for i in start.items}


@pytest.mark.asyncio
async def test_definition_and_references_reach_into_the_shipped_rulesets(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_file(client, tmp_path / "clinic.rules", GOOD)
    doc = types.TextDocumentIdentifier(uri=uri)
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc, position=at(5, 24))
    )
    assert isinstance(found, types.Location)
    vocabulary = rulesets_dir() / "vocabulary.rules"
    assert found.uri == vocabulary.resolve().as_uri()
    line = vocabulary.read_text(encoding="utf-8").split("\n")[found.range.start.line]
    assert line.startswith("technique cupping under massage")
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc,
            position=at(5, 24),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    by_file = {Path(r.uri).name if "://" not in r.uri else r.uri.rsplit("/", 1)[1] for r in refs}
    assert {"clinic.rules", "vocabulary.rules"} <= by_file
    in_clinic = [r for r in refs if r.uri == uri]
    assert [(r.range.start.line, r.range.start.character) for r in in_clinic] == [(5, 22), (10, 25)]


@pytest.mark.asyncio
async def test_symbols_formatting_and_tests_on_demand(
    client: LanguageClient, tmp_path: Path
) -> None:
    messy = GOOD.replace("  if condition = herniation and phase = acute",
                         "  if   condition=herniation  and phase= acute")  # fmt: skip
    uri = await open_file(client, tmp_path / "clinic.rules", messy)
    doc = types.TextDocumentIdentifier(uri=uri)
    found = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc)
    )
    assert found is not None
    assert [(s.name, s.detail) for s in found] == [  # type: ignore[union-attr]
        ("clinic_no_cupping", "rule"),
        ("acute herniation: no cupping", "test"),
    ]
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc, options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits is not None and len(edits) == 1 and edits[0].new_text == GOOD
    # the tests run on demand; a failing one is a diagnostic at the test
    uri = await open_file(client, tmp_path / "failing.rules", FAILING_TEST)
    outcome = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="spinerules.runTests", arguments=[uri])
    )
    assert outcome == {"passed": 0, "failed": 1}
    (failure,) = client.diagnostics[uri]
    assert failure.code == "test-failed" and failure.range.start.line == 8
    assert "recommended cupping" in failure.message
