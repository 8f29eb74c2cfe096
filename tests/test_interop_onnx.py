"""export_onnx, checked by running the written file in onnxruntime.

Each model is exported from one example batch and run by onnxruntime on that batch and on
batches of other sizes; its outputs must match the engine's forward in float32 to within
float32 rounding. Needs the ``onnx`` package (the ``[onnx]`` extra) and onnxruntime; skips
without them, except under ``CI=true``.
"""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from interop_helpers import require

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn, ops
from tinygrad_lite.interop import export_onnx
from tinygrad_lite.tensor import apply
from tinygrad_lite.trace import Labels, topological_order

onnx = require("onnx", 'the [onnx] extra: pip install "tinygrad-lite[onnx]"')
ort = require("onnxruntime", "pip install onnxruntime (in the interop group: make interop)")

ACTIVATIONS = ["relu", "sigmoid", "tanh", "identity"]


def assert_float32_close(actual, expected):
    """Equal up to float32 rounding, a few units in the last place of the largest value (an
    entry near 0 can come from cancelling large ones, which round differently in two
    libraries)."""
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6 * scale)


def batch(n: int, features: int, seed: int = 0, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, features)).astype(dtype)


def run(path, **inputs) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def engine(fn, *arrays) -> np.ndarray:
    with tl.no_grad():
        return fn(*[Tensor(a) for a in arrays]).data


def every_activation() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(3, 8),
        nn.ReLU(),
        nn.Linear(8, 8),
        nn.Sigmoid(),
        nn.Linear(8, 8, bias=False),
        nn.Tanh(),
        nn.Linear(8, 6),
        nn.Identity(),
        nn.Linear(6, 4),
        nn.Softmax(axis=-1),
    )


# ---------------------------------------------------------------- models against onnxruntime


