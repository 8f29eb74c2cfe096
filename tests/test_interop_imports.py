"""Without PyTorch or onnx, the interop functions say which extra to install.

These tests run everywhere: they hide the package (``sys.modules[name] = None`` makes its
import fail) whether or not it is installed.
"""

import sys

import numpy as np
import pytest

from tinygrad_lite import interop, nn


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)


@pytest.fixture
def no_onnx(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)


@pytest.mark.usefixtures("no_torch")
@pytest.mark.parametrize(
    "call",
    [
        interop.to_torch,
        lambda net: interop.from_torch(object()),
        lambda net: interop.compare(net, object(), np.zeros((1, 2), np.float32)),
    ],
    ids=["to_torch", "from_torch", "compare"],
)
def test_the_torch_functions_name_the_extra_when_torch_is_missing(call):
    with pytest.raises(ImportError, match=r'needs PyTorch.*pip install "tinygrad-lite\[torch\]"'):
        call(nn.TwoLayerNet(2, 3, 2))


@pytest.mark.usefixtures("no_torch")
def test_torch_state_dict_needs_no_torch():
    net = nn.TwoLayerNet(2, 3, 2)
    state = interop.torch_state_dict(net)
    assert state["fc1.weight"].shape == (3, 2)
    interop.load_torch_state_dict(net, state)


@pytest.mark.usefixtures("no_onnx")
def test_export_onnx_names_the_extra_when_onnx_is_missing(tmp_path):
    with pytest.raises(ImportError, match=r'needs the onnx package.*"tinygrad-lite\[onnx\]"'):
        interop.export_onnx(nn.TwoLayerNet(2, 3, 2), np.zeros((4, 2), np.float32), tmp_path / "a")
    assert list(tmp_path.iterdir()) == []


def test_importing_interop_imports_neither_torch_nor_onnx():
    import subprocess  # noqa: PLC0415

    code = "import sys, tinygrad_lite.interop; print('torch' in sys.modules, 'onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
