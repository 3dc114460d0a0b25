"""C2PA content credentials for delivered media (EU AI Act Art. 50(2): outputs marked machine-readably).

A library: no models, no writes but the files it is given. `ensure_signing_chain` makes (once) or loads the
ES256 chain the studio signs with; `sign_media` writes a signed copy of an MP4 or JPEG; `read_credentials`
says what a file carries. A reader rejects a bare self-signed leaf, so the per-install chain is a CA plus a
leaf signed by it (the leaf carries digitalSignature and the emailProtection + document-signing EKUs that
c2pa-rs accepts).
"""

import datetime
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

MIME_TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".webp": "image/webp",
}
MIME_TYPES.update({".mp3": "audio/mpeg", ".wav": "audio/wav"})  # a sound kind's audio, signed as c2pa-python can
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_ASSERTION = "org.studio.generation"
# IPTC source types that mean "made (or partly made) by a generative model".
AI_SOURCE_TYPES = ("/trainedAlgorithmicMedia", "/compositeWithTrainedAlgorithmicMedia", "/algorithmicMedia")
CLAIM_GENERATOR = "Studio"
# id-kp-documentSigning (RFC 9336), on c2pa-rs's default list of signing EKUs beside emailProtection.
DOCUMENT_SIGNING_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CA_VALIDITY = datetime.timedelta(days=3650)
LEAF_VALIDITY = datetime.timedelta(days=825)


@dataclass(frozen=True)
class SigningChain:
    chain_pem: bytes  # leaf first, then the CA
    key_pem: bytes
    ca_pem: bytes  # the trust anchor a verifier may be given

    @property
    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]


def default_directory() -> Path:
    return Path(settings.PROVENANCE_DIR)


def ensure_signing_chain(directory=None) -> SigningChain:
    """The operator's chain when settings name one, else the per-install chain under `directory`."""
    cert_path, key_path = settings.PROVENANCE_CERT_CHAIN, settings.PROVENANCE_PRIVATE_KEY
    if cert_path and key_path:
        chain_pem = Path(cert_path).read_bytes()
        certificates = x509.load_pem_x509_certificates(chain_pem)
        return SigningChain(
            chain_pem, Path(key_path).read_bytes(), certificates[-1].public_bytes(serialization.Encoding.PEM)
        )
    directory = Path(directory) if directory is not None else default_directory()
    ca_file, chain_file, key_file = directory / "ca.pem", directory / "chain.pem", directory / "signing-key.pem"
    directory.mkdir(parents=True, exist_ok=True)
    # Workers may all sign their first clip at once: one makes the chain, the others wait and read it.
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ca_file.exists() and chain_file.exists() and key_file.exists():
            return SigningChain(chain_file.read_bytes(), key_file.read_bytes(), ca_file.read_bytes())
        ca_pem, chain_pem, key_pem = _new_chain()
        _write_atomically(key_file, key_pem, mode=0o600)
        _write_atomically(ca_file, ca_pem, mode=0o644)
        _write_atomically(chain_file, chain_pem, mode=0o644)
        return SigningChain(chain_pem, key_pem, ca_pem)


