"""Create, list and revoke API keys: `python -m app.auth.cli create --name ci --scope generate`
(prints the key once: only its hash is stored), `... list`, `... revoke KEY_ID`.

The database is the service's (`database.url`, or `--database-url`); `make api-key` migrates it
first."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from app.auth import keys
from app.config import Settings
from app.db import create_engine, create_sessionmaker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.auth.cli", description=__doc__)
    parser.add_argument("--database-url", help="default: the service's database.url setting")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (once)")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument(
        "--scope", action="append", choices=keys.SCOPES, required=True, dest="scopes",
        help="repeat for several; admin holds every scope",
    )  # fmt: skip
    listing = commands.add_parser("list", help="every key (never the key itself)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    revoke = commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    return parser


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def _row(info: keys.KeyInfo) -> dict[str, object]:
    when = {
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
        "last_used_at": info.last_used_at.isoformat() if info.last_used_at else None,
    }
    return {"id": info.id, "name": info.name, "prefix": info.prefix,
            "scopes": list(info.scopes), **when}  # fmt: skip


async def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.database_url:
        settings.database.url = args.database_url
    engine = create_engine(settings.database)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if args.command == "create":
                info, key = await keys.create(session, args.name, args.scopes)
                scopes = " ".join(info.scopes)
                _say(f"created {info.id} ({info.name}; scopes: {scopes}); the key is shown only "
                     "now, on stdout: store it safely", err=True)  # fmt: skip
                _say(key)
            elif args.command == "list":
                for info in await keys.listing(session):
                    row = _row(info)
                    if args.json:
                        _say(json.dumps(row))
                    else:
                        state = "revoked" if info.revoked_at else "active"
                        scopes = ",".join(info.scopes)
                        _say(f"{info.id}  {info.prefix}...  {state:7}  {scopes:24}  {info.name}")
            else:
                revoked = await keys.revoke(session, args.key_id)
                if revoked is None:
                    _say(f"no key {args.key_id!r}", err=True)
                    return 1
                _say(f"revoked {revoked.id} ({revoked.name})")
    finally:
        await engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except ValueError as exc:
        _say(f"error: {exc}", err=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
