"""The cluster rehearsal's orphan check, against a real S3 server (SeaweedFS): an object no Asset row
accounts for and an Asset row whose object is gone are both reported; renditions of a live asset are not."""

import uuid

import boto3
import pytest

from generations.actions.wellness import RENDITION_PREFIX
from studio.perf.cluster import bucket_keys, bucket_orphans


@pytest.fixture
def bucket(seaweedfs):
    client = boto3.client("s3", endpoint_url=seaweedfs.endpoint_url, aws_access_key_id=seaweedfs.ACCESS_KEY,
                          aws_secret_access_key=seaweedfs.SECRET_KEY, region_name="us-east-1")
    prefix = f"orphans-{uuid.uuid4().hex[:8]}"
    yield client, seaweedfs.bucket, prefix
    for key in bucket_keys(client, seaweedfs.bucket):
        if prefix in key:
            client.delete_object(Bucket=seaweedfs.bucket, Key=key)


def test_objects_without_rows_and_rows_without_objects_are_both_reported(bucket):
    client, name, prefix = bucket
    kept, stray = f"{prefix}/teams/1/kept.mp4", f"{prefix}/teams/1/stray-input.png"
    live, gone = uuid.uuid4(), uuid.uuid4()
    live_rendition = f"{RENDITION_PREFIX}/{live}/{prefix}-640.jpg"
    dead_rendition = f"{RENDITION_PREFIX}/{gone}/{prefix}-640.jpg"
    for key in (kept, stray, live_rendition, dead_rendition):
        client.put_object(Bucket=name, Key=key, Body=b"x")
    missing = f"{prefix}/teams/1/never-written.mp4"
    keys = {key for key in bucket_keys(client, name) if prefix in key}
    assert {kept, stray, live_rendition, dead_rendition} <= keys

    found = bucket_orphans(keys, asset_names=[kept, missing], asset_ids=[live])

    assert found["objects_without_rows"] == sorted([stray, dead_rendition])
    assert found["rows_without_objects"] == [missing]


def test_a_bucket_matching_its_rows_has_no_orphans(bucket):
    client, name, prefix = bucket
    key = f"{prefix}/teams/2/video.mp4"
    client.put_object(Bucket=name, Key=key, Body=b"x")
    keys = {found for found in bucket_keys(client, name) if prefix in found}
    assert bucket_orphans(keys, asset_names=[key], asset_ids=[]) == {"objects_without_rows": [], "rows_without_objects": []}
