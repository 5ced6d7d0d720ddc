"""Model commands: what is installed, download, import from disk, select."""

from __future__ import annotations

from soundseek.cli.common import EXIT_OK, EXIT_USAGE, fail, open_app


def cmd_model(args) -> int:
    app = open_app()
    if args.action == "info":
        return _info(app)
    if not args.target:
        return fail(f"`soundseek model {args.action}` needs a model id or path", EXIT_USAGE)
    if args.action == "download":
        folder = app.download_model(args.target)
        print(f"downloaded {args.target} to {folder}")
    elif args.action == "import":
        folder = app.import_model(args.target, args.name)
        print(f"imported to {folder}; now using model {folder.name!r}")
    else:
        folder = app.use_model(args.target)
        print(f"now using {args.target} ({folder}); `soundseek index` re-embeds with it")
    return EXIT_OK


def _info(app) -> int:
    state = app.model_state(with_device=False)
    print(f"current model: {state.model} ({'installed' if state.installed else 'not on disk'}, "
          f"{state.folder})")  # fmt: skip
    print(f"models folder: {app.paths.models_dir}")
    for name in app.installed_models():
        print(f"  installed: {name}")
    print("known LAION-CLAP models (download once with `soundseek model download ID`):")
    for m in app.known_models():
        speed = f"~{m.cpu_windows_per_s:g} windows/s on one CPU thread"
        print(f"  {m.model_id:38s} {m.size_mb} MB  {speed}  {m.summary}")
    if not state.installed:
        print(state.hint)
    return EXIT_OK
