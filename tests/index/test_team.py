"""A team library on (local) S3: two SoundSeek homes share one index, each with its own
mount point for the library folder; one writer at a time across machines."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from soundseek.app import App
from soundseek.errors import StoreLocked
from soundseek.index.places.objectstore import Lease, ObjectStoreError, S3Location
from soundseek.index.places.place import S3Place
from soundseek.index.store import Store
from soundseek.paths import app_paths
from tests.helpers import app_with


def _home(tmp_path, name):
    return app_paths(tmp_path / name).ensure()


def _shared_app(paths, uri, endpoint, embedder=None) -> App:
    app = app_with(paths, embedder)
    app.set_location(uri, endpoint)
    return app


def test_two_homes_share_one_library_each_with_its_own_mount(
    tmp_path, library, s3_uri, s3_endpoint, tiny_embedder
):
    a = _shared_app(_home(tmp_path, "a"), s3_uri, s3_endpoint, tiny_embedder)
    root = a.add_root(str(tmp_path / "lib")).root
    list(a.index())
    assert a.status().to_json()["location"] == s3_uri
    # Machine B mounts the same folder elsewhere.
    mount = tmp_path / "Volumes" / "SFX"
    shutil.copytree(tmp_path / "lib", mount, copy_function=shutil.copy2)
    b = _shared_app(_home(tmp_path, "b"), s3_uri, s3_endpoint, tiny_embedder)
    assert [r.path for r in b.roots()] == [str(tmp_path / "lib")], "the adder's path until mapped"
    b.map_root(root.id, str(mount))
    status = b.status().to_json()
    assert status["location"] == s3_uri and status["shared"] and status["indexed"] == 9
    assert "soundseek" in status["indexed_by"] and time.time() - status["indexed_at"] < 600
    hit = b.search("thunder", 3).hits[0]
    assert hit.path == str(mount / "Weather" / "thunder distant roll.flac")
    assert "sound" in hit.matched
    like = b.similar(str(mount / "dog bark.mp3"), limit=3).hits
    assert like and all(h.path.startswith(str(mount)) for h in like)
    assert [r.path for r in a.roots()] == [str(tmp_path / "lib")], "A's mount is untouched"
    assert App.open(b.paths).location().mounts == ((root.id, str(mount)),), "kept in B's home"


def test_a_reader_on_another_machine_sees_new_files_within_seconds(
    tmp_path, library, s3_uri, s3_endpoint, monkeypatch
):
    from soundseek.app import library as library_mod

    monkeypatch.setattr(library_mod, "MIRROR_REFRESH_SECONDS", 1.0)
    a = _shared_app(_home(tmp_path, "a"), s3_uri, s3_endpoint)
    a.add_root(str(tmp_path / "lib"))
    b = _shared_app(_home(tmp_path, "b"), s3_uri, s3_endpoint)
    assert b.search("thunder").hits == []
    list(a.index(embed=False))
    deadline = time.monotonic() + 10
    while not b.search("thunder").hits and time.monotonic() < deadline:
        time.sleep(0.5)
    assert b.search("thunder").hits, "the reader picked up the writer's commits"


def test_a_second_writer_anywhere_gets_the_locked_exit_code(tmp_path, s3_uri, s3_endpoint):
    """The CLI's `index` on machine B while A holds the lease: exit 4, as for a local lock."""
    a = _shared_app(_home(tmp_path, "a"), s3_uri, s3_endpoint)
    lib = tmp_path / "lib"
    lib.mkdir()
    a.add_root(str(lib))
    b_home = tmp_path / "b"
    cli = [sys.executable, "-m", "soundseek", "--home", str(b_home)]
    subprocess.run([*cli, "location", "set", s3_uri, "--endpoint", s3_endpoint], check=True,
                   capture_output=True)  # fmt: skip
    place = S3Place(S3Location.parse(s3_uri, endpoint=s3_endpoint))
    with Store(place, writable=True):
        run = subprocess.run([*cli, "index", "--no-embed"], capture_output=True, text=True)
    assert run.returncode == 4, run.stderr
    assert "is being written by" in run.stderr
    again = subprocess.run([*cli, "index", "--no-embed"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr


def test_a_writer_killed_on_this_machine_is_taken_over_at_once(s3_uri, s3_endpoint):
    """No minute of waiting after a kill -9: the lease names a process that is gone."""
    loc = S3Location.parse(s3_uri, endpoint=s3_endpoint)
    code = ("import sys, os; from soundseek.index.places.objectstore import Lease, S3Location; "
            "Lease(S3Location.parse(sys.argv[1], endpoint=sys.argv[2])).acquire(); "
            "os._exit(0)")  # fmt: skip
    subprocess.run([sys.executable, "-c", code, s3_uri, s3_endpoint], check=True)
    with Lease(loc):  # the holder's process is gone although its lease has not expired
        pass


def test_a_writer_that_lost_its_lease_stops_writing(s3_uri, s3_endpoint):
    place = S3Place(S3Location.parse(s3_uri, endpoint=s3_endpoint), lease_seconds=0.6)
    store = Store(place, writable=True)
    loc = place.loc
    place.client.put_object(Bucket=loc.bucket, Key=loc.key(".soundseek", "writer.lease"),
                            Body=b'{"holder": "render-node", "expires_at": 1e12}')  # fmt: skip
    store._lock.lost.wait(timeout=5)  # set by the lease's renewal thread when it notices
    with pytest.raises(StoreLocked, match="lost"):
        store.add_files([])
    store.close()  # must leave the new holder's lease alone
    with pytest.raises(StoreLocked, match="render-node"):
        Lease(loc).acquire()


def test_a_store_without_conditional_writes_is_refused_and_nothing_changes(
    home, s3_uri, s3_endpoint, monkeypatch
):
    real_client = S3Location.client

    def drop_condition(request, **_kw):
        request.headers.pop("If-None-Match", None)  # returns None: the request goes on

    def client_without_conditions(self):
        c = real_client(self)
        c.meta.events.register("before-send.s3.PutObject", drop_condition)
        return c

    monkeypatch.setattr(S3Location, "client", client_without_conditions)
    app = App.open(home)
    with pytest.raises(ObjectStoreError, match="does not honour conditional writes"):
        app.set_location(s3_uri, s3_endpoint)
    assert app.location().uri == "local" and App.open(home).location().uri == "local"


def test_shared_and_own_libraries_are_searched_together_without_duplicates(
    tmp_path, library, s3_uri, s3_endpoint, tiny_embedder
):
    """This home's own index (personal sounds) is searched beside the team's; a sound in both
    (same audio) is listed once."""
    paths = _home(tmp_path, "me")
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy2(library["thunder"], mine / "my thunder take.flac")
    shutil.copy2(library["click"], mine / "ui click soft.wav")
    own = app_with(paths, tiny_embedder)
    own.add_root(str(mine))
    list(own.index())
    team = _shared_app(_home(tmp_path, "team"), s3_uri, s3_endpoint, tiny_embedder)
    team.add_root(str(tmp_path / "lib"))
    list(team.index())
    me = _shared_app(paths, s3_uri, s3_endpoint, tiny_embedder)
    found = [h.path for h in me.search("thunder", 20).hits]
    thunders = [p for p in found if "thunder" in p]
    assert len(thunders) == 1, f"one thunder (same audio in both libraries): {found}"
    clicks = [h.path for h in me.search("ui click soft", 5).hits]
    assert str(mine / "ui click soft.wav") in clicks, "a file only in my own index"
    me.update_settings(search_local_too=False)
    alone = [h.path for h in app_with(paths, tiny_embedder).search("ui click soft", 5).hits]
    assert str(mine / "ui click soft.wav") not in alone, "the team library only, when asked"


def test_status_json_names_the_location(home, s3_uri, s3_endpoint):
    run = subprocess.run([sys.executable, "-m", "soundseek", "status", "--json"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(run.stdout)["location"] == "local"
    cli = [sys.executable, "-m", "soundseek"]
    subprocess.run([*cli, "location", "set", s3_uri, "--endpoint", s3_endpoint], check=True,
                   capture_output=True)  # fmt: skip
    shown = json.loads(subprocess.run([*cli, "location", "show", "--json"], check=True,
                                      capture_output=True, text=True).stdout)  # fmt: skip
    assert (shown["location"], shown["endpoint"], shown["shared"]) == (s3_uri, s3_endpoint, True)
    settings = home.settings_file.read_text().lower()
    assert '"test"' not in settings and "secret" not in settings, "no credentials in settings"
    bad = subprocess.run([*cli, "location", "set", "/Volumes/SFX"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a library location" in bad.stderr
    status = json.loads(subprocess.run([*cli, "status", "--json"], check=True,
                                       capture_output=True, text=True).stdout)  # fmt: skip
    assert (status["location"], status["store_dir"]) == (s3_uri, s3_uri)
    assert np.isfinite(status["store_bytes"])


def test_an_own_index_of_another_model_is_searched_by_its_words_only(
    tmp_path, library, s3_uri, s3_endpoint, tiny_embedder
):
    paths = _home(tmp_path, "me")
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy2(library["click"], mine / "ui click soft.wav")
    own = app_with(paths)
    own.add_root(str(mine))
    list(own.index(embed=False))
    with Store(paths.store_dir, writable=True) as s:
        s.use_model("someone-elses-model", 8, "other@1/logmel-v1")
    team = _shared_app(_home(tmp_path, "team"), s3_uri, s3_endpoint, tiny_embedder)
    team.add_root(str(tmp_path / "lib"))
    list(team.index())
    me = _shared_app(paths, s3_uri, s3_endpoint, tiny_embedder)
    result = me.search("ui click soft", 10)
    assert str(mine / "ui click soft.wav") in [h.path for h in result.hits]
    assert any("searched by its metadata only" in n for n in result.notes)
    sounds = [h.path for h in result.hits if h.sound is not None]
    assert sounds and all(str(tmp_path / "lib") in p for p in sounds), "no mixed vectors"


def test_a_team_library_is_searched_from_a_local_copy_that_survives_an_outage(
    tmp_path, library, s3_uri, s3_endpoint, tiny_embedder, caplog, monkeypatch
):
    """Warm queries read no table data from the store (each GET is a round trip over the
    WAN); the answers are the ones the store gives; with the store unreachable the copy
    still answers, and says since when. The periodic freshness checks, which do ask the
    store (the copy's refresh every 10 s, the word index's version check every 5 s; tested by
    the reader test above), are held off so that only the query is measured."""
    import logging

    from soundseek.app import library as library_mod
    from soundseek.index.wordindex import sync as sync_mod

    monkeypatch.setattr(library_mod, "MIRROR_REFRESH_SECONDS", 3600.0)
    monkeypatch.setattr(sync_mod, "RESYNC_SECONDS", 3600.0)

    a = _shared_app(_home(tmp_path, "a"), s3_uri, s3_endpoint, tiny_embedder)
    a.add_root(str(tmp_path / "lib"))
    list(a.index())
    b = _shared_app(_home(tmp_path, "b"), s3_uri, s3_endpoint, tiny_embedder)
    direct = _shared_app(_home(tmp_path, "c"), s3_uri, s3_endpoint, tiny_embedder)
    direct.update_settings(mirror_shared=False)
    queries = ["thunder", "door creak", "dog bark", "rain"]
    for q in queries:
        assert [h.path for h in b.search(q).hits] == [h.path for h in direct.search(q).hits]
    bucket = s3_uri.split("/")[2]  # the server is the session's: other tests' threads use it

    def table_reads() -> list[str]:
        said = [r.getMessage() for r in caplog.records]
        return [m for m in said if f"/{bucket}/" in m and "/lance/" in m]

    caplog.set_level(logging.INFO, logger="werkzeug")
    caplog.clear()
    direct.search("wooden door")
    assert table_reads(), "the log shows this library's table reads (a direct query makes some)"
    caplog.clear()
    b.search("wooden door")
    assert table_reads() == [], "a warm query reads the local copy"
    b.update_settings(s3_endpoint="http://127.0.0.1:9")  # the store goes away
    offline = App.open(b.paths)
    offline.embedder = tiny_embedder
    notes = offline.open_index()
    assert any("cannot be reached" in n and "local copy" in n for n in notes)
    assert offline.search("thunder").hits[0].path.endswith("thunder distant roll.flac")


def test_an_open_app_follows_a_location_set_from_the_command_line(
    home, tmp_path, s3_uri, s3_endpoint
):
    team = _shared_app(_home(tmp_path, "team"), s3_uri, s3_endpoint)
    lib = tmp_path / "sfx"
    lib.mkdir()
    team.add_root(str(lib))
    app = App.open(home)
    assert app.roots() == []
    cli = [sys.executable, "-m", "soundseek", "location", "set", s3_uri, "--endpoint", s3_endpoint]
    subprocess.run(cli, check=True, capture_output=True)
    assert "location" in app.reload_settings()
    assert app.location().uri == s3_uri and [r.path for r in app.roots()] == [str(lib)]
