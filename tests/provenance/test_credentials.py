"""C2PA content credentials: real MP4s (PyAV) and JPEGs (Pillow), signed and read back with c2pa's own Reader."""

import datetime
import io
import json
import stat
import struct
import threading
import time
from fractions import Fraction

import av
import c2pa
import numpy as np
import pytest
from cryptography import x509
from PIL import Image

from generations.provenance import credentials
from generations.provenance.credentials import GENERATION_ASSERTION, TRAINED_ALGORITHMIC_MEDIA

CREATED_AT = datetime.datetime(2026, 12, 2, 11, 0, tzinfo=datetime.UTC)


def make_mp4(path, *, seconds=1, width=320, height=240, fps=24, textured=False):
    """A real H.264 MP4; `textured` pans a noise field so the bitrate is nearer a generated clip's."""
    noise = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8) if textured else None
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        stream.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            if noise is not None:
                frame = av.VideoFrame.from_ndarray(np.roll(noise, index * 4, axis=1), format="rgb24")
                frame.pts = index
                container.mux(stream.encode(frame))
                continue
            pixels = np.zeros((height, width, 3), dtype=np.uint8)
            pixels[:, :, 0] = (index * 7) % 256
            pixels[: height // 2, : width // 2, 1] = 200
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def make_jpeg(path, color=(200, 40, 10)):
    Image.new("RGB", (160, 120), color).save(path, quality=90)
    return path


def sign(chain, source, dest, **extra):
    credentials.sign_media(
        source,
        dest,
        generation_public_id="gen_abc123",
        model_name="kling-v2-1",
        studio_version="1.4.0",
        created_at=CREATED_AT,
        chain=chain,
        **extra,
    )
    return dest


def reader_of(path, mime_type, context=None):
    with open(path, "rb") as handle:
        data = handle.read()
    return c2pa.Reader(mime_type, io.BytesIO(data), context=context)


def active_manifest(reader):
    return reader.get_active_manifest()


def assertion(manifest, label_prefix):
    return next(item["data"] for item in manifest["assertions"] if item["label"].startswith(label_prefix))


def failure_codes(reader):
    results = reader.get_validation_results() or {}
    return [item["code"] for item in (results.get("activeManifest") or {}).get("failure", [])]


@pytest.fixture
def chain(tmp_path):
    return credentials.ensure_signing_chain(tmp_path / "provenance")


@pytest.mark.parametrize("suffix,mime_type", [(".mp4", "video/mp4"), (".jpg", "image/jpeg")])
def test_a_signed_copy_is_valid_and_carries_the_actions_and_the_generation(tmp_path, chain, suffix, mime_type):
    source = make_mp4(tmp_path / "in.mp4") if suffix == ".mp4" else make_jpeg(tmp_path / "in.jpg")
    signed = sign(chain, source, tmp_path / f"out{suffix}")

    reader = reader_of(signed, mime_type)
    assert reader.get_validation_state() == "Valid"
    manifest = active_manifest(reader)
    assert manifest["claim_generator_info"][0]["name"] == "Studio"
    assert manifest["claim_generator_info"][0]["version"] == "1.4.0"
    (action,) = assertion(manifest, "c2pa.actions")["actions"]
    assert action["action"] == "c2pa.created"
    assert action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert action["softwareAgent"] == {"name": "Studio", "version": "1.4.0"}
    assert action["parameters"]["model"] == "kling-v2-1"
    generation = assertion(manifest, GENERATION_ASSERTION)
    assert generation["generation_id"] == "gen_abc123"
    assert generation["created_at"] == CREATED_AT.isoformat()
    assert manifest["signature_info"]["alg"].lower() == "es256"

    described = credentials.read_credentials(signed)
    assert described["state"] == "valid" and described["reason"] is None
    assert described["actions"] == ["c2pa.created"] and described["generation_id"] == "gen_abc123"
    assert described["signer"] == "Studio content credentials"


@pytest.mark.parametrize("suffix,mime_type", [(".mp4", "video/mp4"), (".jpg", "image/jpeg")])
def test_the_install_ca_as_trust_anchor_makes_it_trusted(tmp_path, chain, suffix, mime_type):
    source = make_mp4(tmp_path / "in.mp4") if suffix == ".mp4" else make_jpeg(tmp_path / "in.jpg")
    signed = sign(chain, source, tmp_path / f"out{suffix}")

    context = c2pa.Context(
        c2pa.Settings.from_dict({"verify": {"verify_trust": True}, "trust": {"trust_anchors": chain.ca_pem.decode()}})
    )
    assert reader_of(signed, mime_type, context).get_validation_state() == "Trusted"
    assert credentials.read_credentials(signed, trust_anchor_pem=chain.ca_pem)["state"] == "trusted"

    # Another install's CA does not vouch for this one's leaf: the signature is still valid, not trusted.
    other = credentials.ensure_signing_chain(tmp_path / "elsewhere")
    assert credentials.read_credentials(signed, trust_anchor_pem=other.ca_pem)["state"] == "valid"


def mdat_range(data):
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        if kind == b"mdat":
            return offset + header, offset + size
        offset += size
    raise AssertionError("no mdat box")


@pytest.mark.parametrize("suffix,mime_type", [(".mp4", "video/mp4"), (".jpg", "image/jpeg")])
def test_one_flipped_byte_in_the_media_is_a_hash_mismatch(tmp_path, chain, suffix, mime_type):
    source = make_mp4(tmp_path / "in.mp4") if suffix == ".mp4" else make_jpeg(tmp_path / "in.jpg")
    signed = sign(chain, source, tmp_path / f"out{suffix}")
    data = bytearray(signed.read_bytes())
    if suffix == ".mp4":
        start, end = mdat_range(data)
        data[(start + end) // 2] ^= 0xFF
    else:
        data[-10] ^= 0xFF  # inside the entropy-coded scan, just before the EOI marker
    signed.write_bytes(bytes(data))

    reader = reader_of(signed, mime_type)
    assert reader.get_validation_state() == "Invalid"
    assert any("mismatch" in code for code in failure_codes(reader)), failure_codes(reader)
    described = credentials.read_credentials(signed)
    assert described["state"] == "invalid" and "mismatch" in described["reason"]


def test_a_tampered_claim_is_invalid(tmp_path, chain):
    signed = sign(chain, make_jpeg(tmp_path / "in.jpg"), tmp_path / "out.jpg")
    data = bytearray(signed.read_bytes())
    # The generation id sits in the org.studio.generation assertion: change it, and its hash in the claim fails.
    at = data.index(b"gen_abc123")
    data[at : at + 10] = b"gen_xyz789"
    signed.write_bytes(bytes(data))

    described = credentials.read_credentials(signed)
    assert described["state"] == "invalid"
    assert "assertion.hashedURI.mismatch" in described["reason"] and GENERATION_ASSERTION in described["reason"]


def test_an_unsigned_file_is_missing(tmp_path):
    assert credentials.read_credentials(make_jpeg(tmp_path / "plain.jpg")) == {"state": "missing"}
    assert credentials.read_credentials(make_mp4(tmp_path / "plain.mp4")) == {"state": "missing"}
    with pytest.raises(c2pa.C2paError):
        reader_of(tmp_path / "plain.jpg", "image/jpeg")


@pytest.mark.parametrize("suffix,mime_type", [(".mp4", "video/mp4"), (".jpg", "image/jpeg")])
def test_an_edit_names_its_signed_parent_as_an_ingredient(tmp_path, chain, suffix, mime_type):
    if suffix == ".mp4":
        first, second = make_mp4(tmp_path / "first.mp4"), make_mp4(tmp_path / "second.mp4", width=256, height=144)
    else:
        first, second = make_jpeg(tmp_path / "first.jpg"), make_jpeg(tmp_path / "second.jpg", color=(10, 90, 200))
    parent = sign(chain, first, tmp_path / f"parent{suffix}")
    edited = sign(chain, second, tmp_path / f"edited{suffix}", parent_manifest_path=parent)

    reader = reader_of(edited, mime_type)
    assert reader.get_validation_state() == "Valid"
    manifest = active_manifest(reader)
    opened, action = assertion(manifest, "c2pa.actions")["actions"]
    assert opened["action"] == "c2pa.opened"  # c2pa requires an edit's actions to start by opening the parent
    assert action["action"] == "c2pa.edited" and action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf" and ingredient["title"] == f"parent{suffix}"
    # The parent's own manifest travels along: the store holds two, the ingredient points at the parent's.
    store = json.loads(reader.json())
    assert len(store["manifests"]) == 2
    assert ingredient["active_manifest"] in store["manifests"]
    assert credentials.read_credentials(edited)["actions"] == ["c2pa.opened", "c2pa.edited"]


def test_the_chain_is_made_once_and_reused_with_a_private_key(tmp_path):
    first = credentials.ensure_signing_chain(tmp_path / "provenance")
    again = credentials.ensure_signing_chain(tmp_path / "provenance")
    assert again == first and again.leaf.serial_number == first.leaf.serial_number
    assert stat.S_IMODE((tmp_path / "provenance" / "signing-key.pem").stat().st_mode) == 0o600

    leaf, ca = x509.load_pem_x509_certificates(first.chain_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature is True
    assert (
        x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION
        in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert leaf.issuer == ca.subject


def test_workers_making_the_chain_at_once_share_one(tmp_path):
    made, barrier = [], threading.Barrier(4)

    def make():
        barrier.wait()
        made.append(credentials.ensure_signing_chain(tmp_path / "provenance"))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 4 and all(chain == made[0] for chain in made)
    assert credentials.ensure_signing_chain(tmp_path / "provenance") == made[0]
    assert sorted(path.name for path in (tmp_path / "provenance").iterdir()) == [
        ".lock",
        "ca.pem",
        "chain.pem",
        "signing-key.pem",
    ]


def test_a_failed_signing_leaves_no_output(tmp_path, chain):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")
    with pytest.raises(c2pa.C2paError):
        sign(chain, broken, tmp_path / "out.jpg")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.jpg", "provenance"]
    with pytest.raises(ValueError, match="no C2PA format"):
        sign(chain, tmp_path / "poster.gif", tmp_path / "out.gif")


def test_an_operator_chain_from_settings_is_used(tmp_path, settings):
    made = credentials.ensure_signing_chain(tmp_path / "operator")
    (tmp_path / "chain.pem").write_bytes(made.chain_pem)
    (tmp_path / "key.pem").write_bytes(made.key_pem)
    settings.PROVENANCE_CERT_CHAIN = str(tmp_path / "chain.pem")
    settings.PROVENANCE_PRIVATE_KEY = str(tmp_path / "key.pem")

    loaded = credentials.ensure_signing_chain(tmp_path / "unused")
    assert loaded == made and not (tmp_path / "unused").exists()
    signed = sign(loaded, make_jpeg(tmp_path / "in.jpg"), tmp_path / "out.jpg")
    assert credentials.read_credentials(signed, trust_anchor_pem=made.ca_pem)["state"] == "trusted"


def test_signing_a_five_second_720p_clip_takes(tmp_path, chain, capsys):
    clip = make_mp4(tmp_path / "clip.mp4", seconds=5, width=1280, height=720, textured=True)
    started = time.perf_counter()
    signed = sign(chain, clip, tmp_path / "signed.mp4")
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nsigning a 5 s 720p MP4 ({clip.stat().st_size} bytes) took {elapsed * 1000:.0f} ms")
    assert reader_of(signed, "video/mp4").get_validation_state() == "Valid"
