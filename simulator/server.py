"""`digiwatt-bot simulator`: serve the simulator with uvicorn until interrupted."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from simulator.app import create_app
from simulator.config import SimulatorConfig

log = logging.getLogger(__name__)


def serve(host: str, port: int, state: str | None) -> int:
    """Run the simulator on host:port; `state` is a JSON file that keeps users across runs."""
    try:
        config = SimulatorConfig()
        app = create_app(config, state_path=Path(state) if state else None)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        print(f"Simulator configuration error: {name}: {first['msg']}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"Simulator state file {state} cannot be used: {error}", file=sys.stderr)
        return 2
    log.info(
        "Digiwatt simulator on http://%s:%d (client id %r, time zone %s)%s",
        host,
        port,
        config.client_id,
        config.timezone,
        f", users kept in {state}" if state else "",
    )
    # ws="none": the simulator speaks plain HTTP, and importing websockets only adds warnings.
    uvicorn.run(app, host=host, port=port, log_level="info", ws="none", lifespan="off")
    return 0
