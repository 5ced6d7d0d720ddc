"""Where this home's library lives: the local index folder (the default) or a shared index
on S3-compatible object storage, with this machine's mount point for each shared root.

Only the URI, endpoint and region are settings; credentials come from the environment or an
AWS profile (boto3's and LanceDB's usual chain) and are never written anywhere by SoundSeek.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from soundseek.app.settings import Settings
from soundseek.errors import LocationError
from soundseek.index.places.objectstore import S3Location
from soundseek.index.places.place import LocalPlace, Place, S3Place
from soundseek.paths import AppPaths

LOCAL = "local"
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")  # as botocore checks it


@dataclass(frozen=True)
class LocationInfo:
    """What `location show` reports."""

    uri: str  # "local" or s3://bucket/prefix
    shared: bool
    store: str  # the index folder, or the S3 URI
    endpoint: str = ""
    region: str = ""
    mounts: tuple[tuple[str, str], ...] = ()  # (root id, this machine's path)

    def to_json(self) -> dict:
        return {"location": self.uri, "shared": self.shared, "store": self.store,
                "endpoint": self.endpoint, "region": self.region,
                "mounts": dict(self.mounts)}  # fmt: skip


def is_shared(uri: str) -> bool:
    return uri.startswith("s3://")


def place_for(paths: AppPaths, settings: Settings) -> Place:
    uri = settings.location or LOCAL
    if is_shared(uri):
        loc = S3Location.parse(uri, settings.s3_endpoint, settings.s3_region)
        return S3Place(loc, settings.root_mounts, cache=_library_cache(paths, loc) / "derived")
    place = LocalPlace(paths.store_dir)
    place.mounts = dict(settings.root_mounts)
    return place


def _library_cache(paths: AppPaths, loc: S3Location) -> Path:
    return paths.cache_dir / "libraries" / hashlib.sha1(loc.uri.encode()).hexdigest()[:12]


def mirror_folder(paths: AppPaths, place: Place) -> Path | None:
    """Where this home keeps a local copy of a shared library's tables."""
    return _library_cache(paths, place.loc) / "mirror" if isinstance(place, S3Place) else None


def local_place(paths: AppPaths) -> LocalPlace:
    """This home's own index folder (searched beside a shared library)."""
    return LocalPlace(paths.store_dir)


def describe(settings: Settings, place: Place) -> LocationInfo:
    shared = is_shared(settings.location)
    return LocationInfo(settings.location if shared else LOCAL, shared, place.uri,
                        settings.s3_endpoint if shared else "",
                        settings.s3_region if shared else "",
                        tuple(sorted(settings.root_mounts.items())))  # fmt: skip


def check_location(uri: str, endpoint: str, region: str) -> None:
    """Before a home switches location: `local`, or an s3:// store that is reachable and
    honours conditional writes (ObjectStoreError otherwise)."""
    if uri in ("", LOCAL):
        return
    if not is_shared(uri):
        raise LocationError(
            f"{uri!r} is not a library location: use 'local' (this home's own index) or "
            "s3://bucket/prefix (a team library; --endpoint for MinIO, Ceph, a NAS)"
        )
    check_endpoint(endpoint, region)
    try:
        S3Place(S3Location.parse(uri, endpoint, region)).check_writable()
    except ValueError as exc:  # the S3 client refuses what it is given
        raise LocationError(f"the object store settings are not usable ({exc})") from exc


def check_endpoint(endpoint: str, region: str) -> None:
    """An endpoint is an http(s) URL with a host (MinIO: http://nas:9000); a region a name
    like eu-west-1. LocationError, saying so, before any client sees them."""
    if endpoint:
        try:
            parts = urlsplit(endpoint)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            ok = False
        if not ok:
            raise LocationError(f"{endpoint!r} is not an endpoint URL: give http(s)://host"
                                "[:port], e.g. http://nas.local:9000")  # fmt: skip
    if region and not _REGION.fullmatch(region):
        raise LocationError(f"{region!r} is not a region name (e.g. eu-west-1)")


def who_indexes(detail: str = "") -> str:
    """ "host (soundseek 0.x)": what a shared library's readers see as its last indexer."""
    import socket

    from soundseek import __version__

    extra = f", {detail}" if detail else ""
    return f"{socket.gethostname()} (soundseek {__version__}{extra})"
