"""`soundseek tag add|remove|reject|list` and `soundseek tags suggest`: the user's own tags."""

from __future__ import annotations

import json

from soundseek.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, fail, open_app


def cmd_tag(args) -> int:
    app = open_app()
    if args.action == "list":  # `tag list PATH...`: the first path lands in `tag`
        return _list(app, [args.tag, *args.paths] if args.tag else [], args.json)
    if not args.paths:
        return fail(f"`soundseek tag {args.action} TAG PATH...` needs files", EXIT_USAGE)
    change = app.review.tag(args.tag, args.paths, on=args.action != "remove",
                     reject=args.action == "reject")  # fmt: skip
    if args.json:
        print(json.dumps({"tag": change.tag, "changed": change.changed, "files": change.files,
                          "not_indexed": change.not_indexed}))  # fmt: skip
    else:
        verb = {"add": "tagged", "remove": "untagged", "reject": "marked not"}[args.action]
        print(f"{verb} {change.changed} of {change.files} files: {change.tag!r}")
        for p in change.not_indexed:
            print(f"  not in the index (add its folder and `soundseek index`): {p}")
    return EXIT_ERROR if change.not_indexed else EXIT_OK


def _list(app, paths: list[str], as_json: bool) -> int:
    """With files: each file's tags. Without: every tag with its file count."""
    if paths:
        for path, tags in app.review.tags_of(paths).items():
            print(
                json.dumps({"path": path, "tags": tags})
                if as_json
                else f"{path}\t{', '.join(tags)}"
            )
        return EXIT_OK
    for tag, n in app.review.tag_counts().items():
        print(json.dumps({"tag": tag, "files": n}) if as_json else f"{n:8d}  {tag}")
    return EXIT_OK


def cmd_tags(args) -> int:
    """`soundseek tags suggest TAG`: the files a tag probably fits, best first."""
    for s in open_app().review.suggest_tag(args.tag, args.limit):
        if args.json:
            print(json.dumps({"path": s.path, "tag": s.tag, "confidence": round(s.confidence, 4)}))
        else:
            print(f"{s.confidence:6.3f}  {s.path}")
    return EXIT_OK


def cmd_suggest(args) -> int:
    """`soundseek suggest [PATH...]`: each file's top UCS categories with confidence;
    `--accept` takes the top one where it is confident enough."""
    app = open_app()
    if args.accept:
        n = app.review.accept_categories(args.paths or None, args.min_confidence)
        print(json.dumps({"accepted": n}) if args.json else f"accepted {n} categories")
        return EXIT_OK
    for f in app.review.category_suggestions(args.paths or None):
        if args.json:
            top = [{"catid": c.catid, "category": c.name, "confidence": round(c.confidence, 4)}
                   for c in f.suggestions]  # fmt: skip
            print(json.dumps({"path": f.path, "catid": f.catid, "suggestions": top}))
        else:
            shown = "  ".join(f"{c.catid} {c.confidence:.2f}" for c in f.suggestions) or "-"
            print(f"{f.path}\t{shown}")
    return EXIT_OK
