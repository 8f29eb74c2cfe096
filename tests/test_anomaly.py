"""detect_anomaly: the first op whose output or gradient holds NaN or Inf raises AnomalyError."""

import doctest
import gc
import threading
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, anomaly, nn
from tinygrad_lite.autograd import _state


def line_of(marker):
    """The line number in this file of the line that contains ``marker``."""
    with Path(__file__).open() as fh:
        for number, line in enumerate(fh, start=1):
            if marker in line and "line_of(" not in line:
                return number
    raise AssertionError(marker)


def test_anomaly_error_is_a_runtime_error_exported_at_top_level():
    assert issubclass(tl.AnomalyError, RuntimeError)
    assert tl.detect_anomaly is anomaly.detect_anomaly


def test_forward_log_of_zero_names_op_shapes_site_and_fix():
    x = Tensor([1.0, 0.0, 2.0], requires_grad=True)
    with (
        pytest.raises(tl.AnomalyError) as info,
        tl.detect_anomaly(),
        pytest.warns(RuntimeWarning, match="divide by zero encountered in log"),
    ):
        x.log()  # site: log-forward
    error = info.value
    text = str(error)
    assert text.startswith("forward of Log produced -inf in its output")
    assert "local derivative: d log(a)/da = 1/a" in text  # x has no name: a
    assert "input 0: shape (3,), float32, all finite" in text
    assert "output: shape (3,), float32, 1 of 3 not finite (-inf at index (1,))" in text
    assert f"test_anomaly.py:{line_of('site: log-forward')} in test_forward_log" in text
    assert "x.log()  # site: log-forward" in text  # the source line itself
    assert "fix: log needs x > 0" in text
    assert (error.op, error.stage) == ("Log", "forward")
    assert error.created_at.endswith(
        f"test_anomaly.py:{line_of('site: log-forward')} in "
        "test_forward_log_of_zero_names_op_shapes_site_and_fix"
    )


def test_backward_fault_reports_where_the_op_was_created_not_where_backward_ran():
    x = Tensor([4.0, 0.0], requires_grad=True)
    with tl.detect_anomaly():
        y = x.sqrt()  # site: sqrt-created
        loss = (y * 3).sum()
        with (
            pytest.raises(tl.AnomalyError) as info,
            pytest.warns(RuntimeWarning, match="divide by zero"),
        ):
            loss.backward()
    text = str(info.value)
    assert text.startswith("backward of Sqrt sent inf to input 0")
    assert f"test_anomaly.py:{line_of('site: sqrt-created')}" in text
    assert "upstream gradient: shape (2,), float32, all finite" in text
    assert (
        "gradient for input 0: shape (2,), float32, 1 of 2 not finite (inf at index (1,))" in text
    )
    assert "fix: sqrt needs x >= 0" in text
    assert info.value.stage == "backward"
    assert x.grad is None  # the failing backward accumulated nothing


def test_overflowing_exp_is_caught_in_float32():
    x = Tensor([1.0, 100.0])
    with (
        pytest.raises(
            tl.AnomalyError, match=r"forward of Exp produced inf.*\n(.*\n)*.*fix: exp overflows"
        ),
        tl.detect_anomaly(),
        pytest.warns(RuntimeWarning, match="overflow"),
    ):
        x.exp()


def test_nan_in_the_data_is_blamed_on_the_data_and_names_the_module():
    tl.manual_seed(0)
    net = nn.TwoLayerNet(2, 4, 3)
    X = Tensor([[np.nan, 1.0], [0.5, 0.5]])
    with pytest.raises(tl.AnomalyError) as info, tl.detect_anomaly():
        net(X)
    text = str(info.value)
    assert text.startswith("forward of Linear produced NaN")  # x @ W + b, one op
    assert "inside module: TwoLayerNet > fc1: Linear" in text
    assert "input 0: shape (2, 2), float32, 1 of 4 not finite (nan at index (0, 0))" in text
    assert "cause: an input already held NaN or Inf" in text
    assert "np.isfinite(X).all()" in text


def test_non_finite_upstream_gradient_is_blamed_on_the_seed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with tl.detect_anomaly():
        y = x * 2
        with pytest.raises(tl.AnomalyError, match="cause: the upstream gradient already held"):
            y.backward(gradient=np.array([np.nan, 1.0]))


def test_graph_recorded_outside_has_an_unknown_site():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with (
        tl.detect_anomaly(),
        pytest.raises(tl.AnomalyError, match=r"created at: unknown \(the op was recorded outside"),
        pytest.warns(RuntimeWarning),
    ):
        y.backward()


