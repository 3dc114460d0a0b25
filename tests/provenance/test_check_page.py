"""The "Check a video" page, the page for third parties and the CA certificate: real MP4s (PyAV) and JPEGs
(Pillow), signed with the install's own chain, checked by the real `check_media`; URLs fetched from a real
loopback server through the outbound guard.

The fixtures here (`provenance_files`, `provenance_install`, `file_server`) are imported by the API and
browser tests of the same feature.
"""

import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from cryptography import x509
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.actions import do_create_team
from accounts.audit import SYSTEM
from accounts.models import User
from generations.actions.provenance import trust_anchor_pem
from generations.models import Generation
from generations.provenance import credentials
from tests.provenance.test_credentials import make_jpeg, make_mp4, mdat_range, sign

CHECK = "/provenance/check/"


@pytest.fixture(scope="module")
def provenance_files(tmp_path_factory):
    """This install's provenance folder (CA, leaf, watermark key) and the files the tests send."""
    root = tmp_path_factory.mktemp("verify")
    directory = root / "provenance"
    chain = credentials.ensure_signing_chain(directory)
    foreign = make_mp4(root / "foreign.mp4")
    signed = sign(chain, foreign, root / "signed.mp4")
    data = bytearray(signed.read_bytes())
    start, end = mdat_range(data)
    data[(start + end) // 2] ^= 0xFF  # one byte of the pictures, after signing
    tampered = root / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    text = root / "notes.txt"
    text.write_text("Not a video at all, just some words.\n" * 4)
    return SimpleNamespace(
        root=root, directory=directory, chain=chain, foreign=foreign, signed=signed, tampered=tampered,
        jpeg=make_jpeg(root / "plain.jpg"), text=text,
    )


@pytest.fixture(autouse=True)
def provenance_install(settings, provenance_files, redis_conn):
    """The check trusts the chain the files were signed with; rate limits are the tests' own business."""
    settings.PROVENANCE_DIR = str(provenance_files.directory)
    settings.PROVENANCE_CERT_CHAIN = settings.PROVENANCE_PRIVATE_KEY = ""
    settings.PROVENANCE_WATERMARK_KEY = settings.PROVENANCE_INSTALL_ID = ""
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_BURST = 1000
    settings.VERIFY_MAX_BYTES = 20 * 1024 * 1024
    return provenance_files


class _FileServer:
    """A loopback HTTP server that serves the bytes registered under a path (404 otherwise)."""

    def __init__(self):
        files = self.files = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                body = files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def file_server(provenance_files):
    server = _FileServer()
    server.files["/signed.mp4"] = provenance_files.signed.read_bytes()
    server.files["/foreign.mp4"] = provenance_files.foreign.read_bytes()
    yield server
    server.stop()


def upload(path, name=None, content_type="video/mp4"):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)


def post_file(client, path, **kwargs):
    return client.post(CHECK, {"file": upload(path, **kwargs)})


def verdict(response):
    return response.context["result"]["verdict"]


def test_the_page_opens_without_signing_in(client, db):
    response = client.get(CHECK)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert '<label for="id_file">' in page and '<label for="id_url">' in page
    assert "<script" not in page.split("</header>", 1)[1]  # no inline scripts: the CSP forbids them
    assert reverse("provenance-check") == CHECK


