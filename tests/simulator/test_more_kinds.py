"""video-extend, lip-sync, effects and multi-image2video: the contract, the video-id registry, real output."""

import base64
import io
import json
import os
import time
import uuid
from dataclasses import dataclass, replace

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from generations.simulator import SimulatorConfig, SimulatorHandle, start_in_thread
from generations.simulator.app import unit_deduction
from generations.simulator.media import decode_audio
from generations.simulator.registry import VideoRecord, VideoRegistry
from generations.simulator.render import (
    KenBurns,
    encode_mp4,
    output_size_for_image,
    probe_clip,
)
from generations.simulator.render_images import render_effect
from generations.simulator.render_videos import (
    BAND_COLOUR,
    audio_envelope,
    speech_envelope,
)
from generations.simulator.validation import (
    EFFECT_SCENES,
    VOICE_IDS,
    ApiError,
    LipSyncRequest,
    validate_lip_sync,
    validate_video_extend,
)
from tests.simulator.helpers import (
    LoopbackServer,
    api_client,
    assert_error,
    frames_at,
    image_base64,
    image_bytes,
    wait_for_task,
    wav_bytes,
)

FPS = 12  # half the default rate: every clip in this file renders in a fraction of a second
DAY_MS = 24 * 3600 * 1000
LONG = "a" * 2501


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def finished(client, kind, body) -> dict:
    response = client.post(f"/v1/videos/{kind}", json=body)
    assert response.status_code == 200, response.text
    done = wait_for_task(client, kind, response.json()["data"]["task_id"], timeout=60)
    assert done["task_status"] == "succeed", done
    return done


def video_of(done) -> dict:
    [video] = done["task_result"]["videos"]
    return video


def download(url) -> bytes:
    response = httpx.get(url, trust_env=False)
    assert response.status_code == 200
    return response.content


def has_audio(clip: bytes) -> bool:
    with av.open(io.BytesIO(clip)) as container:
        return bool(container.streams.audio)