@pytest.mark.parametrize("other_batch", [1, 13])
def test_a_two_layer_net_runs_in_onnxruntime_with_the_engines_numbers(tmp_path, other_batch):
    tl.manual_seed(0)
    net = nn.TwoLayerNet(2, 100, 3)
    x = batch(8, 2)
    path = tmp_path / "net.onnx"
    model = export_onnx(net, x, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert [i.name for i in model.graph.input] == ["x"]
    assert [o.name for o in model.graph.output] == ["y"]
    assert model.graph.name == "TwoLayerNet"
    for xb in (x, batch(other_batch, 2, seed=1)):
        (out,) = run(path, x=xb)
        assert out.dtype == np.float32
        assert out.shape == (len(xb), 3)
        assert_float32_close(out, engine(net, xb))


def test_a_sequential_with_every_activation_runs_in_onnxruntime(tmp_path):
    tl.manual_seed(1)
    model = every_activation()
    path = tmp_path / "every.onnx"
    export_onnx(model, batch(5, 3), path)
    ops = [node.op_type for node in onnx.load(path).graph.node]
    layers = ["Gemm", "Relu", "Gemm", "Sigmoid", "MatMul", "Tanh", "Gemm", "Identity"]
    assert ops == [*layers, "Gemm", "Softmax"]  # MatMul: the Linear without a bias
    for n in (5, 2, 17):
        xb = batch(n, 3, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(model, xb))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_an_mlp_runs_in_onnxruntime(tmp_path, activation):
    tl.manual_seed(2)
    mlp = nn.MLP([4, 16, 16, 16, 3], activation=activation)
    path = tmp_path / "mlp.onnx"
    export_onnx(mlp, batch(6, 4), path)
    for n in (6, 11):
        xb = batch(n, 4, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(mlp, xb))


class Scorer:
    """A function with broadcasting and reductions over both axes, of two inputs, using every
    op the exporter maps outside the layers."""

    def __init__(self) -> None:
        rng = np.random.default_rng(3)
        self.w = Tensor(rng.standard_normal((1, 4)).astype(np.float32), name="w")
        self.b = Tensor(rng.standard_normal(4).astype(np.float32), name="b")
        self.v = Tensor(rng.standard_normal(4).astype(np.float32), name="v")
        self.m = Tensor(rng.standard_normal((4, 4)).astype(np.float32), name="m")

    def __call__(self, x: Tensor, y: Tensor) -> Tensor:
        h = (x * self.w + self.b).tanh()  # (N, 4) * (1, 4) + (4,)
        h = h - h.mean(axis=0)  # a reduction over the batch axis, broadcast back
        h = h / (h.abs().sum(axis=1, keepdims=True) + 1)  # over the features, kept
        s = (h @ self.m).sigmoid() ** 2 - (-h).exp().log().clip(-0.5, None) * y  # y: (N, 1)
        s = s + (x * x + 1).sqrt().max(axis=1, keepdims=True) - x.min()  # min over everything
        t = s.transpose(1, 0).reshape(4, -1).transpose(1, 0)  # (N, 4) -> (4, N) -> (N, 4)
        scores = t @ self.v + h.relu().reshape(-1, 2, 2).sum(axis=(1, 2))  # (N,) + (N,)
        return (scores.reshape(-1, 1) / 2).log_softmax(axis=0).identity().softmax(axis=0)


@settings(max_examples=15, deadline=None)
@given(example=st.integers(2, 9), other=st.integers(1, 12), seed=st.integers(0, 1000))
def test_a_function_with_broadcasting_and_reductions_runs_in_onnxruntime(
    tmp_path_factory, example, other, seed
):
    fn = Scorer()
    path = tmp_path_factory.mktemp("fn") / "fn.onnx"
    export_onnx(fn, (batch(example, 4, seed), batch(example, 1, seed + 1)), path)
    for n in (example, other):
        xb, yb = batch(n, 4, seed + 2), batch(n, 1, seed + 3)
        (out,) = run(path, x1=xb, x2=yb)
        assert out.shape == (n, 1)
        assert_float32_close(out, engine(fn, xb, yb))


class Curvy:
    """A function of the ops the engine gained with the newer layers: the smooth activations,
    elementwise maximum and minimum, variance over the batch and over the features, joins,
    flips and padding."""

    def __init__(self) -> None:
        rng = np.random.default_rng(4)
        self.w = Tensor(rng.standard_normal((3, 3)).astype(np.float32), name="w")

    def __call__(self, x: Tensor) -> Tensor:
        h = x @ self.w  # (N, 3)
        a = h.sin() * h.cos() + h.sign() * (h.abs() * 0.1).log1p() - (h * 0.1).expm1()
        b = tl.maximum(h.leaky_relu(0.1), h.elu(0.5)) + tl.minimum(h.softplus(), h.silu())
        c = h.gelu() * h.var(axis=0) - h.std(axis=1, keepdims=True) + h.var(correction=0)
        d = tl.cat([a, b.flip(1)], axis=1)  # (N, 6)
        e = tl.stack([c, c.cumsum(axis=1)], axis=2).sum(axis=2)  # (N, 3)
        f = e.pad(((0, 0), (1, 2)), value=0.5)  # (N, 6)
        g = (d * f).logsumexp(axis=1, keepdims=True)  # (N, 1)
        return g + (h * 0.1 + 1).prod(axis=1, keepdims=True)


def recorded_ops(fn, *arrays) -> set[str]:
    with tl.enable_grad():
        out = fn(*[Tensor(a, requires_grad=True) for a in arrays])
    return {t.grad_fn.name for t in topological_order(out) if t.grad_fn}


def test_the_functions_and_layers_here_use_every_mapped_op():
    from tinygrad_lite.interop.onnx_ops import OPS  # noqa: PLC0415

    used = recorded_ops(Scorer(), batch(3, 4), batch(3, 1)) | recorded_ops(Curvy(), batch(3, 3))
    # the layer tests, test_broadcast_to_follows_the_batch and test_casts_..._are_exported
    used |= {"Linear", "BroadcastTo", "Cast"}
    assert used == set(OPS)


@pytest.mark.parametrize("opset", [18, 20])  # GELU: the formula, then one Gelu node
@pytest.mark.parametrize("other_batch", [2, 9])
def test_the_newer_ops_run_in_onnxruntime(tmp_path, opset, other_batch):
    fn = Curvy()
    path = tmp_path / "curvy.onnx"
    model = export_onnx(fn, batch(5, 3), path, opset=opset)
    assert ("Gelu" in {node.op_type for node in model.graph.node}) == (opset >= 20)
    for n in (5, other_batch):
        xb = batch(n, 3, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(fn, xb))


@pytest.mark.parametrize("opset", [18, 20])
def test_a_sequential_of_the_newer_layers_runs_in_onnxruntime(tmp_path, opset):
    tl.manual_seed(6)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 8),
        nn.BatchNorm1d(8),
        nn.LeakyReLU(0.2),
        nn.Dropout(0.25),
        nn.Linear(8, 8),
        nn.ELU(alpha=0.7),
        nn.Softplus(),
        nn.SiLU(),
        nn.GELU(),
        nn.Linear(8, 2),
    )
    rng = np.random.default_rng(0)
    model(Tensor(rng.standard_normal((16, 2, 3)).astype(np.float32)))  # statistics move
    model.eval()
    path = tmp_path / "newer.onnx"
    export_onnx(model, rng.standard_normal((4, 2, 3)).astype(np.float32), path, opset=opset)
    for n in (4, 11):
        xb = rng.standard_normal((n, 2, 3)).astype(np.float32)
        assert_float32_close(run(path, x=xb)[0], engine(model, xb))


