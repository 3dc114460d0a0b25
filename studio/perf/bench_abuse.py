"""`bench abuse`: what hostile input costs the studio before it is refused (issue #17).

Each case runs in its own child process (`python -m studio.perf.bench_abuse CASE`), which prepares its input
first, then measures only the studio's own work on it: wall time, CPU time of the process, and peak RSS
above the process's RSS just before (the kernel's high-water mark VmHWM, reset through
/proc/self/clear_refs where Linux allows it). Hostile servers (a slow drip, a 400 MB stream of zeros) run
in this parent process, on 127.0.0.1, bounded in bytes and time, so their work is not counted. Goal per
case: ≤ 1 s of CPU and ≤ 100 MB of extra RSS.
"""

import gc
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib

import av
import django
import numpy as np
from django.conf import settings

from studio.perf.hostile_servers import HostileServer

CASES = ("audio_bomb", "image_bomb", "image_at_cap", "slow_drip_url", "webhook_400mb_body", "pathological_prompt", "deep_json")
# Cases that are refusals; the others are measured for reference (image_at_cap is a legitimate image).
REFUSALS = ("audio_bomb", "image_bomb", "slow_drip_url", "webhook_400mb_body", "deep_json")


# --- behaviours of the hostile loopback servers (parent side; the servers: studio.perf.hostile_servers) ------


def _zeros_behaviour(total_bytes):
    def behaviour(connection, server):
        server.send(connection, f"HTTP/1.1 200 OK\r\nContent-Length: {total_bytes}\r\n\r\n".encode())
        chunk = b"\0" * 65536  # the same 64 KB sent again and again: 400 MB is never allocated
        while server.bytes_sent < total_bytes and server.alive():
            server.send(connection, chunk[: total_bytes - server.bytes_sent + 64])

    return behaviour


def _drip_behaviour(*, every_s=0.05):
    def behaviour(connection, server):
        server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\n\x89PNG\r\n\x1a\n")
        while server.alive() and server.bytes_sent < 1_000_000:
            server.send(connection, b"\0")
            time.sleep(every_s)

    return behaviour


# --- inputs (child side, before measuring) --------------------------------------------------------------


def _png_of_zeros(width, height):
    """A real RGBA PNG of transparent black, compressed row by row: a huge image, a small file, little memory."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + 4 * width)
    idat = bytearray()
    for _ in range(height):
        idat += compressor.compress(row)
    idat += compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b"")


def _flac_bomb(seconds):
    """7.1-channel 192 kHz silence, FLAC in an MP4 box (it starts with `ftyp`, like an m4a)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("flac", rate=192_000, layout="7.1")
        done = 0
        while done < 192_000 * seconds:
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 4608 * 8), dtype=np.int16), format="s16", layout="7.1")
            frame.sample_rate, frame.pts = 192_000, done
            for packet in stream.encode(frame):
                out.mux(packet)
            done += 4608
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def _prepare(case, params):
    """(function to measure, what it is fed: for the record). Runs in the child after django.setup(), so the
    studio's modules are imported here, and only those the case exercises."""
    from generations.errors import GenerationError  # after django.setup() in the child (see the docstring)

    def refusal(call):
        def run():
            try:
                call()
            except GenerationError as error:
                return {"refused": True, "code": error.code, "http_status": error.http_status}
            return {"refused": False, "code": None}

        return run

    if case == "audio_bomb":
        # The case's own modules, loaded in the child after django.setup().
        from generations.inputs.loading import load_media_inputs

        data = _flac_bomb(params["audio_seconds"])
        return refusal(lambda: load_media_inputs({"kind": "lip-sync", "audio": data})), {"bytes": len(data)}
    if case in ("image_bomb", "image_at_cap"):
        # The case's own modules, loaded in the child after django.setup().
        from generations.inputs.loading import load_media_inputs

        side = params["image_side"] if case == "image_bomb" else int(settings.MAX_INPUT_IMAGE_PIXELS**0.5)
        data = _png_of_zeros(side, side)

        # Loaded in the child after setup, and before measuring, as in a running worker.
        from generations.moderation.visual import faces, scanning

        def full_check():
            # What a submit does with an image: inspect it, then faces and the scanner on the analysis copy.
            image = load_media_inputs({"kind": "image2video", "image": data})["image"]
            faces.detect_faces_in_image(image.for_analysis)
            scanning.scan_image(image.for_analysis)

        if case == "image_at_cap":
            warm = _png_of_zeros(320, 320)  # load the models before measuring: a worker has them loaded
            faces.detect_faces_in_image(warm)
            scanning.scan_image(warm)
        return refusal(full_check), {"bytes": len(data), "pixels": side * side}
    if case == "slow_drip_url":
        from generations.inputs.images import load_image  # loaded in the child after setup

        settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the drip server is on loopback
        url = params["url"]
        return refusal(lambda: load_image(url)), {"url": url}
    if case == "webhook_400mb_body":
        from generations import outbound  # loaded in the child after setup

        settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
        url = params["url"]

        def post():
            result = outbound.post(url, b"{}", headers={"Content-Type": "application/json"})
            # The studio read an excerpt and hung up: it refused the rest of the body.
            return {"refused": len(result.excerpt) <= outbound.RESPONSE_EXCERPT_BYTES, "code": "excerpt_only",
                    "http_status": result.status_code, "excerpt_bytes": len(result.excerpt)}

        return post, {"promised_bytes": params["body_bytes"]}
    if case == "pathological_prompt":
        from generations.moderation.text import screening  # loaded in the child after setup

        prompt = "kill" + "-" * 2496
        screening.warm_up()  # the lexicon, encoder and head load once per process, not per prompt
        screening.screen_prompt("a red fox running through fresh snow")

        def screen():
            decision = screening.screen_prompt(prompt)
            return {"refused": decision.decision != screening.ALLOW, "code": f"screening_{decision.decision}"}

        return screen, {"chars": len(prompt)}
    if case == "deep_json":
        from django.test import RequestFactory  # loaded in the child after setup

        from generations.api import kling as kling_compat  # loaded in the child after setup

        class _Key:  # the door's authentication is not what is measured: a key allowed to generate
            def has_scope(self, scope):
                return True

        kling_compat.authenticate = lambda request: _Key()
        body = "[" * params["depth"] + "]" * params["depth"]
        request = RequestFactory().post("/kling/v1/videos/text2video", body, content_type="application/json")
        request.request_id = "bench-abuse"

        def post():
            response = kling_compat.tasks(request, "text2video")
            reply = json.loads(response.content)
            return {"refused": response.status_code == 400, "code": f"kling_{reply['code']}", "http_status": response.status_code}

        return post, {"depth": params["depth"], "bytes": len(body)}
    raise ValueError(f"unknown case {case}")


