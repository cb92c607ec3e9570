"""`flotilla-token`: mint a development bearer token (HS256 with FLOTILLA_AUTH_JWT_SECRET).

Development only: production verifies tokens from your identity provider through a JWKS URL,
which this command cannot sign for, and it refuses to run when FLOTILLA_AUTH_JWKS_URL is set.
"""

from __future__ import annotations

import argparse
import sys

from pydantic_settings import SettingsConfigDict

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import mint_token
from flotilla_runtime.settings import AuthSettings


class TokenSettings(AuthSettings):
    model_config = SettingsConfigDict(env_prefix="FLOTILLA_", extra="ignore")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flotilla-token", description=__doc__.splitlines()[0])
    parser.add_argument("--subject", "--sub", default="dev", help="the sub claim")
    parser.add_argument(
        "--role", action="append", choices=[r.value for r in Role], default=[], dest="roles"
    )
    parser.add_argument("--team", action="append", default=[], dest="teams")
    parser.add_argument("--service", action="store_true", help="a service-to-service token")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    settings = TokenSettings()
    if settings.auth_jwks_url:
        sys.stderr.write("flotilla-token: refusing: FLOTILLA_AUTH_JWKS_URL is set (production)\n")
        return 2
    if not args.roles and not args.service:
        parser.error("give at least one --role, or --service")
    token = mint_token(
        settings,
        subject=args.subject,
        roles=[Role(r) for r in args.roles],
        teams=args.teams,
        service=args.service,
        ttl_s=args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
