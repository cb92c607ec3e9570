"""Named contexts, as kubectl and argocd keep them: which Flotilla, as whom.

The file is `$FLOTILLA_CONFIG`, else `$XDG_CONFIG_HOME/flotilla/config.toml`, else
`~/.config/flotilla/config.toml`, written with mode 600 (it holds tokens) by replacing it whole:

    current-context = "local"

    [contexts.local]
    url = "http://127.0.0.1:8080"            # release-api, as given to `flotilla login`
    token = "eyJ..."                          # or token-file = "/run/secrets/flotilla"
    subject = "alice"                         # who the token says (shown, never the token)
    ca-file = "/etc/ssl/corp-ca.pem"          # optional: the servers' CA
    [contexts.local.services]                 # from GET /v1/discovery at login
    cluster-registry = "http://127.0.0.1:8081"

`--context NAME` picks another context for one command; `FLOTILLA_URL` and `FLOTILLA_TOKEN`
override the context's URL and token (CI jobs need no file at all).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flotilla_cli.errors import CliError, Exit

SERVICES = ("release-api", "cluster-registry", "k8s-sync", "monitor-gateway")


def config_path() -> Path:
    explicit = os.environ.get("FLOTILLA_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flotilla" / "config.toml"


@dataclass
class Context:
    name: str
    url: str
    token: str | None = None
    token_file: str | None = None
    subject: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    services: dict[str, str] = field(default_factory=dict)

    def bearer(self) -> str | None:
        """The token: FLOTILLA_TOKEN, else the context's, else its token file's."""
        from_env = os.environ.get("FLOTILLA_TOKEN")
        if from_env:
            return from_env.strip()
        if self.token:
            return self.token
        if self.token_file:
            try:
                return Path(self.token_file).expanduser().read_text().strip()
            except OSError as exc:
                raise CliError(
                    f"cannot read the token file {self.token_file}: {exc.strerror}", Exit.USAGE
                ) from exc
        return None

    def urls(self) -> dict[str, str]:
        """Each service's base URL: release-api is the context's URL; the others are those
        discovery named (else, for a URL with port 8080, the local stack's next ports)."""
        base = self.url.rstrip("/")
        out = {"release-api": base}
        for offset, name in enumerate(SERVICES[1:], start=1):
            out[name] = self.services.get(name) or _neighbour(base, offset)
        return out

    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_file or True

    def as_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url}
        for key, value in (
            ("token", self.token),
            ("token-file", self.token_file),
            ("subject", self.subject),
            ("ca-file", self.ca_file),
        ):
            if value:
                out[key] = value
        if self.insecure:
            out["insecure"] = True
        if self.services:
            out["services"] = dict(self.services)
        return out


def _neighbour(base: str, offset: int) -> str:
    """The local stack's layout (services on consecutive ports) when discovery named none."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    if parts.port is None:
        return base
    host = parts.hostname or "127.0.0.1"
    return urlunsplit((parts.scheme, f"{host}:{parts.port + offset}", parts.path, "", ""))


@dataclass
class Config:
    path: Path
    current: str | None = None
    contexts: dict[str, Context] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Config:
        path = path or config_path()
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            return cls(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CliError(f"cannot read {path}: {exc}", Exit.USAGE) from exc
        contexts: dict[str, Context] = {}
        for name, body in (raw.get("contexts") or {}).items():
            if not isinstance(body, dict) or not isinstance(body.get("url"), str):
                raise CliError(f"{path}: context {name!r} has no url", Exit.USAGE)
            contexts[name] = Context(
                name=name,
                url=body["url"],
                token=body.get("token"),
                token_file=body.get("token-file"),
                subject=body.get("subject"),
                ca_file=body.get("ca-file"),
                insecure=bool(body.get("insecure", False)),
                services=dict(body.get("services") or {}),
            )
        return cls(path, raw.get("current-context"), contexts)

    def save(self) -> None:
        """Replace the file atomically, readable by its owner only."""
        import tomli_w

        data: dict[str, Any] = {}
        if self.current:
            data["current-context"] = self.current
        data["contexts"] = {name: c.as_toml() for name, c in sorted(self.contexts.items())}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(tomli_w.dumps(data).encode())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def resolve(self, name: str | None) -> Context:
        """The context to use: `--context`, else the current one; FLOTILLA_URL alone makes
        one up (a CI job with FLOTILLA_URL and FLOTILLA_TOKEN needs no file)."""
        url = os.environ.get("FLOTILLA_URL")
        chosen = name or self.current
        if chosen is not None and chosen in self.contexts:
            context = self.contexts[chosen]
            if url:
                context = Context(**{**context.__dict__, "url": url, "services": {}})
            return context
        if name is not None:
            known = ", ".join(sorted(self.contexts)) or "none"
            raise CliError(f"no context named {name!r} (known: {known})", Exit.USAGE)
        if url:
            return Context(name="env", url=url)
        raise CliError(
            "no Flotilla to talk to",
            Exit.USAGE,
            hints=("run `flotilla login URL` first, or set FLOTILLA_URL and FLOTILLA_TOKEN",),
        )
