"""Replay the committed PyTorch fixtures in golden/ (written by make_golden.py); no torch needed."""

import json
from pathlib import Path

import numpy as np
import pytest

import normcore as nc

GOLDEN = sorted((Path(__file__).resolve().parent / "golden").glob("*.npz"))
TOL = {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)}


def load(path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def test_golden_fixtures_are_present():
    assert len(GOLDEN) >= 30, "run tests/normcore/make_golden.py"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_normcore_reproduces_pytorch_fixture(path):
    meta, arrays = load(path)
    args = [arrays[a["array"]] if isinstance(a, dict) else a for a in meta["args"]]
    if meta["fn"] == "BatchNorm2d":
        layer = nc.BatchNorm2d(3, **meta["kwargs"])
        batches = args[0]
        for batch in batches[:3]:
            layer(batch)
        result = (layer.eval()(batches[3]), layer.running_mean, layer.running_var)
    else:
        result = getattr(nc, meta["fn"])(*args, **meta["kwargs"])
    result = result if isinstance(result, tuple) else (result,)
    assert len(result) == len(meta["outputs"])
    for name, got in zip(meta["outputs"], result, strict=True):
        want = arrays[f"out_{name}"]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        rtol, atol = TOL[want.dtype.name]
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(
            got, want, rtol=rtol, atol=atol * scale, err_msg=f"{path.stem}: {name}"
        )
