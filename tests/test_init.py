"""Initializers: sample variances against their formulas, in-place fills, dtype, the library
generator, and the short names Linear accepts."""

import math

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn
from tinygrad_lite.nn import init

N_IN, N_OUT = 400, 600  # 240,000 samples per weight

# Each: initializer, its variance for an (N_IN, N_OUT) weight, whether it is uniform.
SCHEMES = [
    (init.lecun_normal_, 1 / N_IN, False),
    (init.lecun_uniform_, 1 / N_IN, True),
    (init.xavier_normal_, 2 / (N_IN + N_OUT), False),
    (init.xavier_uniform_, 2 / (N_IN + N_OUT), True),
    (init.he_normal_, 2 / N_IN, False),
    (init.he_uniform_, 2 / N_IN, True),
]


@pytest.mark.parametrize(("initializer", "variance", "uniform"), SCHEMES)
def test_sample_variance_matches_the_formula(initializer, variance, uniform):
    # The sample variance of n = 240,000 draws has relative standard error sqrt(2/n) ~ 0.3%
    # for a normal (less for a uniform), so a 2% tolerance is ~7 standard errors: it never
    # fails by chance, yet catches any wrong formula (the nearest, 1/n_in vs 2/(n_in+n_out),
    # differ by 20% here). The mean is 0 within 6 standard errors sqrt(variance / n).
    tl.manual_seed(0)
    w = initializer(Tensor.zeros(N_IN, N_OUT))
    assert w.data.var() == pytest.approx(variance, rel=0.02)
    assert abs(w.data.mean()) < 6 * math.sqrt(variance / w.data.size)
    if uniform:
        bound = math.sqrt(3 * variance)
        assert np.abs(w.data).max() <= bound
        assert np.abs(w.data).max() > 0.999 * bound


@pytest.mark.parametrize(("initializer", "variance", "uniform"), SCHEMES)
def test_initializers_fill_in_place_and_keep_the_dtype(initializer, variance, uniform):
    for dtype in (np.float32, np.float64):
        w = Tensor.zeros(3, 4, dtype=dtype)
        array = w.data
        assert initializer(w) is w
        assert w.data is array
        assert w.dtype == dtype
        assert np.all(w.data != 0)


@pytest.mark.parametrize(("initializer", "variance", "uniform"), SCHEMES)
def test_initializers_draw_from_the_library_generator(initializer, variance, uniform):
    tl.manual_seed(7)
    first = initializer(Tensor.zeros(5, 5)).data.copy()
    tl.manual_seed(7)
    np.testing.assert_array_equal(initializer(Tensor.zeros(5, 5)).data, first)
    assert not np.array_equal(initializer(Tensor.zeros(5, 5)).data, first)


@pytest.mark.parametrize(("initializer", "variance", "uniform"), SCHEMES)
def test_fan_based_initializers_need_a_matrix(initializer, variance, uniform):
    with pytest.raises(ValueError, match=r"needs a 2-D \(n_in, n_out\) weight, got shape \(3,\)"):
        initializer(Tensor.zeros(3))
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        initializer(np.zeros((2, 2)))


def test_glorot_names_are_the_xavier_functions():
    assert init.glorot_normal_ is init.xavier_normal_
    assert init.glorot_uniform_ is init.xavier_uniform_


def test_normal_and_zeros():
    tl.manual_seed(0)
    w = init.normal_(Tensor.zeros(500, 500), mean=2.0, std=0.5)
    assert w.data.mean() == pytest.approx(2.0, abs=0.01)
    assert w.data.std() == pytest.approx(0.5, rel=0.02)
    bias = init.normal_(Tensor.zeros(7))  # any shape
    assert bias.data.std() > 0
    assert np.all(init.zeros_(w).data == 0)
    with pytest.raises(ValueError, match="std must be >= 0"):
        init.normal_(w, std=-1.0)


@pytest.mark.parametrize(
    ("name", "variance"),
    [("lecun", 1 / N_IN), ("xavier", 2 / (N_IN + N_OUT)), ("he", 2 / N_IN), ("zeros", 0.0)],
)
def test_linear_short_names(name, variance):
    tl.manual_seed(0)
    layer = nn.Linear(N_IN, N_OUT, init=name)
    assert layer.weight.data.var() == pytest.approx(variance, rel=0.02, abs=1e-12)


def test_linear_defaults_to_he():
    tl.manual_seed(0)
    assert nn.Linear(N_IN, N_OUT).weight.data.var() == pytest.approx(2 / N_IN, rel=0.02)


def test_kaiming_names_are_the_he_functions():
    assert init.kaiming_normal_ is init.he_normal_
    assert init.kaiming_uniform_ is init.he_uniform_


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 3, 4), (6, 2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape, dtype):
    tl.manual_seed(0)
    t = Tensor(np.zeros(shape, dtype))
    data_id = id(t.data)
    assert init.orthogonal_(t, gain=2.0) is t
    assert id(t.data) == data_id
    assert t.dtype == dtype
    m = t.data.reshape(shape[0], -1).astype(np.float64) / 2.0
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-6)


def test_orthogonal_is_reproducible_and_spread_over_both_signs():
    tl.manual_seed(5)
    a = init.orthogonal_(Tensor.zeros(3, 3)).data.copy()
    tl.manual_seed(5)
    np.testing.assert_array_equal(init.orthogonal_(Tensor.zeros(3, 3)).data, a)
    # Q of a plain QR has a fixed sign pattern (its [0, 0] entry is always negative with
    # LAPACK); fixing the signs by R's diagonal makes every entry positive half the time.
    corners = [init.orthogonal_(Tensor.zeros(3, 3)).data[0, 0] for _ in range(400)]
    assert 0.4 < np.mean(np.array(corners) > 0) < 0.6


def test_orthogonal_errors():
    with pytest.raises(ValueError, match=r"orthogonal_: needs a tensor with at least 2 axes, got "
                                         r"shape \(3,\); for a bias use zeros_"):  # fmt: skip
        init.orthogonal_(Tensor.zeros(3))
    with pytest.raises(TypeError, match="orthogonal_: expected a Tensor, got ndarray"):
        init.orthogonal_(np.zeros((2, 2)))
