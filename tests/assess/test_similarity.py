"""Code similarity: renamed or reformatted copies score high, independent solutions low,
and the starter code every candidate was given does not count."""

from assess.review.similarity import normalized_tokens, side_by_side, similarity
from tests.assess.factories import GOOD_LAYERNORM

RENAMED = """\
import numpy as np

# my own solution, honest
def layernorm_forward(inp, shape, w, b, eps=1e-5):
    if isinstance(shape, int):
        shape = (shape,)
    dims = tuple(range(inp.ndim - len(shape), inp.ndim))
    wide = inp.astype(np.float64)
    mu = wide.mean(axis=dims, keepdims=True)
    sigma2 = wide.var(axis=dims, keepdims=True)
    result = (wide - mu) / np.sqrt(sigma2 + eps)
    if w is not None:
        result = result * w
    if b is not None:
        result = result + b
    return result.astype(inp.dtype)
"""

INDEPENDENT = """\
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    flat = x.reshape(-1, int(np.prod(shape))).astype(np.float64)
    centered = flat - flat.sum(axis=1, keepdims=True) / flat.shape[1]
    scale = 1.0 / np.sqrt((centered ** 2).sum(axis=1, keepdims=True) / flat.shape[1] + eps)
    y = (centered * scale).reshape(x.shape)
    y = y * (1 if weight is None else weight) + (0 if bias is None else bias)
    return y.astype(x.dtype)
"""

STARTER = """\
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    raise NotImplementedError
"""


def test_a_renamed_and_commented_copy_is_flagged():
    assert similarity(GOOD_LAYERNORM, RENAMED, starter=STARTER) >= 0.8


def test_an_independent_solution_is_not_flagged():
    assert similarity(GOOD_LAYERNORM, INDEPENDENT, starter=STARTER) < 0.3


def test_the_starter_code_alone_is_not_similarity():
    untouched = STARTER + "\n"
    assert similarity(untouched, STARTER, starter=STARTER) == 0.0
    assert similarity(STARTER, STARTER) == 1.0  # without discounting it, it would be


def test_names_and_comments_do_not_matter_but_attributes_do():
    assert normalized_tokens("a = np.mean(b)  # hi") == [
        "V",
        "=",
        "V",
        ".",
        "mean",
        "(",
        "V",
        ")",
        ";",
    ]


def test_a_file_that_does_not_tokenize_still_compares():
    broken = GOOD_LAYERNORM + '\n"""unterminated'
    assert similarity(broken, broken) == 1.0


def test_the_side_by_side_view_aligns_shared_lines_and_marks_the_differences():
    a = "import numpy as np\ndef f(x):\n    m = x.mean()\n    return x - m\n"
    b = "import numpy as np\ndef f(x):\n    mu = x.mean(0)\n    return x - mu\n# done\n"
    rows = side_by_side(a, b)
    assert [r.kind for r in rows] == ["same", "same", "changed", "changed", "right_only"]
    assert (rows[2].left, rows[2].right) == ("    m = x.mean()", "    mu = x.mean(0)")
    assert (rows[4].left_number, rows[4].right_number, rows[4].right) == (None, 5, "# done")
