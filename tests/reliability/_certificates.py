"""Certificates made at test time: a private CA, a server and a client certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Authority", "Pki", "make_pki"]


@attrs.frozen
class Authority:
    """A CA certificate and the files of one certificate it signed."""

    ca: Path
    certificate: Path
    key: Path
    combined: Path
    encrypted_key: Path


@attrs.frozen
class Pki:
    """The files a TLS test needs; ``other_ca`` signed nothing the server uses."""

    server: Authority
    client: Authority
    other_ca: Path

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """The emulator's side: its certificate, and the client CA when it asks."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server.certificate, self.server.key)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.client.ca)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _builder(
    subject: str, issuer: str, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def _authority(directory: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(_pem_cert(certificate))
    return key, path


def _leaf(
    directory: Path,
    name: str,
    ca_name: str,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_path: Path,
    *,
    server: bool,
) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _builder(name, ca_name, key.public_key()).add_extension(
        x509.ExtendedKeyUsage(
            [
                ExtendedKeyUsageOID.SERVER_AUTH
                if server
                else ExtendedKeyUsageOID.CLIENT_AUTH
            ]
        ),
        critical=False,
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    certificate = builder.sign(ca_key, hashes.SHA256())

    certificate_path = directory / f"{name}.crt"
    key_path = directory / f"{name}.key"
    combined = directory / f"{name}-with-key.pem"
    certificate_path.write_bytes(_pem_cert(certificate))
    key_path.write_bytes(_pem_key(key))
    combined.write_bytes(_pem_cert(certificate) + _pem_key(key))
    encrypted = directory / f"{name}-encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-passphrase"),
        )
    )
    return Authority(
        ca=ca_path,
        certificate=certificate_path,
        key=key_path,
        combined=combined,
        encrypted_key=encrypted,
    )


def make_pki(directory: Path) -> Pki:
    """A server CA with a server certificate for 127.0.0.1, a client CA with a
    client certificate, and an unrelated CA."""
    server_ca_key, server_ca = _authority(directory, "server-ca")
    client_ca_key, client_ca = _authority(directory, "client-ca")
    _, other_ca = _authority(directory, "other-ca")

    return Pki(
        server=_leaf(
            directory, "server", "server-ca", server_ca_key, server_ca, server=True
        ),
        client=_leaf(
            directory, "client", "client-ca", client_ca_key, client_ca, server=False
        ),
        other_ca=other_ca,
    )
