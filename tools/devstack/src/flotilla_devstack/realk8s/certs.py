"""A real cluster's keys: kubesim's CA and server certificate (kubesim.tls, here also for the
Service IP 10.96.0.1), and the ServiceAccount token signing pair."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kubesim import tls


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    ca_pem: bytes
    server_cert: Path
    server_key: Path
    sa_private: Path
    sa_public: Path


def write(directory: Path, days: int = 7) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    server = tls.generate(days, ips=("127.0.0.1", "10.96.0.1"))
    sa_key = ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    files = {
        "ca.crt": server.ca_pem,
        "apiserver.crt": server.cert_pem,
        "apiserver.key": server.key_pem,
        "sa.key": sa_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "sa.pub": sa_key.public_key().public_bytes(
            pem, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
        if name.endswith(".key"):
            (directory / name).chmod(0o600)
    return Pki(
        ca_cert=directory / "ca.crt",
        ca_pem=server.ca_pem,
        server_cert=directory / "apiserver.crt",
        server_key=directory / "apiserver.key",
        sa_private=directory / "sa.key",
        sa_public=directory / "sa.pub",
    )
