"""The arguments of `dupes` (parsed before anything heavy loads)."""

from __future__ import annotations

LEVELS = ("identical", "recording", "contained")  # copies.groups.LEVELS, loosest last
ACTIONS = ("hide", "trash", "move")


def add_dupes_command(sub) -> None:
    d = sub.add_parser(
        "dupes",
        help="copies of one sound: groups with the copy to keep; hide, trash or move the others",
        description="Copies of one sound, the suggested keeper first. With --apply, the "
        "others are hidden from results, sent to the system trash or moved to DIR; nothing "
        "is deleted, and `soundseek undo` puts them back.",
    )
    d.add_argument("paths", nargs="*", metavar="PATH",
                   help="only groups with a file under these (default: all)")  # fmt: skip
    d.add_argument("--level", choices=LEVELS, default="recording",
                   help="identical audio; the same recording (re-encoded, resampled, trimmed; "
                        "the default); or also a region of a longer file")  # fmt: skip
    d.add_argument("--json", action="store_true",
                   help="one JSON object per group (with --apply: per file)")  # fmt: skip
    d.add_argument("--apply", nargs="+", metavar="ACTION [DIR]",
                   help="hide | trash | move DIR: act on every copy but the keeper (PATHs "
                        "go before it)")  # fmt: skip
    d.add_argument("--dry-run", action="store_true",
                   help="with --apply: show what would be done, touch nothing")  # fmt: skip
    d.add_argument("--export", metavar="FILE", help="write the groups to FILE (.csv or .json)")
