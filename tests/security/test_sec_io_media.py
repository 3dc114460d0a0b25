"""Issue #17, findings 3, 8, 16 and 17: hostile audio, images and uploads, with real files decoded by
PyAV and Pillow."""

import datetime as dt
import functools
import io
import struct
import time
import uuid
import zlib

import av
import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from accounts.models import Team
from generations.inputs import images
from generations.inputs.audio import inspect_audio
from generations.models import Asset, Generation
from generations.worker.housekeeping import remove_expired_quarantined_inputs
from tests.conftest import bearer
from tests.helpers import constant_score_detector
from tests.kinds.media import b64, image_bytes

pytestmark = pytest.mark.django_db


def encode_audio(fmt, codec, *, rate, layout, seconds, options=None):
    """Silence encoded for real by FFmpeg (through PyAV)."""
    buffer = io.BytesIO()
    channels = av.AudioLayout(layout).nb_channels
    with av.open(buffer, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, options=options or {})
        sample_format = "fltp" if codec == "aac" else "s16"
        done, step = 0, 1152
        while done < rate * seconds:
            samples = np.zeros((channels, step), dtype=np.float32) if codec == "aac" else np.zeros((1, step * channels), dtype=np.int16)
            frame = av.AudioFrame.from_ndarray(samples, format=sample_format, layout=layout)
            frame.sample_rate, frame.pts = rate, done
            for packet in stream.encode(frame):
                out.mux(packet)
            done += step
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def flac_bomb():
    """A minute of 7.1-channel 192 kHz silence: FLAC in an MP4 box (it starts with `ftyp`, like an m4a)."""
    return encode_audio("mp4", "flac", rate=192_000, layout="7.1", seconds=60)


def create(client, key, body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def error(response):
    return response.json()["error"]


# --- finding 3: audio ------------------------------------------------------------------------------


def test_audio_on_a_kind_that_takes_none_is_refused_before_it_is_decoded(client, team, alice_key, flac_bomb, monkeypatch):
    decoded = []
    monkeypatch.setattr("generations.inputs.audio.av.open", lambda *a, **k: decoded.append(1) or (_ for _ in ()).throw(AssertionError))
    response = create(client, alice_key, {"kind": "text2video", "prompt": "A calm lake", "audio": b64(flac_bomb)})
    assert response.status_code == 400
    assert error(response)["code"] == "audio_not_applicable" and error(response)["field"] == "audio"
    assert decoded == [] and not Generation.objects.exists()


def test_a_flac_bomb_in_an_m4a_box_is_refused_from_its_header(client, team, alice_key, flac_bomb):
    assert flac_bomb[4:8] == b"ftyp" and len(flac_bomb) < 200_000
    started = time.process_time()
    response = create(client, alice_key, {"kind": "lip-sync", "parent_id": str(uuid.uuid4()), "audio": b64(flac_bomb)})
    cpu = time.process_time() - started
    assert response.status_code == 400 and error(response)["code"] == "audio_unsupported_codec"
    assert "flac" in error(response)["message"]
    assert cpu < 1.0, f"refusing it cost {cpu:.2f} s of CPU"
    assert not Generation.objects.exists()


def test_absurd_sample_rates_and_channel_counts_are_refused_before_decoding(client, team, alice_key):
    wav = encode_audio("wav", "pcm_s16le", rate=192_000, layout="7.1", seconds=0.2)
    response = create(client, alice_key, {"kind": "lip-sync", "parent_id": str(uuid.uuid4()), "audio": b64(wav)})
    assert response.status_code == 400 and error(response)["code"] == "audio_parameters_out_of_range"
    assert "8 at 192000 Hz" in error(response)["message"]


def test_decoding_stops_at_the_duration_limit(client, team, alice_key):
    five_minutes = encode_audio("mp3", "libmp3lame", rate=8000, layout="mono", seconds=300)
    response = create(client, alice_key, {"kind": "lip-sync", "parent_id": str(uuid.uuid4()), "audio": b64(five_minutes)})
    assert response.status_code == 400 and error(response)["code"] == "audio_duration_out_of_range"
    # It stopped at the limit, so it cannot say the full length (decoding it all would have said 300.0).
    assert "longer than 60" in error(response)["message"]


def test_a_file_over_its_decode_cpu_budget_is_refused(settings):
    settings.AUDIO_DECODE_CPU_S = 0.0  # any decode at all is over budget
    with pytest.raises(Exception) as refused:
        inspect_audio(encode_audio("mp3", "libmp3lame", rate=16000, layout="mono", seconds=5))
    assert refused.value.code == "audio_too_complex"


def test_ordinary_speech_audio_still_passes():
    audio = inspect_audio(encode_audio("mp3", "libmp3lame", rate=44100, layout="stereo", seconds=3))
    assert audio.content_type == "audio/mpeg" and 2.9 < audio.duration_s < 3.2


# --- finding 17: image bombs -------------------------------------------------------------------------


def png_claiming(width, height):
    """A real 1×1 RGBA PNG whose header says width×height: Pillow reads the size from the header alone."""
    real = io.BytesIO()
    Image.new("RGBA", (1, 1)).save(real, format="PNG")
    data = bytearray(real.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def test_an_image_above_the_pixel_cap_is_refused_from_its_header(client, team, alice_key):
    bomb = png_claiming(7000, 7000)  # 49 MP: under the old 50 MP cap
    response = create(client, alice_key, {"kind": "image2video", "prompt": "A red fox running through fresh snow", "image": b64(bomb)})
    assert response.status_code == 400 and error(response)["code"] == "image_too_many_pixels"
    assert "16.8 megapixels" in error(response)["message"]
    assert not Generation.objects.exists()


def test_the_pixel_cap_is_a_setting(settings):
    settings.MAX_INPUT_IMAGE_PIXELS = 640 * 480 - 1
    with pytest.raises(Exception) as refused:
        images.inspect_image(image_bytes((640, 480)))
    assert refused.value.code == "image_too_many_pixels"


def test_faces_and_scanning_read_a_small_copy_decoded_once(monkeypatch):
    big = io.BytesIO()
    Image.new("RGBA", (3000, 2000), (10, 200, 30, 128)).save(big, format="PNG")
    image = images.inspect_image(big.getvalue())
    with Image.open(io.BytesIO(image.for_analysis)) as small:
        assert small.format == "JPEG" and small.mode == "RGB" and 512 <= max(small.size) <= 1024
        assert abs(small.size[0] / small.size[1] - 1.5) < 0.01
    assert (image.width, image.height) == (3000, 2000) and image.data == big.getvalue()  # the original goes upstream


# --- finding 16: multipart uploads -------------------------------------------------------------------


def test_a_multipart_upload_over_the_limit_is_a_413_and_nothing_is_kept(client, team, alice_key, settings, tmp_path):
    settings.MAX_UPLOAD_REQUEST_BYTES = 200_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload = io.BytesIO(image_bytes((640, 480)) + b"\0" * 300_000)
    upload.name = "big.png"
    response = client.post("/api/v1/generations/upload", {"image": upload, "prompt": "A cat"}, **bearer(alice_key))
    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large" and error(response)["request_id"]
    assert not Generation.objects.exists() and list(tmp_path.iterdir()) == []


def test_the_portal_refuses_an_oversized_upload_before_csrf_reads_it(alice, team, settings):
    from django.test import Client

    settings.MAX_UPLOAD_REQUEST_BYTES = 200_000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    upload = io.BytesIO(b"\0" * 300_000)
    upload.name = "big.png"
    response = browser.post("/generations/new/image/", {"image": upload, "model": "kling-v1-6", "duration": "5", "mode": "std"})
    assert response.status_code == 413 and error(response)["code"] == "request_too_large"


def test_an_upload_under_the_limit_goes_through(client, team, alice_key, settings, redis_conn):
    settings.MAX_UPLOAD_REQUEST_BYTES = 2_000_000
    upload = io.BytesIO(image_bytes((640, 480)))
    upload.name = "cat.png"
    response = client.post("/api/v1/generations/upload", {"image": upload, "prompt": "A cat looks around"}, **bearer(alice_key))
    assert response.status_code == 202, response.content


# --- finding 8: blocked and held input images ---------------------------------------------------------


@pytest.fixture
def unsafe_scanner(monkeypatch):
    from generations.moderation.visual import scanning

    def use(score):
        monkeypatch.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(score)]))

    return use


