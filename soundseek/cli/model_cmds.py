"""Model commands: what is installed, download, import from disk, select."""

from __future__ import annotations

from soundseek.cli.common import EXIT_OK, EXIT_USAGE, fail, open_app
from soundseek.cli.progress import ProgressPrinter, follow_preparation

HELP = """\
actions:
  info                 the current model, the installed ones, the known LAION-CLAP models
  download ID          fetch a model from the Hugging Face hub once (needs internet)
  import PATH          copy a model you have into the models folder and use it
  use ID|NAME          switch to an installed model (`soundseek index` re-embeds with it)

what `import` accepts (checked by loading it before anything is replaced):
  a LAION-CLAP model folder, as the hub has it, holding
    config.json                       the model's configuration (ClapModel)
    model.safetensors                 the weights (or model.safetensors.index.json and its
                                      shards; a pytorch_model.bin is converted on import)
    tokenizer.json, tokenizer_config.json
                                      the text tokenizer (or vocab.json + merges.txt)
    preprocessor_config.json          the audio feature extractor settings (or
                                      processor_config.json)
  or a laion-clap .pt checkpoint (converted; one that would run code is refused)

examples:
  soundseek model download laion/larger_clap_general
  soundseek model import ~/Downloads/larger_clap_general --name general
"""


def cmd_model(args) -> int:
    app = open_app()
    follow_preparation(app, ProgressPrinter())  # import/download check the model here
    if args.action == "info":
        return _info(app)
    if not args.target:
        return fail(f"`soundseek model {args.action}` needs a model id or path", EXIT_USAGE)
    if args.action == "download":
        folder = app.models.download_model(args.target)
        print(f"downloaded {args.target} to {folder}")
    elif args.action == "import":
        folder = app.models.import_model(args.target, args.name)
        print(f"imported to {folder}; now using model {folder.name!r}")
    else:
        folder = app.models.use_model(args.target)
        print(f"now using {args.target} ({folder}); `soundseek index` re-embeds with it")
    return EXIT_OK


def _info(app) -> int:
    state = app.models.model_state(with_device=False)
    print(f"current model: {state.model} ({'installed' if state.installed else 'not on disk'}, "
          f"{state.folder})")  # fmt: skip
    print(f"models folder: {app.paths.models_dir}")
    for name in app.models.installed_models():
        print(f"  installed: {name}")
    print("known LAION-CLAP models (download once with `soundseek model download ID`):")
    for m in app.models.known_models():
        speed = f"~{m.cpu_windows_per_s:g} windows/s on one CPU thread"
        print(f"  {m.model_id:38s} {m.size_mb} MB  {speed}  {m.summary}")
    if not state.installed:
        print(state.hint)
    return EXIT_OK
