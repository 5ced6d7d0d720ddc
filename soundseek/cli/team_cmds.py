"""Team library commands: where the library is, this machine's mount points, cluster index."""

from __future__ import annotations

import json

from soundseek.cli.common import (
    EXIT_CANCELLED,
    EXIT_OK,
    install_cancel_handler,
    open_app,
)
from soundseek.cli.progress import ProgressPrinter


def cmd_location(args) -> int:
    app = open_app()
    if args.action == "set":
        info = app.set_location(args.uri, args.endpoint or "", args.region or "")
        print(f"library location: {info.uri}" + (f" (endpoint {info.endpoint})"
                                                  if info.endpoint else ""))  # fmt: skip
        if info.shared:
            print("next: `soundseek status` (the shared library), or `soundseek root map ROOT "
                  "PATH` where this machine mounts its folders elsewhere")  # fmt: skip
        return EXIT_OK
    info = app.location()
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
        return EXIT_OK
    print(f"Location: {info.uri}" + ("  (shared)" if info.shared else ""))
    print(f"Index: {info.store}")
    if info.endpoint or info.region:
        print(f"Endpoint: {info.endpoint or 'AWS'}  Region: {info.region or 'default'}")
    for root_id, path in info.mounts:
        print(f"  root {root_id} is at {path} on this machine")
    return EXIT_OK


def cmd_root(args) -> int:
    move = open_app().roots.map_root(args.root, args.path, args.force)
    print(f"root {move.root.id} is at {move.root.path} on this machine ({move.found} of "
          f"{move.checked} library files checked are there)")  # fmt: skip
    return EXIT_OK


def cmd_cluster(args) -> int:
    from soundseek.app.cluster import ClusterOptions

    app = open_app()
    options = ClusterOptions(address=args.address or "", actors=args.actors,
                             gpus_per_actor=args.gpus_per_actor, chunk_files=args.chunk,
                             local_cpus=args.local_cpus)  # fmt: skip
    cancel = install_cancel_handler()
    printer = ProgressPrinter()
    for p in app.cluster_index(options, cancel):
        printer.show(p)
    return EXIT_CANCELLED if cancel.is_set() else EXIT_OK