def checkerboard(width=800, height=450, square=25) -> Image.Image:
    """Fine detail, so that blurring or moving the picture changes many pixels."""
    yy, xx = np.mgrid[0:height, 0:width]
    cells = ((yy // square + xx // square) % 2).astype(bool)
    pixels = np.where(cells[..., None], np.array([240, 200, 40]), np.array([30, 60, 160])).astype(np.uint8)
    return Image.fromarray(pixels)


def record(**changes) -> VideoRecord:
    """A registry record of a 5 s kling-v1 text2video made now, with `changes`."""
    fields = {
        "video_id": "v", "task_id": "1", "kind": "text2video", "model_name": "kling-v1", "mode": "std", "duration_s": 5.0,
        "width": 640, "height": 360, "created_at": int(time.time() * 1000), "path": "1.mp4",
    }
    return VideoRecord(**{**fields, **changes})


def png_base64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return b64(buffer.getvalue())


# -- a library of finished videos, made once ------------------------------------------------------------


@dataclass
class Library:
    simulator: SimulatorHandle
    root: dict  # task_result video of a 5 s kling-v1 text2video: {id, url, duration}
    root_clip: bytes
    v2_master: str  # video id of a kling-v2-master text2video
    # Registry records forged from the root's (video-extend and lip-sync read only the registry):
    aged: str  # made 31 days ago
    long: str  # 176 s long: one more extend would pass 3 minutes
    twelve: str  # 12 s long: too long for lip-sync
    short: str  # 1.5 s long: too short for lip-sync


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Renders its videos on one simulator, then serves them from a second on the same data_dir."""
    data_dir = str(tmp_path_factory.mktemp("library"))
    config = {"render_delay_s": 0.0, "data_dir": data_dir, "fps": FPS}
    with start_in_thread(SimulatorConfig(**config)) as first, api_client(first) as client:
        root = video_of(finished(client, "text2video", {"prompt": "a lighthouse in a storm", "model_name": "kling-v1"}))
        v2_master = video_of(finished(client, "text2video", {"prompt": "a lighthouse", "model_name": "kling-v2-master"}))
    registry = VideoRegistry(data_dir)
    record = registry.find(root["id"])
    now = int(time.time() * 1000)
    forged = {
        "aged": replace(record, created_at=now - 31 * DAY_MS),
        "long": replace(record, duration_s=176.0),
        "twelve": replace(record, duration_s=12.0),
        "short": replace(record, duration_s=1.5),
    }
    ids = {}
    for name, forgery in forged.items():
        ids[name] = str(uuid.uuid4())
        registry.add(replace(forgery, video_id=ids[name]))
    with start_in_thread(SimulatorConfig(**config)) as simulator:
        root["url"] = root["url"].replace(first.url, simulator.url)
        yield Library(simulator, root, download(root["url"]), v2_master["id"], **ids)


@pytest.fixture(scope="module")
def api(library):
    with api_client(library.simulator, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="module")
def extension(library, api):
    """The root extended once (10 s), shared by the tests that look at or extend it."""
    return finished(api, "video-extend", {"video_id": library.root["id"]})


# -- video-extend ---------------------------------------------------------------------------------------


def test_it_extends_a_video_by_five_seconds_that_start_on_its_last_frame(library, extension):
    video = video_of(extension)
    extended = download(video["url"])
    info = probe_clip(extended)
    seam = 5 * FPS  # the parent's frame count
    parent = frames_at(library.root_clip, [0, seam - 1])
    after = frames_at(extended, [0, seam, 2 * seam - 1])

    assert video["duration"] == "10.0"
    assert extension["task_info"]["parent_video"] == {"id": library.root["id"], "url": library.root["url"], "duration": "5.0"}
    assert extension["final_unit_deduction"] == "1"
    assert info["duration"] == pytest.approx(10.0, abs=0.2)
    assert (info["width"], info["height"], info["fps"]) == (640, 360, FPS)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"]
    assert np.abs(after[0] - parent[0]).mean() < 3  # the parent comes first, whole
    assert np.abs(after[seam] - parent[seam - 1]).mean() < 3  # the new part starts on its last frame...
    assert np.abs(after[2 * seam - 1] - after[seam]).mean() > 3  # ...and moves on from it


def test_it_extends_an_extension_and_tells_callbacks_the_parent(api, extension, loopback):
    parent = video_of(extension)

    done = finished(api, "video-extend", {"video_id": parent["id"], "prompt": "the storm clears", "callback_url": f"{loopback.url}/hook"})
    callbacks = loopback.wait_for(lambda bodies: any(body["task_status"] == "succeed" for body in bodies))

    assert video_of(done)["duration"] == "15.0"
    assert probe_clip(download(video_of(done)["url"]))["duration"] == pytest.approx(15.0, abs=0.2)
    assert done["task_info"]["parent_video"] == {"id": parent["id"], "url": parent["url"], "duration": "10.0"}
    assert callbacks[-1]["task_info"]["parent_video"]["id"] == parent["id"]


def test_it_extends_a_video_made_before_a_restart_and_still_serves_the_original(start_simulator, tmp_path):
    data_dir = tmp_path / "kept"
    first = start_simulator(data_dir=str(data_dir), fps=FPS)
    with api_client(first) as client:
        root_task = finished(client, "text2video", {"prompt": "a harbour at dawn", "model_name": "kling-v1-6", "mode": "pro"})
    first.stop()

    second = start_simulator(data_dir=str(data_dir), fps=FPS)
    with api_client(second) as client:
        done = finished(client, "video-extend", {"video_id": video_of(root_task)["id"]})
    original = httpx.get(f"{second.url}/files/{root_task['task_id']}.mp4", trust_env=False)
    sidecar = json.loads((data_dir / "videos" / f"{video_of(done)['id']}.json").read_text())

    assert original.status_code == 200
    assert probe_clip(download(video_of(done)["url"]))["duration"] == pytest.approx(10.0, abs=0.2)
    assert done["final_unit_deduction"] == "3.5"  # 5 s added at the root's pro mode
    assert sidecar.pop("created_at") == pytest.approx(time.time() * 1000, abs=60_000)
    assert sidecar == {
        "video_id": video_of(done)["id"],
        "task_id": done["task_id"],
        "kind": "video-extend",
        "model_name": "kling-v1-6",  # the root's, inherited
        "mode": "pro",
        "duration_s": 10.0,
        "width": 640,
        "height": 360,
        "path": f"{done['task_id']}.mp4",
    }


def test_it_allows_extends_up_to_three_minutes_and_thirty_days_exactly():
    now = int(time.time() * 1000)
    records = {
        "fits": record(duration_s=175.0, created_at=now - 30 * DAY_MS),
        "too-long": record(duration_s=175.5),
        "too-old": record(created_at=now - 30 * DAY_MS - 1),
    }

    request = validate_video_extend({"video_id": "fits"}, records.get, now)

    assert request.duration_s == 180.0
    for video_id, message in (("too-long", "cannot be longer than 3 minutes"), ("too-old", "older than 30 days")):
        with pytest.raises(ApiError, match=message):
            validate_video_extend({"video_id": video_id}, records.get, now)


# -- lip-sync -------------------------------------------------------------------------------------------


def band(frame: np.ndarray) -> np.ndarray:
    return frame[285:350]  # the lower part of a 360-high frame, where the level band sits


def lit(frame: np.ndarray) -> int:
    """Pixels of the band's bar colour."""
    return int((np.abs(band(frame) - np.array(BAND_COLOUR)).max(axis=2) < 40).sum())


def test_it_lip_syncs_a_video_id_to_an_uploaded_audio_file(library, api):
    body = {"input": {"video_id": library.root["id"], "mode": "audio2video", "audio_type": "file",
                      "audio_file": b64(wav_bytes(3.0, loud_until=1.5))}}

    done = finished(api, "lip-sync", body)
    synced = download(video_of(done)["url"])
    info = probe_clip(synced)
    speaking, silent = FPS, int(4.5 * FPS)  # 1 s in; and 3 s after the sound stopped
    out = frames_at(synced, [speaking, silent])
    source = frames_at(library.root_clip, [speaking, silent])

    assert video_of(done)["duration"] == "5.0"
    assert done["final_unit_deduction"] == "0.5"
    assert info["duration"] == pytest.approx(5.0, abs=0.2)
    assert (info["width"], info["height"], info["pix_fmt"], info["faststart"]) == (640, 360, "yuv420p", True)
    assert has_audio(synced)
    assert np.abs(band(out[speaking]) - band(source[speaking])).mean() > 30  # the band is clearly there
    assert np.abs(out[speaking][:250] - source[speaking][:250]).mean() < 3  # above it, the source video
    assert lit(out[speaking]) > 4 * max(1, lit(out[silent]))  # the bars follow the sound


def test_it_lip_syncs_a_video_url_to_text_read_by_a_preset_voice(library, api):
    body = {"input": {"video_url": library.root["url"], "mode": "text2video", "text": "Hello there, how are you today?",
                      "voice_id": "uk_boy1", "voice_language": "en", "voice_speed": 1.5}}

    done = finished(api, "lip-sync", body)
    synced = download(video_of(done)["url"])
    out = frames_at(synced, [FPS // 2, int(4.5 * FPS)])

    assert probe_clip(synced)["duration"] == pytest.approx(5.0, abs=0.2)
    assert has_audio(synced)
    assert lit(out[FPS // 2]) > 4 * max(1, lit(out[int(4.5 * FPS)]))  # about 2 s of speech, then quiet


def test_it_accepts_lip_sync_voice_options_at_their_limits():
    source = record(duration_s=10.0)
    for speed, language in ((0.8, "zh"), (2.0, "en")):
        body = {"input": {"video_id": "v", "mode": "text2video", "text": "x" * 120, "voice_id": VOICE_IDS[-1],
                          "voice_speed": speed, "voice_language": language}}

        request = validate_lip_sync(body, None, {"v": source}.get)

        assert (request.voice_speed, request.voice_language, request.duration_s) == (speed, language, 10.0)


def test_speech_envelopes_are_deterministic_and_follow_the_voice_speed():
    normal = speech_envelope("The quick brown fox jumps over the lazy dog.")
    fast = speech_envelope("The quick brown fox jumps over the lazy dog.", voice_speed=2.0)

    assert np.array_equal(normal, speech_envelope("The quick brown fox jumps over the lazy dog."))
    assert len(fast) == pytest.approx(len(normal) / 2, rel=0.1)
    assert len(speech_envelope("one two three four")) > len(speech_envelope("one two"))
    assert normal.max() <= 1.0 and normal[0] == 0.0 and normal[-1] == 0.0


def test_audio_envelopes_are_loud_where_the_sound_is():
    envelope = audio_envelope(decode_audio(wav_bytes(3.0, loud_until=1.5), max_seconds=60))

    assert len(envelope) == 300  # 100 levels a second
    assert envelope[10:140].min() > 0.9
    assert envelope[160:].max() == 0.0


@pytest.mark.parametrize("seconds, units", [(2.0, "0.5"), (5.0, "0.5"), (7.5, "1"), (10.0, "1")])
def test_lip_sync_costs_half_a_unit_per_started_five_seconds(seconds, units):
    request = LipSyncRequest(kind="lip-sync", model_name=None, input_mode="text2video", source_duration_s=seconds)

    assert unit_deduction(request) == units


# -- effects --------------------------------------------------------------------------------------------


def test_it_renders_a_single_image_effect_at_the_image_aspect(api):
    image = checkerboard(800, 400)

    done = finished(api, "effects", {"effect_scene": "squish", "input": {"image": png_base64(image), "duration": "5"}})
    clip = download(video_of(done)["url"])
    info = probe_clip(clip)
    still = np.asarray(KenBurns.fit(image, 640, 320), dtype=np.int16)
    frames = frames_at(clip, range(0, 5 * FPS, FPS // 2))

    assert (info["width"], info["height"]) == (640, 320)
    assert info["duration"] == pytest.approx(5.0, abs=0.2)
    assert done["final_unit_deduction"] == "1"
    assert max(np.abs(frame - still).mean() for frame in frames.values()) > 30


def test_it_renders_a_ten_second_two_person_effect_at_the_first_image_aspect(api):
    people = [image_base64(600, 800), image_base64(600, 600, colours=((40, 200, 40), (200, 200, 40)))]

    done = finished(api, "effects", {"effect_scene": "kiss", "input": {"images": people, "mode": "pro", "duration": "10"}})
    info = probe_clip(download(video_of(done)["url"]))

    assert (info["width"], info["height"]) == (480, 640)
    assert info["duration"] == pytest.approx(10.0, abs=0.2)
    assert done["final_unit_deduction"] == "7"  # 3.5 per 5 s in pro


@pytest.mark.parametrize("scene", EFFECT_SCENES)
def test_every_effect_scene_transforms_its_image_over_time(scene):
    image = checkerboard()
    other = Image.fromarray(np.asarray(image)[:, ::-1].copy())

    clip = render_effect(scene, [image, other], duration=1.5, fps=FPS)
    frames = frames_at(clip, [0, 6, 12, 17])
    still = np.asarray(KenBurns.fit(image, *output_size_for_image(*image.size)), dtype=np.int16)

    assert max(np.abs(frame - still).mean() for frame in frames.values()) > 20
    assert np.abs(frames[17] - frames[6]).mean() > 5


# -- multi-image2video ----------------------------------------------------------------------------------


def test_it_shows_each_reference_image_in_turn(api):
    colours = [(220, 40, 40), (40, 200, 40), (40, 60, 220)]
    image_list = [{"image": image_base64(600, 600, colours=(colour, colour))} for colour in colours]

    done = finished(api, "multi-image2video", {"prompt": "three postcards", "image_list": image_list, "aspect_ratio": "9:16"})
    clip = download(video_of(done)["url"])
    info = probe_clip(clip)
    frames = frames_at(clip, [0, int(2.5 * FPS), 5 * FPS - 1])

    assert (info["width"], info["height"]) == (360, 640)
    assert info["duration"] == pytest.approx(5.0, abs=0.2)
    assert done["final_unit_deduction"] == "1"
    for index, colour in zip(frames, colours, strict=True):
        assert frames[index][200, 180].tolist() == pytest.approx(list(colour), abs=30)


# -- routes ---------------------------------------------------------------------------------------------


def test_it_serves_the_new_kinds_under_the_cometapi_prefix(api):
    body = {"effect_scene": "bloombloom", "input": {"image": image_base64()}, "external_task_id": f"fx-{uuid.uuid4()}"}

    created = api.post("/kling/v1/videos/effects", json=body)
    queried = api.get(f"/kling/v1/videos/effects/{body['external_task_id']}")

    assert created.status_code == 200, created.text
    assert queried.status_code == 200
    assert queried.json()["data"]["task_id"] == created.json()["data"]["task_id"]


def test_it_does_not_find_a_task_under_another_kinds_path(api):
    task_id = api.post("/v1/videos/effects", json={"effect_scene": "squish", "input": {"image": image_base64()}}).json()["data"]["task_id"]

    for kind in ("lip-sync", "video-extend", "multi-image2video", "text2video"):
        assert_error(api.get(f"/v1/videos/{kind}/{task_id}"), 404, 1203)
    assert api.get(f"/v1/videos/effects/{task_id}").status_code == 200


def test_it_lists_each_new_kind_on_its_own_newest_first(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        effects = [
            client.post("/v1/videos/effects", json={"effect_scene": "squish", "input": {"image": image_base64()}}).json()["data"]["task_id"]
            for _ in range(3)
        ]
        multi = client.post("/v1/videos/multi-image2video", json={"prompt": "p", "image_list": [{"image": image_base64()}]})

        first_page = client.get("/v1/videos/effects", params={"pageNum": 1, "pageSize": 2}).json()["data"]
        second_page = client.get("/kling/v1/videos/effects", params={"pageNum": 2, "pageSize": 2}).json()["data"]
        multis = client.get("/v1/videos/multi-image2video").json()["data"]
        refused = client.get("/v1/videos/lip-sync", params={"pageSize": 501})

    assert [task["task_id"] for task in first_page] == [effects[2], effects[1]]
    assert [task["task_id"] for task in second_page] == [effects[0]]
    assert [task["task_id"] for task in multis] == [multi.json()["data"]["task_id"]]
    assert_error(refused, 400, 1201)


# -- validation -----------------------------------------------------------------------------------------

IMAGE = image_base64()
SMALL_IMAGE = image_base64(299, 400)
TEXT = {"mode": "text2video", "text": "Hello", "voice_id": "uk_boy1"}
AUDIO = {"mode": "audio2video", "audio_type": "file", "audio_file": b64(wav_bytes(3.0))}
TOO_BIG_AUDIO = b64(os.urandom(5 * 1024 * 1024 + 1))
NOT_AUDIO = b64(image_bytes())
GARBLED = b64(b"RIFF" + bytes(2000))


def m4a_audio() -> bytes:
    """An MP4 holding only an AAC track (three seconds of tone)."""
    tone = decode_audio(wav_bytes(3.0), max_seconds=60)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=tone.sample_rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(tone.samples[None, :], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = tone.sample_rate, 0
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    return buffer.getvalue()


def wide_video() -> bytes:
    frames = (np.zeros((16, 1930, 3), np.uint8) for _ in range(2))
    return encode_mp4(frames, width=1930, height=16, fps=1)


ROOT_TEXT = {**TEXT, "video_id": "<root>"}
ROOT_AUDIO = {**AUDIO, "video_id": "<root>"}
ONE_IMAGE = [{"image": IMAGE}]
POLICY = "Trigger the content security policy of the platform"

# Each row: (kind, body, business code, message part); every refusal is HTTP 400. A "<name>" in a string
# of the body stands for an id from the library, or the loopback server's URL.
REFUSALS = [
    # video-extend
    ("video-extend", {}, 1201, "video_id is required"),
    ("video-extend", {"video_id": 42}, 1201, "video_id must be a string"),
    ("video-extend", {"video_id": "no-such-video"}, 1201, "video_id no-such-video does not exist"),
    ("video-extend", {"video_id": "<v2_master>"}, 1201, "video-extend only supports videos generated by kling-v1, kling-v1-5 and kling-v1-6"),
    ("video-extend", {"video_id": "<aged>"}, 1201, "older than 30 days"),
    ("video-extend", {"video_id": "<long>"}, 1201, "the extended video cannot be longer than 3 minutes"),
    ("video-extend", {"video_id": "<root>", "prompt": LONG}, 1201, "prompt cannot be longer than 2500 characters"),
    ("video-extend", {"video_id": "<root>", "negative_prompt": LONG}, 1201, "negative_prompt cannot be longer than 2500"),
    ("video-extend", {"video_id": "<root>", "cfg_scale": 1.5}, 1201, "cfg_scale must be a number between 0 and 1"),
    ("video-extend", {"video_id": "<root>", "callback_url": "ftp://x/y"}, 1201, "callback_url must be an http(s) URL"),
    ("video-extend", {"video_id": "<root>", "external_task_id": "a/b"}, 1201, "external_task_id cannot contain"),
    ("video-extend", {"video_id": "<root>", "watermark_info": True}, 1201, "watermark_info must be an object"),
    ("video-extend", {"video_id": "<root>", "prompt": "a naked runner"}, 1301, POLICY),
    # lip-sync: the request
    ("lip-sync", {}, 1201, "input must be an object"),
    ("lip-sync", {"input": "video"}, 1201, "input must be an object"),
    ("lip-sync", {"input": TEXT}, 1201, "input must contain exactly one of video_id and video_url"),
    ("lip-sync", {"input": {**ROOT_TEXT, "video_url": "<root_url>"}}, 1201, "input must contain exactly one of video_id and video_url"),
    ("lip-sync", {"input": {**ROOT_TEXT, "mode": "sing"}}, 1201, "input.mode must be one of: text2video, audio2video"),
    ("lip-sync", {"input": {**ROOT_TEXT, "text": ""}}, 1201, "input.text is required for text2video"),
    ("lip-sync", {"input": {**ROOT_TEXT, "text": "x" * 121}}, 1201, "input.text cannot be longer than 120 characters"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_id": "robot"}}, 1201, "input.voice_id must be one of"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_id": None}}, 1201, "input.voice_id must be one of"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_language": "fr"}}, 1201, "input.voice_language must be one of: en, zh"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_speed": 2.5}}, 1201, "input.voice_speed must be a number between 0.8 and 2.0"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_speed": 0.5}}, 1201, "input.voice_speed must be a number between 0.8 and 2.0"),
    ("lip-sync", {"input": {**ROOT_TEXT, "voice_speed": "fast"}}, 1201, "input.voice_speed must be a number"),
    ("lip-sync", {"input": {**ROOT_TEXT, "text": "porn please"}}, 1301, POLICY),
    ("lip-sync", {"input": ROOT_TEXT, "callback_url": "nope"}, 1201, "callback_url must be an http(s) URL"),
    # lip-sync: the audio
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_type": None}}, 1201, "input.audio_type must be one of: file, url"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": ""}}, 1201, "input.audio_file is required when audio_type is file"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": "data:audio/wav;base64," + AUDIO["audio_file"]}}, 1201, "must be raw Base64 without"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": "not base64!"}}, 1201, "input.audio_file must be valid Base64"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": TOO_BIG_AUDIO}}, 1201, "input.audio_file cannot be larger than 5MB"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": NOT_AUDIO}}, 1201, "input.audio_file must be mp3, wav, m4a or aac"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": GARBLED}}, 1201, "input.audio_file could not be decoded as audio"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": "<root_clip>"}}, 1201, "input.audio_file has no audio stream"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": b64(wav_bytes(1.0))}}, 1201, "audio duration must be between 2s and 60s"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_file": b64(wav_bytes(61.0, rate=8000))}}, 1201, "audio duration must be between 2s and 60s"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_type": "url"}}, 1201, "input.audio_url is required when audio_type is url"),
    ("lip-sync", {"input": {**ROOT_AUDIO, "audio_type": "url", "audio_url": "<loopback>/gone.mp3"}}, 1201, "input.audio_url could not be downloaded"),
    # lip-sync: the video
    ("lip-sync", {"input": {**TEXT, "video_id": "no-such-video"}}, 1201, "input.video_id no-such-video does not exist"),
    ("lip-sync", {"input": {**TEXT, "video_id": "<twelve>"}}, 1201, "video duration must be between 2s and 10s"),
    ("lip-sync", {"input": {**TEXT, "video_id": "<short>"}}, 1201, "video duration must be between 2s and 10s"),
    ("lip-sync", {"input": {**TEXT, "video_url": "ftp://x/clip.mp4"}}, 1201, "input.video_url must be an http(s) URL"),
    ("lip-sync", {"input": {**TEXT, "video_url": "<loopback>/gone.mp4"}}, 1201, "input.video_url could not be downloaded"),
    ("lip-sync", {"input": {**TEXT, "video_url": "<loopback>/still.png"}}, 1201, "input.video_url must be an mp4 or mov video"),
    ("lip-sync", {"input": {**TEXT, "video_url": "<loopback>/garbled.mp4"}}, 1201, "input.video_url could not be decoded as a video"),
    ("lip-sync", {"input": {**TEXT, "video_url": "<loopback>/sound.m4a"}}, 1201, "input.video_url has no video stream"),
    ("lip-sync", {"input": {**TEXT, "video_url": "<loopback>/wide.mp4"}}, 1201, "video resolution cannot exceed 1920px"),
    # effects
    ("effects", {"input": {"image": IMAGE}}, 1201, "effect_scene is required"),
    ("effects", {"effect_scene": "moonwalk", "input": {"image": IMAGE}}, 1201, "effect_scene must be one of: bloombloom"),
    ("effects", {"effect_scene": "squish"}, 1201, "input must be an object"),
    ("effects", {"effect_scene": "squish", "input": {}}, 1201, "input.image is required for effect_scene squish"),
    ("effects", {"effect_scene": "squish", "input": {"images": [IMAGE, IMAGE]}}, 1201, "squish takes exactly 1 image"),
    ("effects", {"effect_scene": "squish", "input": {"image": IMAGE, "duration": "10"}}, 1201, "input.duration must be one of: 5 for"),
    ("effects", {"effect_scene": "squish", "input": {"image": IMAGE, "duration": 5}}, 1201, "input.duration must be a string"),
    ("effects", {"effect_scene": "squish", "input": {"image": "data:image/png;base64," + IMAGE}}, 1201, "without the data:image"),
    ("effects", {"effect_scene": "hug", "input": {"images": [IMAGE]}}, 1201, "input.images must contain exactly 2 images"),
    ("effects", {"effect_scene": "kiss", "input": {"images": [IMAGE] * 3}}, 1201, "input.images must contain exactly 2 images"),
    ("effects", {"effect_scene": "heart_gesture", "input": {"image": IMAGE}}, 1201, "input.images must contain exactly 2 images"),
    (
        "effects", {"effect_scene": "hug", "input": {"images": [IMAGE, IMAGE], "model_name": "kling-v2-master"}},
        1201, "input.model_name must be one of: kling-v1, kling-v1-5, kling-v1-6",
    ),
    ("effects", {"effect_scene": "hug", "input": {"images": [IMAGE, IMAGE], "mode": "ultra"}}, 1201, "input.mode must be one of: std, pro"),
    ("effects", {"effect_scene": "hug", "input": {"images": [IMAGE, IMAGE], "duration": "7"}}, 1201, "input.duration must be one of: 5, 10"),
    ("effects", {"effect_scene": "hug", "input": {"images": [IMAGE, SMALL_IMAGE]}}, 1201, "input.images[1] width and height must be at least 300px"),
    # multi-image2video
    ("multi-image2video", {"prompt": "p", "image_list": ONE_IMAGE, "model_name": "kling-v1"}, 1201, "model_name kling-v1 does not support multi-image2video"),
    ("multi-image2video", {"prompt": "p", "image_list": ONE_IMAGE, "model_name": "kling-v9"}, 1201, "model_name must be one of: kling-v1-6"),
    ("multi-image2video", {"prompt": "p"}, 1201, "image_list must contain 1 to 4 images"),
    ("multi-image2video", {"prompt": "p", "image_list": []}, 1201, "image_list must contain 1 to 4 images"),
    ("multi-image2video", {"prompt": "p", "image_list": ONE_IMAGE * 5}, 1201, "image_list must contain 1 to 4 images"),
    ("multi-image2video", {"prompt": "p", "image_list": [IMAGE]}, 1201, "image_list[0] must be an object"),
    ("multi-image2video", {"image_list": ONE_IMAGE}, 1201, "prompt is required"),
    ("multi-image2video", {"prompt": LONG, "image_list": ONE_IMAGE}, 1201, "prompt cannot be longer than 2500 characters"),
    ("multi-image2video", {"prompt": "p", "negative_prompt": LONG, "image_list": ONE_IMAGE}, 1201, "negative_prompt cannot be longer than 2500"),
    ("multi-image2video", {"prompt": "p", "duration": "7", "image_list": ONE_IMAGE}, 1201, "duration must be one of: 5, 10"),
    ("multi-image2video", {"prompt": "p", "aspect_ratio": "4:3", "image_list": ONE_IMAGE}, 1201, "aspect_ratio must be one of"),
    ("multi-image2video", {"prompt": "p", "mode": "ultra", "image_list": ONE_IMAGE}, 1201, "mode must be one of"),
    (
        "multi-image2video", {"prompt": "p", "image_list": [*ONE_IMAGE, {"image": SMALL_IMAGE}]},
        1201, "image_list[1].image width and height must be at least 300px",
    ),
    ("multi-image2video", {"prompt": "gore everywhere", "image_list": ONE_IMAGE}, 1301, POLICY),
]


