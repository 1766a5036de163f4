"""``python -m normcore bench [--threads N] [--repeat R] [--shape 32,64,56,56 ...]``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in {"bench"}:
        print(
            "usage: python -m normcore bench [--threads N] [--repeat R] [--shape DIMS ...]",
            file=sys.stderr,
        )
        return 2
    from .bench import main as bench_main

    return bench_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
