"""Model commands: what is installed, download, import from disk, select."""

from __future__ import annotations

from soundseek.cli.common import EXIT_OK, EXIT_USAGE, context, fail
from soundseek.core import models
from soundseek.core.settings import save_settings


def cmd_model(args) -> int:
    paths, settings = context()
    if args.action == "info":
        return _info(paths, settings)
    if args.action in ("download", "use", "import") and not args.target:
        return fail(f"`soundseek model {args.action}` needs a model id or path", EXIT_USAGE)
    if args.action == "download":
        folder = models.download_model(paths, args.target)
        print(f"downloaded {args.target} to {folder}")
        return EXIT_OK
    if args.action == "import":
        folder = models.import_model(paths, args.target, args.name)
        settings.model = folder.name
        save_settings(paths, settings)
        print(f"imported to {folder}; now using model {folder.name!r}")
        return EXIT_OK
    folder = models.require_model(paths, args.target)
    settings.model = args.target
    save_settings(paths, settings)
    print(f"now using {args.target} ({folder}); `soundseek index` re-embeds with it")
    return EXIT_OK


def _info(paths, settings) -> int:
    folder = models.model_dir(paths, settings.model)
    state = "installed" if models.is_installed(folder) else "not on disk"
    print(f"current model: {settings.model} ({state}, {folder})")
    print(f"models folder: {paths.models_dir}")
    for p in models.installed_models(paths):
        print(f"  installed: {p.name}")
    print("known LAION-CLAP models (download once with `soundseek model download ID`):")
    for m in models.KNOWN_MODELS.values():
        speed = f"~{m.cpu_windows_per_s:g} windows/s on one CPU thread"
        print(f"  {m.model_id:38s} {m.size_mb} MB  {speed}  {m.summary}")
    if state != "installed":
        print(models.missing_message(settings.model, folder))
    return EXIT_OK