def test_a_finite_training_step_gives_identical_numbers_with_and_without_the_checks():
    def one_step():
        tl.manual_seed(3)
        net = nn.TwoLayerNet(2, 8, 3)
        opt = tl.optim.Adam(net.parameters(), lr=0.01)
        X, y = tl.datasets.spiral(n_per_class=10)
        loss = nn.functional.cross_entropy(net(Tensor(X)), y)
        loss.backward(create_graph=False)
        opt.step()
        return loss.item(), [p.data.copy() for p in net.parameters()]

    plain = one_step()
    with tl.detect_anomaly():
        checked = one_step()
    assert plain[0] == checked[0]
    for a, b in zip(plain[1], checked[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_second_derivatives_are_checked_too():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with tl.detect_anomaly():
        (g,) = tl.grad((x**3).sum(), [x], create_graph=True)  # 3x^2: finite everywhere
        (gg,) = tl.grad(g.sum(), [x])
        np.testing.assert_allclose(gg.data, [0.0, 6.0])
        (g,) = tl.grad((x**1.5).sum(), [x], create_graph=True)  # 1.5 sqrt(x)
        with pytest.raises(tl.AnomalyError, match="Pow"), pytest.warns(RuntimeWarning):
            tl.grad(g.sum(), [x])  # 0.75 / sqrt(x) is infinite at 0


def test_outside_the_block_nan_passes_silently():
    x = Tensor([0.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.log() * 0  # -inf * 0 = nan
    assert np.isnan(y.data).all()
    assert _state.anomaly is None


def test_the_mode_is_restored_after_an_error_and_blocks_nest():
    with tl.detect_anomaly():
        with tl.detect_anomaly():
            pass
        assert _state.anomaly is not None
        with pytest.raises(tl.AnomalyError, match="cause: an input already held"):
            Tensor([np.inf]) + 1
    assert _state.anomaly is None
    with pytest.raises(tl.AnomalyError), tl.detect_anomaly():
        Tensor([np.nan]) * 2
    assert _state.anomaly is None


def test_usable_as_a_decorator():
    @tl.detect_anomaly()
    def f(x):
        return x / Tensor([0.0])

    with pytest.raises(tl.AnomalyError, match="forward of Div"), pytest.warns(RuntimeWarning):
        f(Tensor([1.0]))
    assert _state.anomaly is None


def test_anomaly_mode_is_per_thread():
    results = {}
    inside, done = threading.Event(), threading.Event()

    def other_thread():
        inside.wait()
        with np.errstate(divide="ignore"):
            results["other"] = Tensor([0.0]).log().item()  # no AnomalyError here
        done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with tl.detect_anomaly():
        inside.set()
        assert done.wait(10)
        with pytest.raises(tl.AnomalyError), np.errstate(divide="ignore"):
            Tensor([0.0]).log()
    worker.join()
    assert results["other"] == -np.inf


def test_creation_sites_are_forgotten_with_their_graph():
    gc.collect()
    before = len(anomaly._sites)
    with tl.detect_anomaly():
        x = Tensor(np.ones(3), requires_grad=True)
        for _ in range(50):
            loss = ((x * 2).tanh() + 1).sum()
            loss.backward()
        assert len(anomaly._sites) >= before + 3
        del loss
    assert len(anomaly._sites) == before  # reference counting alone, no gc needed


def test_integer_and_boolean_results_are_not_checked():
    with tl.detect_anomaly():
        labels = Tensor([1, 2, 3]) + 1
        assert labels.dtype == np.int64


def test_module_docstring_example_runs():
    result = doctest.testmod(anomaly, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0


def test_a_custom_op_is_described_by_its_own_formula():
    @tl.custom_op(check=False)
    class Reciprocal:
        """d(1/x)/dx = -1/x^2"""

        def forward(self, x):
            return 1.0 / x

        def backward(self, grad, x, out):
            return -grad * out * out

    x = Tensor([1.0, 0.0], requires_grad=True)
    with (
        pytest.raises(tl.AnomalyError) as info,
        tl.detect_anomaly(),
        np.errstate(divide="ignore"),
    ):
        Reciprocal.apply(x)
    text = str(info.value)
    assert text.startswith("forward of Reciprocal produced inf in its output")
    assert "local derivative: d(1/a)/da = -1/a^2" in text
