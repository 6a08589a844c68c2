"""What the replay answers, and what its dynamic endpoints may ask of the site they serve.

The bottom of the replay: :mod:`~policywatch.crawler.replay.endpoints` and
:mod:`~policywatch.crawler.replay.server` both import it, and the server imports the
endpoints, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class ReplayResponse:
    """What the replay answers: status, headers and body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class SiteFiles(Protocol):
    """The part of a replay site an endpoint reads: files and listing rows of its layers."""

    def find_file(self, host: str, path: str) -> Path | None: ...

    def read_json_layers(self, host: str, name: str) -> list[Any]: ...


Endpoint = Callable[..., ReplayResponse]