def test_a_clip_signed_by_this_install_is_ours(client, db, provenance_files, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = post_file(client, provenance_files.signed)
    assert not list(tmp_path.glob("verify-*"))  # checked, then deleted
    assert response.status_code == 200
    assert verdict(response) == "ours"
    page = response.content.decode()
    assert '<h2 id="verdict-heading">Made by this studio</h2>' in page
    assert "Valid and signed by this studio" in page and "Studio content credentials" in page
    assert "c2pa.created" in page and "Watermark" in page
    assert response.context["result"]["credentials"]["state"] == "trusted"


def test_the_generation_the_credentials_name_is_shown(client, db, provenance_files, tmp_path):
    owner = User.objects.create_user("owner@example.org", "owner-password-1")
    team = do_create_team(name="Makers", slug="makers", owner=owner, actor=SYSTEM)
    generation = Generation.objects.create(team=team, created_by=owner, prompt="a quiet harbour", model_name="kling-v1-6", mode="std")
    signed = tmp_path / "named.mp4"
    credentials.sign_media(
        provenance_files.foreign, signed, generation_public_id=str(generation.public_id), model_name="kling-v1-6",
        studio_version="1.0", created_at=generation.created_at, chain=provenance_files.chain,
    )
    response = post_file(client, signed)
    assert verdict(response) == "ours"
    named = response.context["result"]["generation"]
    assert named["id"] == str(generation.public_id) and named["matched_by"] == ["credentials"]
    page = response.content.decode()
    assert str(generation.public_id) in page and "kling-v1-6" in page
    assert "a quiet harbour" not in page and "owner@example.org" not in page  # nothing private leaves


def test_a_foreign_clip_has_nothing_found(client, db, provenance_files):
    response = post_file(client, provenance_files.foreign)
    assert response.status_code == 200
    assert verdict(response) == "nothing_found"
    page = response.content.decode()
    assert "Nothing found" in page and "No content credentials and no watermark" in page


def test_a_plain_jpeg_is_checked_too(client, db, provenance_files):
    response = post_file(client, provenance_files.jpeg, content_type="image/jpeg")
    assert verdict(response) == "nothing_found"
    assert response.context["result"]["media"] == "image"


def test_one_flipped_byte_breaks_the_credentials(client, db, provenance_files):
    response = post_file(client, provenance_files.tampered)
    assert response.status_code == 200
    result = response.context["result"]
    assert result["credentials"]["state"] == "invalid"
    assert "mismatch" in result["credentials"]["reason"]
    # The clip was never watermarked, so nothing else says it is ours.
    assert result["verdict"] == "credentials_invalid"
    assert "Its content credentials are broken" in response.content.decode()


def test_a_text_file_is_refused_and_the_form_shown_again(client, db, provenance_files, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = post_file(client, provenance_files.text, name="clip.mp4")  # the name does not matter
    assert response.status_code == 422
    assert response.context["error_code"] == "unsupported_media"
    assert "result" not in response.context
    page = response.content.decode()
    assert 'data-code="unsupported_media"' in page and "Only MP4 or MOV videos" in page and 'name="file"' in page
    assert not list(tmp_path.glob("verify-*"))  # the temporary copy is gone


def test_a_truncated_video_is_unreadable(client, db, provenance_files, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(provenance_files.foreign.read_bytes()[:200])
    response = post_file(client, broken)
    assert response.status_code == 422
    assert response.context["error_code"] == "media_unreadable"


def test_an_upload_over_the_limit_is_refused(client, db, provenance_files, settings):
    settings.VERIFY_MAX_BYTES = 1000
    response = post_file(client, provenance_files.signed)
    assert response.status_code == 413
    assert response.context["error_code"] == "file_too_large"
    assert "larger than" in response.content.decode()


def test_no_file_and_no_url_asks_for_one(client, db):
    response = client.post(CHECK, {})
    assert response.status_code == 400
    assert 'data-code="missing_file"' in response.content.decode()


def test_a_loopback_url_is_refused_by_the_outbound_guard(client, db, file_server):
    response = client.post(CHECK, {"url": file_server.url("/signed.mp4")})
    assert response.status_code == 400
    assert response.context["error_code"] == "url_not_allowed"
    assert "private, loopback or link-local" in response.content.decode() or "Port" in response.content.decode()


def test_a_private_address_is_refused(client, db):
    response = client.post(CHECK, {"url": "http://10.0.0.7/clip.mp4"})
    assert response.status_code == 400
    assert response.context["error_code"] == "url_not_allowed"


def test_an_allow_listed_loopback_url_is_fetched_and_checked(client, db, file_server, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allow-lists the loopback test server
    response = client.post(CHECK, {"url": file_server.url("/signed.mp4")})
    assert response.status_code == 200
    assert verdict(response) == "ours"
    response = client.post(CHECK, {"url": file_server.url("/foreign.mp4")})
    assert verdict(response) == "nothing_found"


def test_a_url_that_fails_or_is_too_large(client, db, file_server, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    response = client.post(CHECK, {"url": file_server.url("/missing.mp4")})
    assert response.status_code == 422
    assert response.context["error_code"] == "url_fetch_failed"
    settings.VERIFY_MAX_BYTES = 1000
    response = client.post(CHECK, {"url": file_server.url("/signed.mp4")})
    assert response.status_code == 413
    assert response.context["error_code"] == "file_too_large"


def test_checks_are_rate_limited_per_client(client, db, provenance_files, settings):
    settings.VERIFY_RATE_PER_MINUTE, settings.VERIFY_RATE_BURST = 1, 2
    for _ in range(2):
        assert post_file(client, provenance_files.jpeg, content_type="image/jpeg").status_code == 200
    refused = post_file(client, provenance_files.jpeg, content_type="image/jpeg")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "try again in" in refused.content.decode()
    # Another client address has its own bucket.
    other = client.post(CHECK, {"file": upload(provenance_files.jpeg, content_type="image/jpeg")}, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 200


@pytest.mark.parametrize("path", ["/provenance/ca.pem", "/.well-known/studio-provenance-ca.pem"])
def test_the_ca_certificate_is_published(client, db, path, provenance_files):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response.content == trust_anchor_pem() == provenance_files.chain.ca_pem
    certificate = x509.load_pem_x509_certificate(response.content)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certificate.subject == provenance_files.chain.leaf.issuer


def test_without_a_ca_the_certificate_is_a_404_page(client, db, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the provenance folder should be")
    settings.PROVENANCE_DIR = str(blocker / "provenance")  # cannot be made: no CA
    response = client.get("/provenance/ca.pem")
    assert response.status_code == 404
    assert b"Page not found" in response.content and "Cache-Control" not in response


def test_the_about_page_explains_and_links(client, db):
    response = client.get("/provenance/")
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("provenance-about") == "/provenance/"
    for words in ("C2PA", "trust anchor", "invisible watermark", "AI-generated", 'href="/provenance/ca.pem"',
                  'href="/provenance/check/"', "/api/v1/provenance/verify"):
        assert words in page, words