def test_large_inputs_give_the_engines_stable_values(tmp_path):
    x = np.array([[-100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]], np.float32)
    functions = {
        "softplus": lambda t: t.softplus(),
        "logsumexp": lambda t: t.logsumexp(axis=1),
        "log_softmax": lambda t: t.log_softmax(axis=1),
        "softmax": lambda t: t.softmax(axis=1),
        "gelu": lambda t: t.gelu(),
        "sigmoid": lambda t: t.sigmoid(),
    }
    for name, fn in functions.items():
        path = tmp_path / f"{name}.onnx"
        export_onnx(fn, x, path)
        (out,) = run(path, x=x)
        assert np.all(np.isfinite(out)), name
        assert_float32_close(out, engine(fn, x))


def test_a_model_is_exported_in_evaluation_mode_and_keeps_its_modes(tmp_path):
    tl.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5))
    model(Tensor(batch(16, 3)))  # a training step: running statistics move off 0 and 1
    model[1].eval()
    path = tmp_path / "bn.onnx"
    model_proto = export_onnx(model, batch(4, 3), path)
    assert [m.training for m in model] == [True, False, True, True]
    # x - running_mean is recorded; sqrt(running_var + eps) involves no input, so it is
    # computed when recorded and stored as one constant
    assert "1.running_mean" in {i.name for i in model_proto.graph.initializer}
    model.eval()
    for n in (4, 7):
        xb = batch(n, 3, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(model, xb))


@pytest.mark.parametrize("left_1d", [False, True])
def test_a_matmul_with_a_1d_operand_gives_the_engines_numbers(tmp_path, left_1d):
    """ops.MatMul computes NumPy's @, 1-D operands included. Written as a 1-D MatMul after a
    Transpose, Reshape, Transpose chain, onnxruntime's full optimizations got it wrong; the
    exporter writes it 2-D."""
    v = Tensor(np.random.default_rng(7).standard_normal(4).astype(np.float32), name="v")

    def fn(x):
        t = x.transpose(1, 0).reshape(4, -1).transpose(1, 0)  # (N, 4)
        if left_1d:
            return apply(ops.MatMul(), v, t.transpose(1, 0))  # (4,) @ (4, N) -> (N,)
        return apply(ops.MatMul(), t, v)  # (N, 4) @ (4,) -> (N,)

    path = tmp_path / "mv.onnx"
    export_onnx(fn, batch(2, 4), path)
    for n in (2, 5):
        xb = batch(n, 4, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(fn, xb))


def test_casts_between_floats_and_from_an_integer_mask_are_exported(tmp_path):
    mask = Tensor(np.array([1, 0, 1]))  # int64: converted where it meets the float input

    def fn(x):
        return (x * mask).double().sum(axis=1) + x.double().mean(axis=1)

    assert "Cast" in recorded_ops(fn, batch(2, 3))
    path = tmp_path / "cast.onnx"
    export_onnx(fn, batch(2, 3), path)
    for n in (2, 6):
        xb = batch(n, 3, seed=n)
        (out,) = run(path, x=xb)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, engine(fn, xb), rtol=1e-6)


def test_broadcast_to_follows_the_batch(tmp_path):
    def fn(x):
        return x.sum(axis=1, keepdims=True).broadcast_to((len(x), 3)) * x

    path = tmp_path / "b.onnx"
    export_onnx(fn, batch(4, 3), path)
    for n in (4, 7):
        xb = batch(n, 3, seed=n)
        assert_float32_close(run(path, x=xb)[0], engine(fn, xb))


# ---------------------------------------------------------------- names, dtypes, options


def test_the_tensors_have_the_names_the_graph_drawing_shows(tmp_path):
    net = nn.TwoLayerNet(2, 4, 3)
    x = Tensor(batch(3, 2), requires_grad=True, name="x")
    y = net(x)
    drawn = Labels(topological_order(y))  # how tl.draw_graph(y) labels each tensor
    model = export_onnx(net, x, tmp_path / "net.onnx")
    assert [i.name for i in model.graph.input] == ["x"]  # the example Tensor's own name
    assert [i.name for i in model.graph.initializer] == [n for n, _ in net.named_parameters()]
    hidden = y.grad_fn.inputs[0]  # the ReLU's output, and fc1's before it
    assert [node.output[0] for node in model.graph.node] == [
        drawn(hidden.grad_fn.inputs[0]),
        drawn(hidden),
        "y",
    ]
    assert drawn(hidden) == "t2"


def test_inputs_and_outputs_can_be_named(tmp_path):
    def two_outputs(a, b):
        return (a * b).sum(axis=1), (a - b).relu()

    path = tmp_path / "two.onnx"
    model = export_onnx(
        two_outputs,
        (batch(3, 2), batch(3, 2, 1)),
        path,
        input_names=["a", "b"],
        output_names=["dot", "gap"],
    )
    assert [o.name for o in model.graph.output] == ["dot", "gap"]
    a, b = batch(6, 2, 5), batch(6, 2, 6)
    dot, gap = run(path, a=a, b=b)
    assert_float32_close(dot, (a * b).sum(axis=1))
    assert_float32_close(gap, np.maximum(a - b, 0))