def _write_atomically(path, data, *, mode):
    """Write beside `path` (created with `mode`, never wider) and rename over it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _new_chain():
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Studio"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Studio provenance CA"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Studio"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Studio content credentials"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + LEAF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )  # digitalSignature
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING_EKU]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), leaf.public_bytes(pem) + ca.public_bytes(pem), key_pem


def public_key_bytes(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_key_public_bytes(key_pem: bytes) -> bytes:
    """The public half of a PEM private key, to check it belongs to a certificate. ValueError if unreadable."""
    return public_key_bytes(serialization.load_pem_private_key(key_pem, password=None).public_key())


def mime_type_of(path) -> str:
    try:
        return MIME_TYPES[Path(path).suffix.lower()]
    except KeyError:
        raise ValueError(f"no C2PA format for {Path(path).name}") from None


def _signer(chain: SigningChain) -> c2pa.Signer:
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=chain.chain_pem, private_key=chain.key_pem, ta_url=None)
    return c2pa.Signer.from_info(info)


def manifest_definition(*, generation_public_id, model_name, studio_version, created_at, edited) -> dict:
    software_agent = {"name": CLAIM_GENERATOR, "version": studio_version}
    action = {
        "action": "c2pa.edited" if edited else "c2pa.created",
        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
        "softwareAgent": software_agent,
        "when": created_at.isoformat(),
        "parameters": {"model": model_name},
    }
    actions = [action]
    if edited:
        # c2pa-rs rejects an actions list that starts with anything but created or opened: an edit first opens
        # its parent (the parentOf ingredient), then edits it.
        opened = {"action": "c2pa.opened", "softwareAgent": software_agent, "parameters": {"ingredientIds": ["parent"]}}
        actions = [opened, action]
    return {
        "claim_generator_info": [software_agent],
        "title": generation_public_id,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {
                "label": GENERATION_ASSERTION,
                "data": {
                    "generation_id": generation_public_id,
                    "created_at": created_at.isoformat(),
                    "model": model_name,
                },
            },
        ],
    }


def sign_media(
    path_in, path_out, *, generation_public_id, model_name, studio_version, created_at, parent_manifest_path=None, chain
):
    """Write a signed copy of `path_in` to `path_out` (same format: MP4 or JPEG)."""
    mime_type = mime_type_of(path_in)
    definition = manifest_definition(
        generation_public_id=generation_public_id,
        model_name=model_name,
        studio_version=studio_version,
        created_at=created_at,
        edited=parent_manifest_path is not None,
    )
    with c2pa.Builder(definition) as builder:
        if parent_manifest_path is not None:
            ingredient = {"title": Path(parent_manifest_path).name, "relationship": "parentOf", "label": "parent"}
            with open(parent_manifest_path, "rb") as parent:
                builder.add_ingredient(ingredient, mime_type_of(parent_manifest_path), parent)
        # Signed into a temporary file beside `path_out` and renamed: a failure leaves no half-written copy.
        path_out = Path(path_out)
        temporary = path_out.with_name(f".{path_out.name}.{os.getpid()}.signing")
        try:
            with _signer(chain) as signer, open(path_in, "rb") as source, open(temporary, "w+b") as dest:
                builder.sign(signer, mime_type, source, dest)
            os.replace(temporary, path_out)
        finally:
            temporary.unlink(missing_ok=True)


def trust_settings(ca_pem: bytes) -> dict:
    """c2pa settings that make `ca_pem` a trust anchor (validation_state becomes Trusted)."""
    return {"verify": {"verify_trust": True}, "trust": {"trust_anchors": ca_pem.decode()}}


def read_credentials(path, *, trust_anchor_pem: bytes | None = None, mime_type: str | None = None) -> dict:
    """State `missing`, `invalid`, `valid` or `trusted` (when signed by `trust_anchor_pem`), and what it says.

    On `invalid` the actions, generation id and signer are what the file claims, not facts: check the state.
    """
    mime_type = mime_type or mime_type_of(path)
    context = c2pa.Context(c2pa.Settings.from_dict(trust_settings(trust_anchor_pem))) if trust_anchor_pem else None
    try:
        with open(path, "rb") as stream, c2pa.Reader(mime_type, stream, context=context) as reader:
            manifest = reader.get_active_manifest() or {}
            state = (reader.get_validation_state() or "").lower()
            report = json.loads(reader.json())
    except c2pa.C2paError.ManifestNotFound:
        return {"state": "missing"}
    except c2pa.C2paError as error:  # a manifest is there but cannot be read or fails outright
        return {"state": "invalid", "reason": str(error)}
    failures = [
        item.get("code", "") + (": " + item["explanation"] if item.get("explanation") else "")
        for item in _failures(report)
    ]
    result = {
        "state": "invalid" if failures or state == "invalid" else ("trusted" if state == "trusted" else "valid"),
        "reason": "; ".join(failures) or None,
        "actions": [],
        "generation_id": None,
        "signer": (manifest.get("signature_info") or {}).get("common_name")
        or (manifest.get("signature_info") or {}).get("issuer"),
    }
    result["assertions"] = [assertion["label"] for assertion in manifest.get("assertions", [])]
    result["ingredients"] = [
        {"title": item.get("title"), "relationship": item.get("relationship")} for item in manifest.get("ingredients", [])
    ]
    generator = (manifest.get("claim_generator_info") or [{}])[0]
    result["claim_generator"] = generator.get("name") or manifest.get("claim_generator")
    result["ai_generated"] = False
    for assertion in manifest.get("assertions", []):
        if assertion["label"].startswith("c2pa.actions"):
            actions = assertion["data"].get("actions", [])
            result["actions"] += [action["action"] for action in actions]
            result["ai_generated"] |= any(
                str(action.get("digitalSourceType", "")).endswith(AI_SOURCE_TYPES) for action in actions
            )
        elif assertion["label"] == GENERATION_ASSERTION:
            result["generation_id"] = assertion["data"].get("generation_id")
    return result


def _failures(report):
    results = report.get("validation_results") or {}
    active = results.get("activeManifest") or {}
    failures = list(active.get("failure", []))
    if not results:
        failures = list(report.get("validation_status") or [])
    return [item for item in failures if item.get("code") != "signingCredential.untrusted"]