def _status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def run_case(case, params):
    """Child side: prepare, then measure one case. Returns the record."""
    measure, fed = _prepare(case, params)
    gc.collect()
    reset = _reset_peak()
    rss_before = _status_kb("VmRSS") if reset else _status_kb("VmHWM")
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = measure()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _status_kb("VmHWM")
    return {
        "case": case, **outcome, "input": fed,
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "peak_rss_increase_mb": round(max(0, peak - rss_before) / 1024, 1), "peak_reset": reset,
    }


# --- parent side ----------------------------------------------------------------------------------------


def _in_child(case, params, timeout_s):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "studio.settings")}
    completed = subprocess.run(
        [sys.executable, "-m", "studio.perf.bench_abuse", case, json.dumps(params)],
        capture_output=True, text=True, timeout=timeout_s, env=env, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {"case": case, "refused": False, "code": "bench_error", "error": completed.stderr.strip().splitlines()[-1:] }
    return json.loads(lines[-1])


def run_abuse_bench(*, n=400):
    """n: the webhook body in MB (400 by default); smaller n also shrinks the other inputs (for tests)."""
    small = n < 100
    params = {
        "audio_bomb": {"audio_seconds": 5 if small else 60},
        "image_bomb": {"image_side": 5000 if small else 7000},
        "image_at_cap": {},
        "pathological_prompt": {},
        "deep_json": {"depth": 100_000},
    }
    results = []
    for case in CASES:
        server = None
        case_params = dict(params.get(case, {}))
        if case == "slow_drip_url":
            server = HostileServer(_drip_behaviour(), max_connections=1, lifetime_s=30).start()
            case_params["url"] = f"http://127.0.0.1:{server.port}/image.png"
        elif case == "webhook_400mb_body":
            body_bytes = n * 1024 * 1024
            server = HostileServer(_zeros_behaviour(body_bytes), max_connections=1, lifetime_s=60).start()
            case_params.update(url=f"http://127.0.0.1:{server.port}/hook", body_bytes=body_bytes)
        try:
            record = _in_child(case, case_params, timeout_s=120)
        finally:
            if server is not None:
                server.stop()
        if server is not None:
            record["server_bytes_sent"] = server.bytes_sent
        results.append(record)
    within = [r["case"] for r in results if r.get("cpu_s", 99) <= 1.0 and r.get("peak_rss_increase_mb", 999) <= 100]
    return {"benchmark": "abuse", "cases": results, "within_goal": within, "goal": "each case ≤ 1 s CPU and ≤ 100 MB extra RSS"}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    django.setup()
    print(json.dumps(run_case(sys.argv[1], json.loads(sys.argv[2]))))