def test_float32_stays_float32_and_float64_stays_float64(tmp_path):
    tl.set_default_dtype(np.float64)
    net64 = nn.TwoLayerNet(2, 5, 3)
    tl.set_default_dtype(np.float32)
    net32 = nn.TwoLayerNet(2, 5, 3)
    for net, dtype in ((net32, np.float32), (net64, np.float64)):
        x = batch(4, 2, dtype=dtype)
        model = export_onnx(net, x, tmp_path / "n.onnx")
        assert {i.data_type for i in model.graph.initializer} == {
            onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        }
        (out,) = run(tmp_path / "n.onnx", x=x)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, engine(net, x), rtol=1e-12 if dtype == np.float64 else 1e-5)


def test_a_float64_constant_next_to_float32_data_is_cast_as_numpy_promotes(tmp_path):
    scale = Tensor(np.array([0.5, 2.0, 3.0]), name="scale")  # float64

    def fn(x):
        return (x * scale).sum(axis=0)

    path = tmp_path / "c.onnx"
    export_onnx(fn, batch(2, 3), path)
    xb = batch(5, 3, 1)
    (out,) = run(path, x=xb)
    expected = engine(fn, xb)
    assert out.dtype == expected.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_without_a_dynamic_batch_the_input_shape_is_fixed(tmp_path):
    path = tmp_path / "fixed.onnx"
    model = export_onnx(nn.TwoLayerNet(2, 4, 3), batch(8, 2), path, dynamic_batch=False)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [8, 2]
    with pytest.raises(Exception, match="dimension"):
        run(path, x=batch(3, 2))


def test_an_opset_can_be_chosen(tmp_path):
    model = export_onnx(nn.TwoLayerNet(2, 4, 3), batch(3, 2), tmp_path / "a.onnx", opset=20)
    assert model.opset_import[0].version == 20
    with pytest.raises(ValueError, match="opset must be an int from 18"):
        export_onnx(nn.TwoLayerNet(2, 4, 3), batch(3, 2), tmp_path / "b.onnx", opset=11)


# ---------------------------------------------------------------- errors


def test_an_op_without_an_onnx_mapping_is_named_and_nothing_is_written(tmp_path):
    def picks(x):
        return x[:, 0] * 2

    with pytest.raises(ValueError, match=r"no ONNX mapping for GetItem: its index is fixed"):
        export_onnx(picks, batch(3, 2), tmp_path / "p.onnx")
    with pytest.raises(ValueError, match=r"Where: its condition is an array fixed when"):
        export_onnx(lambda x: tl.where(x > 0, x, x * 2), batch(3, 2), tmp_path / "w.onnx")

    class Picker(nn.Module):
        def forward(self, x):
            return x[:, :1]

    model = nn.Sequential(nn.Linear(2, 3), Picker())
    with pytest.raises(ValueError, match=r"for GetItem \(in Sequential > 1: Picker\): its"):
        export_onnx(model, batch(3, 2), tmp_path / "p.onnx")

    net = nn.TwoLayerNet(2, 4, 3)
    labels = np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"CrossEntropy.*a loss, for one, belongs to training"):
        export_onnx(lambda x: nn.functional.cross_entropy(net(x), labels), batch(3, 2), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_get_clear_errors(tmp_path):
    net = nn.TwoLayerNet(2, 4, 3)
    x = batch(3, 2)
    with pytest.raises(ValueError, match=r"input 1 \(x2\) does not reach any output"):
        export_onnx(lambda a, b: net(a), (x, x), tmp_path / "a.onnx")
    with pytest.raises(ValueError, match="output 0 records no op"):
        export_onnx(lambda a: a, x, tmp_path / "a.onnx")
    with pytest.raises(TypeError, match="returned a float as output 0"):
        export_onnx(lambda a: 1.0, x, tmp_path / "a.onnx")
    with pytest.raises(ValueError, match="input_names must be 1 non-empty string"):
        export_onnx(net, x, tmp_path / "a.onnx", input_names=["a", "b"])
    with pytest.raises(ValueError, match="the output name 'x' is also an input's name"):
        export_onnx(net, x, tmp_path / "a.onnx", output_names=["x"])
    a, b = Tensor(x, name="a"), Tensor(x, name="a")
    with pytest.raises(ValueError, match=r"the input names must all differ, got \['a', 'a'\]"):
        export_onnx(lambda p, q: p * q, (a, b), tmp_path / "a.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        export_onnx(net, x, tmp_path / "missing" / "a.onnx")
    assert list(tmp_path.iterdir()) == []
