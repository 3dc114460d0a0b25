"""A third-party Kling SDK, unchanged, against the studio over TLS: only its base URL and a studio-issued
access key / secret key pair are the studio's.

The SDK is `kling-api` 1.0.0 from npm (github.com/aself101/kling-api, MIT): PyPI has no Kling SDK that
installs here (kling, klingai, kling-ai, kling-sdk, kling-api, klingai-api … are not on the index). It
signs its own HS256 JWTs (iss = access key, exp = now + 1800, nbf = now − 5), refuses a non-https base URL,
and uses GET /account/costs as its health check. Pinned in tests/kling_sdk/node/package-lock.json.

The studio runs in-process behind a real TLS socket with a certificate made here from a throwaway CA, which
Node trusts through NODE_EXTRA_CA_CERTS; tasks go through a real RQ worker (drive_to_terminal) to the
simulator over loopback HTTP.
"""

import datetime as dt
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from accounts.actions import do_create_kling_key_pair
from generations.models import Generation
from tests.helpers import drive_to_terminal
from tests.kinds.media import image_bytes, wav_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NODE_PROJECT = Path(__file__).parent / "node"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(folder: Path):
    """A throwaway CA and a server certificate it signs for localhost / 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("studio test CA")).issuer_name(_name("studio test CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
        .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("studio.test"), x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return paths


class _TlsRequestHandler(WSGIRequestHandler):
    def get_environ(self):  # what a TLS-serving WSGI server (gunicorn --certfile) says of the request
        environ = super().get_environ()
        environ["HTTPS"] = "on"
        environ["wsgi.url_scheme"] = "https"
        return environ

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_studio(tmp_path, settings, transactional_db):
    """The studio's WSGI app behind a TLS listener on loopback: (base URL, CA file)."""
    ca, cert, key = make_certificates(tmp_path)
    settings.ALLOWED_HOSTS = ["studio.test", "localhost", "127.0.0.1"]
    settings.STUDIO_PUBLIC_URL = ""
    server = ThreadedWSGIServer(("127.0.0.1", 0), _TlsRequestHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://studio.test:{server.server_address[1]}", ca
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture(scope="module")
def sdk_dir(tmp_path_factory):
    """The pinned SDK installed from the lock file (npm ci) into a scratch copy of tests/kling_sdk/node."""
    folder = tmp_path_factory.mktemp("kling-sdk")
    for name in ("package.json", "package-lock.json", "run_sdk.mjs", "resolve_studio_test.cjs"):
        shutil.copy(NODE_PROJECT / name, folder / name)
    installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=folder, capture_output=True,
                               text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    version = json.loads((folder / "node_modules" / "kling-api" / "package.json").read_text())["version"]
    assert version == "1.0.0"
    return folder


@pytest.fixture
def sdk(sdk_dir, tls_studio, team, alice):
    base, ca = tls_studio
    pair, secret = do_create_kling_key_pair(team=team, user=alice, name="third-party sdk")
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca), "STUDIO_KLING_BASE_URL": f"{base}/kling",
           "STUDIO_KLING_ACCESS_KEY": pair.access_key, "STUDIO_KLING_SECRET_KEY": secret, "HOME": str(sdk_dir),
           "NODE_OPTIONS": "--require ./resolve_studio_test.cjs"}
    for name in ("KLING_ACCESS_KEY", "KLING_SECRET_KEY", "NODE_TLS_REJECT_UNAUTHORIZED", "NODE_ENV"):
        env.pop(name, None)

    def run(*calls):
        done = subprocess.run(["node", "run_sdk.mjs", json.dumps(calls)], cwd=sdk_dir, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    return run


def ok(result):
    assert "ok" in result, result
    assert result["ok"]["code"] == 0, result
    return result["ok"]["data"]


def test_the_sdk_runs_its_video_and_account_calls_against_the_studio_over_tls(sdk, sdk_dir, tls_studio, use_simulator,
                                                                             redis_conn, team):
    still = sdk_dir / "still.png"
    still.write_bytes(image_bytes(seed=3))
    team.refresh_from_db()
    credits_before = team.credits_available
    health, account, t2v, i2v, multi = sdk(
        ["healthCheck"],
        ["getAccountInfo", 0, 4_102_444_800_000],
        ["textToVideo", {"prompt": "A paper boat drifting down a rainy street", "model_name": "kling-v1-6", "duration": "5",
                         "aspect_ratio": "16:9", "mode": "std"}],
        ["imageToVideo", {"image": str(still), "prompt": "The lighthouse beam sweeps slowly", "model_name": "kling-v1-6",
                          "duration": "5"}],
        ["multiImageToVideo", {"image_list": [{"image": str(still)}, {"image": str(still)}], "prompt": "a parade",
                               "model_name": "kling-v1-6", "duration": "5"}],
    )
    assert health == {"ok": True}
    (pack,) = ok(account)["resource_pack_subscribe_infos"]
    assert pack["remaining_quantity"] == credits_before  # read before the creates reserved their credits
    created = {kind: ok(reply) for kind, reply in (("text2video", t2v), ("image2video", i2v), ("multi-image2video", multi))}
    assert all(task["task_status"] == "submitted" for task in created.values())

    for task in created.values():
        assert drive_to_terminal(task["task_id"]).status == "succeeded"
    t2v_done, i2v_done, multi_done, waited = sdk(
        ["queryTextToVideoTask", created["text2video"]["task_id"]],
        ["queryImageToVideoTask", created["image2video"]["task_id"]],
        ["queryMultiImageToVideoTask", created["multi-image2video"]["task_id"]],
        ["waitForVideoResult", created["text2video"]["task_id"], "queryTextToVideoTask", {"interval": 100, "showSpinner": False}],
    )
    base, ca = tls_studio
    for reply in (t2v_done, i2v_done, multi_done, waited):
        task = ok(reply)
        assert task["task_status"] == "succeed"
        (video,) = task["task_result"]["videos"]
        assert video["url"].startswith(f"{base}/kling/v1/files/")
    video = ok(t2v_done)["task_result"]["videos"][0]
    # The SDK's own downloader fetches the https result URL (it refuses http:// and private names).
    (saved,) = sdk(["saveVideoResult", t2v_done["ok"], str(sdk_dir / "out"), "boat"])
    (path,) = saved["ok"]
    assert Path(path).read_bytes()[4:8] == b"ftyp"

    (extend,) = sdk(["extendVideo", {"video_id": video["id"], "prompt": "The boat reaches a harbour"}])
    extend_task = ok(extend)
    assert drive_to_terminal(extend_task["task_id"]).status == "succeeded"
    (extended,) = sdk(["queryExtendVideoTask", extend_task["task_id"]])
    extended = ok(extended)
    assert extended["task_status"] == "succeed"
    assert extended["task_info"]["parent_video"]["id"] == video["id"]
    assert Generation.objects.get(public_id=extend_task["task_id"]).parent.public_id.hex == created["text2video"]["task_id"].replace("-", "")

    # Spend shows in the account call, as Kling's SDKs read it.
    (after,) = sdk(["getAccountInfo", 0, 4_102_444_800_000])
    (pack_after,) = ok(after)["resource_pack_subscribe_infos"]
    team.refresh_from_db()
    assert pack_after["remaining_quantity"] == team.credits_available < pack["remaining_quantity"]


def test_the_sdk_makes_an_avatar_from_a_portrait_and_a_sound_file(sdk, sdk_dir, tls_studio, use_simulator, redis_conn,
                                                                   team):
    still, voice = sdk_dir / "portrait.png", sdk_dir / "voice.wav"
    still.write_bytes(image_bytes(seed=3))
    voice.write_bytes(wav_bytes(3.0))
    # The SDK reads both files and sends them as Base64, as it would to Kling.
    (created,) = sdk(["createAvatar", {"image": str(still), "sound_file": str(voice), "prompt": "she smiles", "mode": "std"}])
    task = ok(created)
    assert task["task_status"] == "submitted"
    generation = drive_to_terminal(task["task_id"])
    assert generation.status == "succeeded" and generation.kind == "avatar/image2video"
    (done,) = sdk(["queryAvatarTask", task["task_id"]])
    result = ok(done)
    assert result["task_status"] == "succeed"
    (video,) = result["task_result"]["videos"]
    assert video["url"].startswith(f"{tls_studio[0]}/kling/v1/files/")


def test_the_sdk_makes_an_omni_video_from_a_prompt_naming_an_image(sdk, sdk_dir, tls_studio, use_simulator, redis_conn, team):
    still = sdk_dir / "lantern.png"
    still.write_bytes(image_bytes(seed=5))
    # The SDK reads the image file and sends it as Base64 in image_list, as it would to Kling; it sends no mode
    # (the upstream's default for omni-video is pro).
    (created,) = sdk(["omniVideo", {"prompt": "<<<image_1>>> glows in a city at dawn", "model_name": "kling-video-o1",
                                    "image_list": [{"image_url": str(still)}], "duration": "5", "aspect_ratio": "16:9"}])
    task = ok(created)
    assert task["task_status"] == "submitted"
    generation = drive_to_terminal(task["task_id"])
    assert generation.status == "succeeded" and generation.kind == "omni-video", (generation.error_code, generation.error_message)
    assert (generation.model_name, generation.mode, generation.duration) == ("kling-video-o1", "pro", "5")
    (done,) = sdk(["queryOmniVideoTask", task["task_id"]])
    result = ok(done)
    assert result["task_status"] == "succeed"
    (video,) = result["task_result"]["videos"]
    assert video["url"].startswith(f"{tls_studio[0]}/kling/v1/files/")


def test_the_sdk_generates_images_and_saves_them(sdk, sdk_dir, tls_studio, use_simulator, redis_conn, team):
    # The SDK's generateImage posts Kling's body to /v1/images/generations; a real worker makes the stills.
    (created,) = sdk(["generateImage", {"prompt": "a city at dawn", "model_name": "kling-v1", "n": 2, "aspect_ratio": "1:1"}])
    task = ok(created)
    assert task["task_status"] == "submitted"
    generation = drive_to_terminal(task["task_id"])
    assert generation.status == "succeeded" and generation.kind == "images/generations", (generation.error_code,
                                                                                          generation.error_message)
    assert generation.price_credits == 4
    done, waited = sdk(["queryImageGenTask", task["task_id"]],
                       ["waitForImageResult", task["task_id"], "queryImageGenTask", {"interval": 100, "showSpinner": False}])
    result = ok(done)
    assert result["task_status"] == "succeed" and ok(waited)["task_status"] == "succeed"
    images = result["task_result"]["images"]
    assert [image["index"] for image in images] == [0, 1]
    assert all(image["url"].startswith(f"{tls_studio[0]}/kling/v1/files/") for image in images)
    # The SDK's own downloader fetches both https result URLs.
    (saved,) = sdk(["saveImageResult", done["ok"], str(sdk_dir / "stills"), "city"])
    paths = saved["ok"]
    assert len(paths) == 2 and all(Path(path).read_bytes().startswith(b"\x89PNG") for path in paths)


def test_the_sdk_expands_an_image_and_makes_omni_and_subject_images(sdk, sdk_dir, tls_studio, use_simulator, redis_conn, team):
    # The SDK reads each image file and posts Kling's body to /v1/images/editing/expand, /v1/images/omni-image and
    # /v1/images/multi-image2image; a real worker makes the stills of each.
    stills = [sdk_dir / f"in-{seed}.png" for seed in (4, 5, 6)]
    for seed, path in zip((4, 5, 6), stills, strict=True):
        path.write_bytes(image_bytes(seed=seed))
    expanded, omni, multi = sdk(
        ["expandImage", {"image": str(stills[0]), "up_expansion_ratio": 0.2, "down_expansion_ratio": 0.2,
                         "left_expansion_ratio": 0.2, "right_expansion_ratio": 0.2}],
        ["omniImage", {"prompt": "<<<image_1>>> beside <<<image_2>>> at the fair", "n": 2, "aspect_ratio": "1:1",
                       "image_list": [{"image": str(stills[1])}, {"image": str(stills[2])}]}],
        ["multiImageToImage", {"subject_image_list": [{"subject_image": str(stills[1])}], "style_image": str(stills[2]),
                               "prompt": "the toy in a garden", "aspect_ratio": "4:3"}],
    )
    tasks = {kind: ok(reply) for kind, reply in (("images/editing/expand", expanded), ("images/omni-image", omni),
                                                  ("images/multi-image2image", multi))}
    for kind, task in tasks.items():
        assert task["task_status"] == "submitted"
        generation = drive_to_terminal(task["task_id"])
        assert generation.status == "succeeded" and generation.kind == kind, (generation.error_code, generation.error_message)
    done = sdk(["queryImageExpandTask", tasks["images/editing/expand"]["task_id"]],
               ["queryOmniImageTask", tasks["images/omni-image"]["task_id"]],
               ["waitForImageResult", tasks["images/multi-image2image"]["task_id"], "queryMultiImageToImageTask",
                {"interval": 100, "showSpinner": False}])
    results = [ok(reply) for reply in done]
    assert [result["task_status"] for result in results] == ["succeed"] * 3
    assert [len(result["task_result"]["images"]) for result in results] == [1, 2, 1]
    (saved,) = sdk(["saveImageResult", done[1]["ok"], str(sdk_dir / "omni"), "fair"])
    assert len(saved["ok"]) == 2 and all(Path(path).read_bytes().startswith(b"\x89PNG") for path in saved["ok"])


def test_an_unknown_task_fails_with_klings_envelope_not_html(sdk, sdk_dir, tls_studio, redis_conn):
    (missing,) = sdk(["queryImageExpandTask", "no-such-task"])
    assert missing["error"]["name"] == "KlingAPIError", missing
    assert (missing["error"]["status"], missing["error"]["code"]) == (404, 1203), missing


def test_a_wrong_secret_fails_the_sdks_health_check(sdk_dir, tls_studio, team, alice, redis_conn):
    base, ca = tls_studio
    pair, _secret = do_create_kling_key_pair(team=team, user=alice, name="pair")
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca), "STUDIO_KLING_BASE_URL": f"{base}/kling", "HOME": str(sdk_dir),
           "STUDIO_KLING_ACCESS_KEY": pair.access_key, "STUDIO_KLING_SECRET_KEY": "sk-" + "x" * 43,
           "NODE_OPTIONS": "--require ./resolve_studio_test.cjs"}
    done = subprocess.run(["node", "run_sdk.mjs", json.dumps([["healthCheck"], ["getAccountInfo", 0, 1]])], cwd=sdk_dir,
                          env=env, capture_output=True, text=True, timeout=120)
    health, account = json.loads(done.stdout)
    assert health == {"ok": False}
    assert (account["error"]["status"], account["error"]["code"]) == (401, 1002)
