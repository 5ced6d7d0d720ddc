"""A library on S3-compatible object storage: where it is, whether the store is safe to
write, and the one-writer lease that replaces the local writer lock there.

LanceDB commits on S3 with conditional PUTs (If-None-Match). A store that ignores them
accepts two writers' commits of the same version and loses one silently, so SoundSeek
refuses to write to such a store, after a canary check at connect. Credentials come from
the environment or an AWS profile (boto3's and LanceDB's usual chain), never from settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from soundseek.errors import StoreError, StoreLocked

LEASE_SECONDS = 60.0  # a writer that stops renewing loses the lease after this
META_DIR = ".soundseek"


class ObjectStoreError(StoreError):
    """The object store cannot hold a SoundSeek library as it is (unreachable, unsafe)."""


@dataclass(frozen=True)
class S3Location:
    """`s3://bucket/prefix`, with the endpoint of an S3-compatible store (MinIO, Ceph, a NAS)
    and its region where they are not the AWS defaults."""

    bucket: str
    prefix: str
    endpoint: str = ""
    region: str = ""

    @classmethod
    def parse(cls, uri: str, endpoint: str = "", region: str = "") -> S3Location:
        parts = urlparse(uri)
        if parts.scheme != "s3" or not parts.netloc:
            raise ObjectStoreError(f"{uri!r} is not an s3://bucket/prefix location")
        return cls(parts.netloc, parts.path.strip("/"), endpoint, region)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, *names: str) -> str:
        return "/".join(p for p in (self.prefix, *names) if p)

    def storage_options(self) -> dict[str, str]:
        """What LanceDB needs beyond the credential chain it reads itself."""
        opts = {}
        if self.endpoint:
            opts["endpoint"] = self.endpoint
            if self.endpoint.startswith("http://"):
                opts["allow_http"] = "true"
        if self.region:
            opts["region"] = self.region
        return opts

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint or None,
                            region_name=self.region or None)  # fmt: skip


def _status(exc: Exception) -> int:
    return int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def check_conditional_writes(loc: S3Location, client=None) -> None:
    """Create a canary object twice with If-None-Match: the store must refuse the second
    (412). Raises ObjectStoreError when it does not, or when the store cannot be reached."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = client or loc.client()
    key = loc.key(META_DIR, f"canary-{uuid.uuid4().hex}")
    try:
        client.put_object(Bucket=loc.bucket, Key=key, Body=b"1", IfNoneMatch="*")
        try:
            client.put_object(Bucket=loc.bucket, Key=key, Body=b"2", IfNoneMatch="*")
        except ClientError as exc:
            if _status(exc) in (409, 412):
                return
            raise
        raise ObjectStoreError(
            f"{loc.uri} does not honour conditional writes (If-None-Match): two SoundSeek "
            "writers could lose each other's commits silently, so SoundSeek will not write there"
        )
    except (BotoCoreError, ClientError) as exc:
        raise ObjectStoreError(f"{loc.uri} cannot be used: {exc}") from exc
    finally:
        with contextlib.suppress(BotoCoreError, ClientError):
            client.delete_object(Bucket=loc.bucket, Key=key)


@dataclass
class LeaseHolder:
    holder: str
    expires_at: float
    host: str = ""
    pid: int = 0

    @classmethod
    def me(cls, seconds: float) -> LeaseHolder:
        host, pid = socket.gethostname(), os.getpid()
        return cls(f"{host} pid {pid}", time.time() + seconds, host, pid)

    @classmethod
    def parse(cls, raw: bytes) -> LeaseHolder:
        data = json.loads(raw)
        return cls(str(data.get("holder", "?")), float(data.get("expires_at", 0)),
                   str(data.get("host", "")), int(data.get("pid", 0)))  # fmt: skip

    def alive(self) -> bool:
        """Valid until it expires, except that a holder on this machine whose process is
        gone (killed) is dead at once: re-running after a kill need not wait a minute."""
        if self.expires_at <= time.time():
            return False
        if self.host == socket.gethostname() and self.pid and self.pid != os.getpid():
            return _pid_running(self.pid)
        return True


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else (or a platform without signal 0)
        return True
    return True


