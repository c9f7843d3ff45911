"""`vetting serve`'s process: its address taken before anything else, uvicorn with a bounded stop.

The socket is bound and listening before migrations, the bootstrap token or the application's
start-up: an address already in use ends the command with one line saying so, instead of a
started application (timers, sweeps) that then cannot listen. On SIGTERM uvicorn gives requests
in flight the grace period, and the application's shutdown gives its in-process jobs the same
(workers.runtime.shutdown); undelivered work stays in the database.
"""

from __future__ import annotations

import errno
import math
import socket
from typing import Any

from service.config import Settings

# uvicorn's own exit status when the application did not start.
STARTUP_FAILURE = 3


class CannotListen(Exception):
    """The address cannot be listened on; the message is the one line the operator reads."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if error.errno == errno.EADDRINUSE:
            message = (
                f"{address} は他のプロセスが使用中のため、待ち受けできません。"
                "そのプロセスを止めるか、別のポート（--port / VETTING_PORT）を指定してください。 / "
                f"cannot listen on {address}: the address is already in use; stop the process "
                "using it or choose another port (--port / VETTING_PORT)."
            )
        else:
            reason = error.strerror or str(error)
            message = (
                f"{address} で待ち受けできません（{reason}）。 / "
                f"cannot listen on {address}: {reason}."
            )
        super().__init__(message)
        self.error = error


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A TCP socket bound to host:port and listening, as uvicorn would bind it; or CannotListen."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    try:
        # Like uvicorn: a restart may reuse a port whose old connections are in TIME_WAIT. Two
        # sockets may then bind one port, but only one can listen: listen() is the real test.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise CannotListen(host, port, exc) from None
    sock.set_inheritable(True)  # --workers: the worker processes serve the same socket
    return sock


def serve(settings: Settings, sock: socket.socket, *, workers: int) -> int:
    """Run uvicorn on the socket until stopped; the exit status for the command."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    options: dict[str, Any] = {
        "log_level": "info",
        # Requests still running when SIGTERM comes get this long; the lifespan's shutdown (the
        # in-process jobs) gets the same again.
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_grace_seconds),
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; the app trusts only
        # VETTING_TRUSTED_PROXIES (service.throttling), so a local caller cannot pose as another.
        "proxy_headers": False,
    }
    if workers > 1:  # separate processes: each builds its app from the factory
        config = uvicorn.Config("service.app:create_app", factory=True, workers=workers, **options)
        Multiprocess(config, sockets=[sock]).run()
        return 0
    from service.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), **options))
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE
