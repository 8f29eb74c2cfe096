"""The README's interop example runs, after the examples before it, and prints what it says.

Needs PyTorch, onnx and onnxruntime; skips without them, except under ``CI=true``.
"""

import contextlib
import io

import numpy as np
import pytest
from interop_helpers import require
from test_readme import README, python_blocks

require("torch", 'the [torch] extra: pip install "tinygrad-lite[torch]"')
require("onnx", 'the [onnx] extra: pip install "tinygrad-lite[onnx]"')
ort = require("onnxruntime", "pip install onnxruntime (in the interop group: make interop)")


@pytest.mark.graphviz  # the README's first example renders its graph with dot
def test_the_readme_interop_example_runs_and_its_file_runs_in_onnxruntime(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks()
    (last,) = [k for k, block in enumerate(blocks) if "tinygrad_lite.interop" in block]
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks[: last + 1]:  # it uses the model and data trained before it
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 (our own README)
    assert printed.getvalue().splitlines()[-1] == "True"
    model, X, Tensor = namespace["model"], namespace["X"], namespace["Tensor"]
    session = ort.InferenceSession("spiral.onnx", providers=["CPUExecutionProvider"])
    (scores,) = session.run(None, {"x": X})  # all 300 points, exported from 8
    np.testing.assert_allclose(scores, model(Tensor(X)).data, rtol=1e-5, atol=1e-5)