class Lease:
    """One writer across machines: an object created only if absent (If-None-Match), renewed
    only if unchanged (If-Match on its ETag), taken over only once it has expired. A writer
    that cannot renew has lost the lease and must stop writing."""

    def __init__(self, loc: S3Location, seconds: float = LEASE_SECONDS, client=None) -> None:
        self.loc, self.seconds = loc, seconds
        self.client = client or loc.client()
        self.key = loc.key(META_DIR, "writer.lease")
        self.etag = ""

    def _put(self, **condition: str) -> None:
        body = json.dumps(LeaseHolder.me(self.seconds).__dict__).encode()
        r = self.client.put_object(Bucket=self.loc.bucket, Key=self.key, Body=body, **condition)
        self.etag = r["ETag"]

    def _current(self) -> tuple[LeaseHolder, str] | None:
        from botocore.exceptions import ClientError

        try:
            r = self.client.get_object(Bucket=self.loc.bucket, Key=self.key)
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise
        return LeaseHolder.parse(r["Body"].read()), r["ETag"]

    def acquire(self) -> Lease:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._put(IfNoneMatch="*")
            return self
        except ClientError as exc:
            if _status(exc) not in (409, 412):
                raise ObjectStoreError(f"{self.loc.uri}: the writer lease failed ({exc})") from exc
        except BotoCoreError as exc:
            raise _unreachable(self.loc, exc) from exc
        current = self._current()
        if current is not None and current[0].alive():
            raise StoreLocked(
                f"The library at {self.loc.uri} is being written by {current[0].holder} "
                f"(lease valid for {current[0].expires_at - time.time():.0f} s more)."
            )
        return self._take_over(current)

    def _take_over(self, current: tuple[LeaseHolder, str] | None) -> Lease:
        from botocore.exceptions import ClientError

        try:
            self._put(**({"IfMatch": current[1]} if current else {"IfNoneMatch": "*"}))
        except ClientError as exc:  # another machine took it over first
            raise StoreLocked(f"The library at {self.loc.uri} was just taken by another "
                              "writer.") from exc  # fmt: skip
        return self

    def renew(self) -> None:
        """Extend the lease; raises StoreLocked if it was lost (expired and taken over)."""
        from botocore.exceptions import ClientError

        try:
            self._put(IfMatch=self.etag)
        except ClientError as exc:
            raise StoreLocked(f"The writer lease on {self.loc.uri} was lost.") from exc

    def release(self) -> None:
        from botocore.exceptions import ClientError

        if not self.etag:
            return
        with contextlib.suppress(ClientError):  # lost already: the new holder's lease stays
            self.client.delete_object(Bucket=self.loc.bucket, Key=self.key, IfMatch=self.etag)
        self.etag = ""

    def __enter__(self) -> Lease:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class ConcurrentUpdate(StoreError):
    """A small JSON object changed under us (another machine wrote it first)."""


class S3Json:
    """A small JSON object beside the tables (store info, roots), written by compare-and-swap:
    a write lands only if the object is still what this process last read (If-Match on its
    ETag), or still absent (If-None-Match). `update` retries a read-modify-write."""

    def __init__(self, loc: S3Location, name: str, client=None) -> None:
        self.loc, self.client = loc, client or loc.client()
        self.key = loc.key(name)
        self.etag: str | None = None  # of the version last read or written; None: absent

    def read(self) -> dict | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            r = self.client.get_object(Bucket=self.loc.bucket, Key=self.key)
        except ClientError as exc:
            if _status(exc) == 404:
                self.etag = None
                return None
            raise ObjectStoreError(f"{self.loc.uri}: {self.key} unreadable ({exc})") from exc
        except BotoCoreError as exc:
            raise _unreachable(self.loc, exc) from exc
        self.etag = r["ETag"]
        return json.loads(r["Body"].read())

    def stamp(self) -> str | None:
        """Changes whenever the object is replaced; None when it is absent."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.loc.bucket, Key=self.key)["ETag"]
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise ObjectStoreError(f"{self.loc.uri}: {self.key} unreadable ({exc})") from exc
        except BotoCoreError as exc:
            raise _unreachable(self.loc, exc) from exc

    def write(self, data: dict) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        condition = {"IfMatch": self.etag} if self.etag else {"IfNoneMatch": "*"}
        body = json.dumps(data, indent=1).encode()
        try:
            r = self.client.put_object(Bucket=self.loc.bucket, Key=self.key, Body=body,
                                       **condition)  # fmt: skip
        except ClientError as exc:
            if _status(exc) in (409, 412):
                raise ConcurrentUpdate(f"{self.key} was changed by another writer") from exc
            raise ObjectStoreError(f"{self.loc.uri}: {self.key} not written ({exc})") from exc
        except BotoCoreError as exc:
            raise _unreachable(self.loc, exc) from exc
        self.etag = r["ETag"]

    def update(self, change, attempts: int = 8) -> dict:
        """Apply `change(current or None) -> new` until it lands on the latest version."""
        for _ in range(attempts):
            new = change(self.read())
            try:
                self.write(new)
                return new
            except ConcurrentUpdate:
                time.sleep(0.05)
        raise ConcurrentUpdate(f"{self.key} kept changing; gave up after {attempts} tries")


def _unreachable(loc: S3Location, exc: Exception) -> ObjectStoreError:
    return ObjectStoreError(f"{loc.uri} cannot be reached ({exc})")
