"""Run by tests/test_server_clients.py inside HealthChain's own virtual environment (it pins
older FastAPI/httpx): HealthChain's SandboxClient sends the example prefetch to a running
`spinerules serve` and this script prints what came back, checked against HealthChain's own
CDS Hooks models, as JSON on stdout.

    python healthchain_client.py SERVICE_URL WORKFLOW PREFETCH_JSON
"""

import json
import sys

from healthchain.models import CDSResponse
from healthchain.sandbox import SandboxClient


def main() -> int:
    url, workflow, prefetch = sys.argv[1:4]
    client = SandboxClient(url=url, workflow=workflow, timeout=30)
    client.load_from_path(prefetch)
    requests = client.preview_requests()
    responses = client.send_requests()
    # SandboxClient falls back to the raw dict when its own models fail, and to {} on an HTTP
    # error: validate every response again, strictly, so that neither passes unnoticed
    checked = []
    for response in responses:
        model = CDSResponse.model_validate(response)
        checked.append(model.model_dump(mode="json", exclude_none=True))
    json.dump({"requests": requests, "responses": checked}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
