"""The service spoken to by clients this project did not write: HealthChain's SandboxClient (in
its own virtual environment, since it pins older FastAPI/httpx) and schemathesis, which
generates requests from the service's OpenAPI description and checks every answer against it.

The HealthChain environment is made by `.ci/run` (`.venv-healthchain`), or named by
SPINERULES_HEALTHCHAIN_PYTHON; outside CI a missing one skips that test with the command that
makes it, in CI it fails."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
schemathesis = pytest.importorskip("schemathesis", reason="the test extra is not installed")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode  # noqa: E402
from serving import Server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cds-hooks" / "patient-view.json"
HEALTHCHAIN = Path(
    os.environ.get("SPINERULES_HEALTHCHAIN_PYTHON", ROOT / ".venv-healthchain" / "bin" / "python")
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server("all", log=tmp_path_factory.mktemp("clients") / "log.jsonl")
    yield running
    running.close()


@pytest.mark.slow
def test_healthchain_sandbox_client_gets_valid_cards(server: Server, tmp_path: Path) -> None:
    if not HEALTHCHAIN.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide HealthChain at {HEALTHCHAIN} (see .ci/run)")
        pytest.skip(
            "HealthChain needs its own environment: python3.11 -m venv .venv-healthchain && "
            ".venv-healthchain/bin/pip install healthchain==0.16.1"
        )
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    prefetch = tmp_path / "prefetch.json"
    prefetch.write_text(json.dumps(request["prefetch"]), encoding="utf-8")
    url = f"{server.url}/cds-services/spinerules-patient-view"
    run = subprocess.run(
        [str(HEALTHCHAIN), str(ROOT / "tests" / "clients" / "healthchain_client.py"), url,
         "patient-view", str(prefetch)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout)
    assert [r["hook"] for r in got["requests"]] == ["patient-view"]
    (response,) = got["responses"]
    # HealthChain's models read every card; they are the cards our own client gets
    ours = server.client.post(url, json=request).json()["cards"]
    assert [(c["indicator"], c["summary"]) for c in response["cards"]] == [
        (c["indicator"], c["summary"]) for c in ours
    ]
    assert response["cards"][0]["summary"].startswith("Refer urgently")


#: named, not left to schemathesis' defaults, so that a check cannot be dropped unseen
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.mark.slow
def test_every_generated_request_gets_a_documented_answer(server: Server) -> None:
    """schemathesis' checks on each operation: no 5xx, a documented status and content type,
    and a body that fits the response schema (cards with summaries under 140 characters, an
    OperationOutcome for an error). Its pytest plugin is not used: it does not follow the
    pytest this project runs, and the Python API gives the same checks."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    services = [s["id"] for s in server.client.get("/cds-services").json()["services"]]
    assert {op.label for op in operations} == {
        "GET /cds-services",
        *(f"POST /cds-services/{sid}" for sid in services),
        *(f"POST /cds-services/{sid}/feedback" for sid in services),
    }
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)  # requests that fit, and not
    for operation, mode in itertools.product(operations, modes):
        if mode is GenerationMode.NEGATIVE and operation.method == "get":
            continue  # discovery takes nothing that could be wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=60, deadline=None, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        check()
