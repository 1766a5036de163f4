"""Grades the test suite's answer files and prints {file: verdict} as JSON: run in the
worker container it goes through the grading service as deployed, run on the host through
the test suite's sandbox; the deploy test compares the two.

python -m tests.deploy.verdicts
"""

import json
import sys
from pathlib import Path

SUBMISSIONS = Path(__file__).resolve().parents[1] / "grader" / "submissions"
# A job that reaches for the network, the host's files or more memory than it may have.
HOSTILE = {
    "network": "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)\n",
    "host-files": "open('/app/assess/settings.py').read()\n",
    "memory": "import numpy as np\nx = np.ones(2**31 // 8 * 3)\n",
}


def main() -> int:
    from grader.engine.grading import grade_submission
    from grader.engine.problems import list_problems

    # A file answers the problem its name starts with (the longest such slug):
    # correct/bn_forward_plain.py bn-forward, correct/groupnorm_forward_dataclass.py
    # groupnorm-forward, correct/bn_fold.py bn-fold, ...
    slugs = sorted((p.slug for p in list_problems()), key=len, reverse=True)

    def answered(path: Path) -> str:
        name = path.stem.replace("_", "-")
        return next(slug for slug in slugs if name == slug or name.startswith(slug + "-"))

    files = {
        f"correct/{p.name}": answered(p) for p in sorted((SUBMISSIONS / "correct").glob("*.py"))
    }
    files |= {
        str(p.relative_to(SUBMISSIONS)): "bn-forward"
        for p in sorted((SUBMISSIONS / "wrong" / "bn_forward").glob("*.py"))
    }
    verdicts = {}
    for name, slug in files.items():
        verdicts[name] = grade_submission(slug, (SUBMISSIONS / name).read_text()).verdict
    for name, source in HOSTILE.items():
        verdicts[f"hostile/{name}"] = grade_submission("layernorm-forward", source).verdict
    json.dump(verdicts, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assess.settings")
    import django

    django.setup()
    sys.exit(main())