@pytest.mark.parametrize("score", [0.97, 0.6])  # blocked, held
def test_a_flagged_input_image_is_quarantined_not_served_to_the_team(client, alice, bob, team, alice_key, unsafe_scanner, redis_conn, score):
    unsafe_scanner(score)
    create(client, alice_key, {"kind": "image2video", "prompt": "A red fox running through fresh snow", "image": b64(image_bytes())})
    generation = Generation.objects.get()
    assert generation.status in ("blocked", "held")
    assert Asset.objects.get(generation=generation, role="input_image").quarantined
    for user in (alice, bob):
        client.force_login(user)
        assert client.get(f"/generations/{generation.public_id}/input-start").status_code == 404


def test_a_clean_input_image_is_served_as_before(client, bob, team, alice_key, unsafe_scanner, redis_conn):
    unsafe_scanner(0.01)
    create(client, alice_key, {"kind": "image2video", "prompt": "A red fox running through fresh snow", "image": b64(image_bytes())})
    generation = Generation.objects.get()
    client.force_login(bob)
    assert client.get(f"/generations/{generation.public_id}/input-start").status_code == 200


def test_quarantined_inputs_are_deleted_after_the_retention_period(client, team, alice_key, unsafe_scanner, settings, redis_conn):
    settings.QUARANTINED_INPUT_RETENTION_DAYS = 30
    unsafe_scanner(0.97)
    create(client, alice_key, {"kind": "image2video", "prompt": "A red fox running through fresh snow", "image": b64(image_bytes())})
    generation = Generation.objects.get(status="blocked")
    asset = Asset.objects.get(generation=generation, role="input_image")
    path = asset.file.path
    assert remove_expired_quarantined_inputs() == 0  # within retention: kept for reviewers and appeals
    Generation.objects.filter(pk=generation.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    assert remove_expired_quarantined_inputs() == 1
    assert not Asset.objects.filter(pk=asset.pk).exists()
    assert not __import__("os").path.exists(path)
    assert Team.objects.filter(pk=team.pk).exists() and Generation.objects.filter(pk=generation.pk).exists()
