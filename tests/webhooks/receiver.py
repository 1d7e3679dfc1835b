"""A real HTTP receiver on 127.0.0.1 (Starlette under uvicorn, on a free port) that verifies
each webhook's signature the way a subscriber would and answers with scripted statuses."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes
    peer: str
    verified: bool


@dataclass
class Receiver:
    secret: str
    window_s: float
    script: list[int] = field(default_factory=list)  # statuses to answer, then 200
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def url(self, host: str = "127.0.0.1", path: str = "/hook") -> str:
        return f"http://{host}:{self.port}{path}"

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        verified = verify_signature(
            self.secret,
            body,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(TIMESTAMP_HEADER),
            self.window_s,
        )
        peer = request.client.host if request.client else ""
        self.seen.append(Seen(request.url.path, dict(request.headers), body, peer, verified))
        if not verified:
            return Response("bad signature", status_code=401)
        status = self.script.pop(0) if self.script else 200
        if status in (301, 302, 307, 308):
            return Response(status_code=status, headers={"Location": self.url(path="/moved")})
        return Response("x" * 100_000 if status >= 500 else "ok", status_code=status)


@asynccontextmanager
async def running(secret: str, window_s: float = 300) -> AsyncIterator[Receiver]:
    receiver = Receiver(secret, window_s)
    routes = [Route("/{path:path}", receiver.handle, methods=["POST", "GET"])]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    config = uvicorn.Config(Starlette(routes=routes), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers only this flag)
                await asyncio.sleep(0.01)
        yield receiver
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await serving
        sock.close()
