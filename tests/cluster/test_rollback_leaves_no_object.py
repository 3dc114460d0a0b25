"""A transaction that stored files and then rolls back deletes those objects too, so the bucket keeps
nothing no Asset row accounts for: a submit refused after its input images were stored (too few credits,
checked last under the team's row lock), and an output delivery that fails after storing the clip and
poster (in the cluster rehearsal: a PostgreSQL deadlock victim). Found by the rehearsal's orphan check."""

import io
from types import SimpleNamespace

import boto3
import pytest

from accounts.credits import do_set_credits
from generations.actions.generation import StaleTransition, do_deliver_output
from generations.models import Asset, Generation
from generations.moderation.visual.scanning import ScanVerdict
from studio.perf.cluster import check_bucket
from tests.conftest import bearer
from tests.kinds.media import b64, image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def team_keys(client, bucket, team):
    listing = client.list_objects_v2(Bucket=bucket, Prefix=f"teams/{team.pk}/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_submit_refused_for_credits_leaves_no_input_object(client, team, alice_key, redis_conn, s3_media):
    s3 = boto3.client("s3", endpoint_url=s3_media.endpoint_url, aws_access_key_id=s3_media.ACCESS_KEY,
                      aws_secret_access_key=s3_media.SECRET_KEY, region_name="us-east-1")
    do_set_credits(team, 5)
    body = {"kind": "multi-image2video", "prompt": "The two of them walk along the pier",
            "images": [b64(image_bytes(seed=1)), b64(image_bytes(seed=2))], "aspect_ratio": "1:1"}

    response = client.post("/api/v1/generations", body, content_type="application/json", **bearer(alice_key))

    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    assert not Generation.objects.filter(team=team).exists() and not Asset.objects.exists()
    assert team_keys(s3, s3_media.bucket, team) == []

    do_set_credits(team, 100)
    accepted = client.post("/api/v1/generations", body, content_type="application/json", **bearer(alice_key))
    assert accepted.status_code == 202, accepted.content
    assert len(team_keys(s3, s3_media.bucket, team)) == 2  # the accepted one's inputs are kept
    orphans = check_bucket(s3, s3_media.bucket, Asset.objects.filter(generation__team=team))
    assert orphans["rows_without_objects"] == []
    assert [key for key in orphans["objects_without_rows"] if key.startswith(f"teams/{team.pk}/")] == []


def test_a_delivery_that_rolls_back_deletes_the_clip_and_poster_it_stored(client, team, alice_key, redis_conn, s3_media):
    """A delivery whose transaction fails after storing the files (here: the generation is not in the
    scanning state it expects; in the cluster rehearsal: chosen as a PostgreSQL deadlock victim) leaves
    neither rows nor objects behind."""
    s3 = boto3.client("s3", endpoint_url=s3_media.endpoint_url, aws_access_key_id=s3_media.ACCESS_KEY,
                      aws_secret_access_key=s3_media.SECRET_KEY, region_name="us-east-1")
    response = client.post("/api/v1/generations", {"prompt": "A quiet forest path"}, content_type="application/json",
                           **bearer(alice_key))
    assert response.status_code == 202, response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == "queued"

    with pytest.raises(StaleTransition):
        do_deliver_output(generation, video_file=io.BytesIO(b"not really a clip"),
                          video_info=SimpleNamespace(width=64, height=64, duration_s=5.0),
                          poster_bytes=b"not really a poster", verdict=ScanVerdict("allow"))

    assert not Asset.objects.filter(generation=generation).exists()
    assert team_keys(s3, s3_media.bucket, team) == []
