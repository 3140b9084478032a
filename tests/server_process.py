"""`concierge serve` as its own process for the tests: the product's launcher, on a given model server,
with the test identity secret and limits lifted (every test client is one address)."""

from __future__ import annotations

import json
from pathlib import Path

from agent.server_process import ServerProcess as _ServerProcess
from tests.conftest import IDENTITY_SECRET


class ServerProcess(_ServerProcess):
    """One `concierge serve` on a free port, configured through the environment like a deployment."""

    def __init__(self, data_dir: Path, model_url: str, env: dict[str, str] | None = None, port: int | None = None,
                 args: tuple[str, ...] = ()) -> None:
        super().__init__(data_dir, {"CONCIERGE_MODEL__BACKEND": "openai", "CONCIERGE_MODEL__BASE_URL": model_url,
                                    "CONCIERGE_MODEL__WARM_UP": "false",
                                    "CONCIERGE_WEB__IDENTITY_SECRETS": json.dumps([IDENTITY_SECRET]),
                                    "CONCIERGE_WEB__REQUESTS_PER_MINUTE_PER_IP": "100000",
                                    "CONCIERGE_WEB__MESSAGES_PER_MINUTE": "1000", "CONCIERGE_LOG_LEVEL": "INFO",
                                    **(env or {})}, port, args)
