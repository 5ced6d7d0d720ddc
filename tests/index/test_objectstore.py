"""A library on S3-compatible storage: the store must honour conditional writes (else it is
refused), and one writer at a time holds a lease that expires and can be taken over."""

from __future__ import annotations

import time

import pytest

from soundseek.errors import StoreLocked
from soundseek.index.places.objectstore import (
    Lease,
    ObjectStoreError,
    S3Location,
    check_conditional_writes,
)
from tests.s3server import new_bucket


@pytest.fixture
def loc(s3_endpoint):
    return S3Location.parse(f"s3://{new_bucket(s3_endpoint)}/team/sfx", endpoint=s3_endpoint)


def test_location_parses_and_names_its_keys():
    loc = S3Location.parse("s3://studio/libs/sfx/", endpoint="http://nas:9000", region="eu-1")
    assert (loc.bucket, loc.prefix, loc.uri) == ("studio", "libs/sfx", "s3://studio/libs/sfx")
    assert loc.key(".soundseek", "writer.lease") == "libs/sfx/.soundseek/writer.lease"
    assert loc.storage_options() == {"endpoint": "http://nas:9000", "allow_http": "true",
                                     "region": "eu-1"}  # fmt: skip
    with pytest.raises(ObjectStoreError):
        S3Location.parse("/Volumes/SFX")


def test_a_store_that_honours_conditional_writes_passes_the_canary(loc):
    check_conditional_writes(loc)
    left = loc.client().list_objects_v2(Bucket=loc.bucket).get("KeyCount", 0)
    assert left == 0, "the canary cleans up after itself"


def test_a_store_that_ignores_conditional_writes_is_refused(loc):
    """Negative control: the same server, but the If-None-Match header never reaches it
    (as with a store that does not implement it)."""
    client = loc.client()

    def drop_condition(request, **_kw):
        request.headers.pop("If-None-Match", None)

    client.meta.events.register("before-send.s3.PutObject", drop_condition)
    with pytest.raises(ObjectStoreError, match="does not honour conditional writes"):
        check_conditional_writes(loc, client)


def test_an_unreachable_store_is_a_clear_error():
    loc = S3Location.parse("s3://nobody/x", endpoint="http://127.0.0.1:9")
    with pytest.raises(ObjectStoreError, match="cannot be used"):
        check_conditional_writes(loc)


def test_one_writer_holds_the_lease_until_it_expires(loc):
    # Long enough that a loaded CI machine cannot let it expire between two requests
    # (a 1 s lease once did: 1.9 s passed between the refused PUT and the GET after it).
    seconds = 5.0
    first = Lease(loc, seconds=seconds).acquire()
    with pytest.raises(StoreLocked, match="being written by"):
        Lease(loc, seconds=seconds).acquire()
    renewed_at = time.time()
    first.renew()  # still ours
    time.sleep(max(0.0, renewed_at + seconds + 0.2 - time.time()))
    second = Lease(loc, seconds=30.0).acquire()  # expired: taken over
    with pytest.raises(StoreLocked, match="lost"):
        first.renew()
    first.release()  # must not remove the new holder's lease
    with pytest.raises(StoreLocked):
        Lease(loc).acquire()
    second.release()
    with Lease(loc):  # free again
        pass


def test_lancedb_reads_and_writes_the_location(loc):
    """The storage options SoundSeek builds are the ones LanceDB needs; a reader with a
    consistency interval sees another connection's commits."""
    from datetime import timedelta

    import lancedb

    writer = lancedb.connect(loc.uri, storage_options=loc.storage_options())
    table = writer.create_table("files", data=[{"relpath": "a.wav", "size": 1}])
    reader = lancedb.connect(loc.uri, storage_options=loc.storage_options(),
                             read_consistency_interval=timedelta(0))  # fmt: skip
    seen = reader.open_table("files")
    table.add([{"relpath": "b.wav", "size": 2}])
    assert seen.count_rows() == 2


def test_small_objects_are_written_by_compare_and_swap(loc):
    from soundseek.index.places.objectstore import ConcurrentUpdate, S3Json

    a, b = S3Json(loc, "roots.json"), S3Json(loc, "roots.json")
    assert a.read() is None and a.stamp() is None
    a.write({"roots": []})
    b.read()
    a.update(lambda cur: {"roots": [*cur["roots"], "sfx"]})
    with pytest.raises(ConcurrentUpdate):
        b.write({"roots": ["music"]})  # written against a version that is gone
    assert b.update(lambda cur: {"roots": [*cur["roots"], "music"]}) == {"roots": ["sfx", "music"]}
    assert S3Json(loc, "roots.json").read() == {"roots": ["sfx", "music"]}
    c = S3Json(loc, "roots.json")
    with pytest.raises(ConcurrentUpdate):
        c.write({"roots": []})  # never read: may only create, and it exists