def fill(value, ids: dict[str, str]):
    """`value` with every "<name>" inside its strings replaced by ids[name]."""
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("<"):
        for name, replacement in ids.items():
            value = value.replace(f"<{name}>", replacement)
    return value


@pytest.fixture(scope="module")
def refusal_ids(library):
    server = LoopbackServer()
    server.files["/still.png"] = ("image/png", image_bytes())
    server.files["/wide.mp4"] = ("video/mp4", wide_video())
    server.files["/garbled.mp4"] = ("video/mp4", b"\x00\x00\x00\x20ftypisom" + bytes(500))
    server.files["/sound.m4a"] = ("audio/mp4", m4a_audio())
    ids = {
        "root": library.root["id"], "root_url": library.root["url"], "root_clip": b64(library.root_clip),
        "v2_master": library.v2_master, "aged": library.aged, "long": library.long, "twelve": library.twelve,
        "short": library.short, "loopback": server.url,
    }
    yield ids
    server.stop()


@pytest.mark.parametrize("kind, body, code, message", REFUSALS, ids=[f"{row[0]}-{n}" for n, row in enumerate(REFUSALS)])
def test_it_refuses_invalid_requests(api, refusal_ids, kind, body, code, message):
    assert_error(api.post(f"/v1/videos/{kind}", json=fill(body, refusal_ids)), 400, code, message)


@pytest.mark.parametrize("kind", ["video-extend", "lip-sync", "effects", "multi-image2video"])
def test_it_refuses_a_body_that_is_not_an_object_with_1200(api, kind):
    assert_error(api.post(f"/v1/videos/{kind}", json=[1, 2]), 400, 1200)


# -- the registry ---------------------------------------------------------------------------------------


def test_the_registry_skips_a_damaged_sidecar_and_forgets_videos_whose_file_is_gone(tmp_path):
    (tmp_path / "kept.mp4").write_bytes(b"mp4")
    (tmp_path / "gone.mp4").write_bytes(b"mp4")
    registry = VideoRegistry(str(tmp_path))
    kept = record(video_id="kept", path="kept.mp4")
    registry.add(kept)
    registry.add(replace(kept, video_id="gone", task_id="2", path="gone.mp4"))
    (tmp_path / "videos" / "broken.json").write_text("{not json")
    (tmp_path / "gone.mp4").unlink()

    reloaded = VideoRegistry(str(tmp_path))

    assert reloaded.find("kept") == kept
    assert reloaded.find_by_task("1") == kept
    assert reloaded.find("gone") is None
    assert reloaded.find("broken") is None
