"""Classification over CLAP vectors: the user's tags learned from a few examples."""
