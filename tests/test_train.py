"""train.fit and train.evaluate: history contents, diagnostics against a direct computation,
the progress bar's quietness off a terminal, and end-to-end accuracy on the spiral."""

import io
import math

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import nn, optim
from tinygrad_lite.data import DataLoader, train_val_test_split
from tinygrad_lite.train import History, count_correct, evaluate, fit, relu_inputs


def spiral_setup(hidden=16, seed=0):
    tl.manual_seed(seed)
    X, y = tl.datasets.spiral(n_per_class=40)
    model = nn.TwoLayerNet(2, hidden, 3)
    return X, y, model


def twin_of(model, hidden):
    twin = nn.TwoLayerNet(2, hidden, 3)
    twin.load_state_dict(model.state_dict())
    return twin


# ------------------------------------------------------------------ history


def test_history_has_one_entry_per_epoch():
    X, y, model = spiral_setup()
    (X_tr, y_tr), (X_va, y_va), _ = train_val_test_split(X, y, val=0.25, test=0.0, seed=0)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        DataLoader(X_tr, y_tr, batch_size=16, seed=0),
        epochs=4,
        val_loader=DataLoader(X_va, y_va, batch_size=len(X_va), shuffle=False),
        progress=False,
    )
    assert isinstance(history, History)
    assert history.epochs == 4
    for values in (history.loss, history.accuracy, history.val_loss, history.val_accuracy):
        assert len(values) == 4
        assert all(isinstance(v, float) and math.isfinite(v) for v in values)
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)
    assert history.loss[-1] < history.loss[0]
    assert history.grad_norm == {}
    assert history.update_ratio == {}
    assert history.dead_relu == []


def test_history_without_validation_has_empty_val_lists():
    X, y, model = spiral_setup()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(X, y, batch_size=len(X), shuffle=False),
        epochs=2,
        progress=False,
    )
    assert history.val_loss == []
    assert history.val_accuracy == []


def test_one_batch_epoch_records_the_loss_and_accuracy_before_the_update():
    X, y, model = spiral_setup()
    twin = twin_of(model, 16)
    scores = twin(tl.Tensor(X))
    expected_loss = nn.functional.cross_entropy(scores, y).item()
    expected_accuracy = float((scores.data.argmax(axis=1) == y).mean())
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(X, y, batch_size=len(X), shuffle=False),
        progress=False,
    )
    assert history.loss[0] == pytest.approx(expected_loss, rel=1e-6)
    assert history.accuracy[0] == pytest.approx(expected_accuracy)


def test_regression_has_no_accuracy():
    tl.manual_seed(0)
    X = np.linspace(-3, 3, 64, dtype=np.float32).reshape(-1, 1)
    y = np.sin(X)
    model = nn.TwoLayerNet(1, 16, 1)
    loader = DataLoader(X, y, batch_size=16, seed=0)
    history = fit(
        model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), loader, 3, loader, False
    )
    assert history.accuracy == [None, None, None]
    assert history.val_accuracy == [None, None, None]
    assert all(math.isfinite(v) for v in history.loss)


def test_count_correct():
    scores = tl.Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert count_correct(scores, tl.Tensor(np.array([1, 0, 0]))) == 2
    assert count_correct(scores, np.array([1, 1, 1])) == 2
    assert count_correct(scores, tl.Tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])) is None


def test_nan_loss_stops_training_with_a_warning():
    X, y, model = spiral_setup()

    def nan_loss(scores, labels):
        return (scores * 0.0).sum() + math.nan

    with pytest.warns(RuntimeWarning, match="loss became nan in epoch 1"):
        history = fit(
            model, nan_loss, optim.SGD(model.parameters()), DataLoader(X, y), 5, progress=False
        )
    assert history.epochs == 1


@pytest.mark.parametrize("epochs", [0, -1, 2.0, True])
def test_bad_epochs(epochs):
    X, y, model = spiral_setup()
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters()), DataLoader(X, y), epochs)


def test_a_loader_without_batches_is_a_clear_error():
    X, y, model = spiral_setup()
    empty = DataLoader(X[:3], y[:3], batch_size=4, drop_last=True)
    opt = optim.SGD(model.parameters())
    with pytest.raises(ValueError, match=r"fit: the training loader yielded no batches.*drop_last"):
        fit(model, nn.CrossEntropyLoss(), opt, empty, progress=False)
    with pytest.raises(ValueError, match=r"evaluate: the loader yielded no batches"):
        evaluate(model, nn.CrossEntropyLoss(), empty)


# ------------------------------------------------------------------ evaluate


def test_evaluate_matches_a_direct_computation_and_restores_the_mode():
    X, y, model = spiral_setup()
    scores = model(tl.Tensor(X))
    loss = nn.functional.cross_entropy(scores, y).item()
    accuracy = float((scores.data.argmax(axis=1) == y).mean())
    got_loss, got_accuracy = evaluate(
        model, nn.CrossEntropyLoss(), DataLoader(X, y, batch_size=7, shuffle=False)
    )
    assert got_loss == pytest.approx(loss, rel=1e-5)
    assert got_accuracy == pytest.approx(accuracy)
    assert model.training
    model.eval()
    evaluate(model, nn.CrossEntropyLoss(), DataLoader(X, y))
    assert not model.training


def test_evaluate_records_no_graph():
    X, y, model = spiral_setup()
    seen = []

    def loss_fn(scores, labels):
        seen.append(scores.grad_fn)
        return nn.functional.cross_entropy(scores, labels)

    evaluate(model, loss_fn, DataLoader(X, y, batch_size=len(X)))
    assert seen == [None]


# ------------------------------------------------------------------ diagnostics


def test_diagnostics_match_a_direct_computation():
    """One batch per epoch and plain SGD: every diagnostic can be computed by hand."""
    X, y, model = spiral_setup(hidden=8)
    model.fc1.bias.data[:3] = -100.0  # three units that can never fire on this data
    twin = twin_of(model, 8)
    lr = 0.1

    pre = X @ twin.fc1.weight.data + twin.fc1.bias.data
    dead = float((pre <= 0).all(axis=0).mean())
    nn.functional.cross_entropy(twin(tl.Tensor(X)), y).backward()
    expected = {}
    for name, p in twin.named_parameters():
        g = np.linalg.norm(p.grad.data)
        w = np.linalg.norm(p.data)
        expected[name] = (g, lr * g / w if w > 0 else math.nan)  # zero biases: undefined

    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=lr),
        DataLoader(X, y, batch_size=len(X), shuffle=False),
        progress=False,
        diagnostics=True,
    )
    assert set(history.grad_norm) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    for name, (grad_norm, ratio) in expected.items():
        assert history.grad_norm[name] == [pytest.approx(grad_norm, rel=1e-5)]
        assert history.update_ratio[name] == [pytest.approx(ratio, rel=1e-4, nan_ok=True)]
    assert math.isnan(history.update_ratio["fc2.bias"][0])
    assert dead >= 3 / 8
    assert history.dead_relu == [pytest.approx(dead)]


def test_dead_relu_counts_units_silent_on_every_batch_of_the_epoch():
    """With lr = 0 the weights stay put, so 'never fired in the epoch' is a property of the
    whole data set, although it is collected batch by batch."""
    X, y, model = spiral_setup(hidden=12)
    model.fc1.weight.data[:, :4] = np.array([[1.0], [0.0]], np.float32)  # fires iff x0 > 0
    model.fc1.bias.data[:4] = 0.0
    pre = X @ model.fc1.weight.data + model.fc1.bias.data
    dead = float((pre <= 0).all(axis=0).mean())
    order = np.argsort(X[:, 0])  # the first batches see only x0 <= 0
    assert (pre[order[:10], :4] <= 0).all()  # silent on the first batch ...
    assert (pre[:, :4] > 0).any(axis=0).all()  # ... but alive in the epoch
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.0),
        DataLoader(X[order], y[order], batch_size=10, shuffle=False),
        epochs=2,
        progress=False,
        diagnostics=True,
    )
    assert history.dead_relu == [pytest.approx(dead)] * 2
    ratios = history.update_ratio
    assert ratios["fc1.weight"] == ratios["fc2.weight"] == [0.0, 0.0]
    for bias in ("fc1.bias", "fc2.bias"):  # zero-initialized and never moved: no ratio
        assert all(math.isnan(r) for r in ratios[bias])
    grad_norms = history.grad_norm["fc2.weight"]
    assert grad_norms[0] == pytest.approx(grad_norms[1])


def test_dead_relu_is_none_without_relu():
    X, y, _ = spiral_setup()
    model = nn.TwoLayerNet(2, 8, 3, activation="tanh")
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters()),
        DataLoader(X, y),
        progress=False,
        diagnostics=True,
    )
    assert history.dead_relu == [None]


def test_relu_inputs_finds_every_relu_of_the_model_but_not_of_the_loss():
    tl.manual_seed(0)
    model = nn.MLP([2, 5, 4, 3])
    x = tl.Tensor(np.ones((6, 2), np.float32))
    scores = model(x)
    found = relu_inputs(scores)
    assert sorted(a.shape for a in found) == [(6, 4), (6, 5)]
    loss = nn.functional.svm_loss(scores, np.zeros(6, np.int64))  # built with a relu itself
    assert len(relu_inputs(loss)) == 3
    assert len(relu_inputs(scores)) == 2


# ------------------------------------------------------------------ progress bar


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def quick_fit(progress):
    X, y, model = spiral_setup()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters()),
        DataLoader(X, y),
        epochs=2,
        progress=progress,
    )


def test_progress_bar_is_quiet_when_stderr_is_not_a_terminal(capsys):
    quick_fit(progress=True)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_progress_bar_shows_on_a_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    quick_fit(progress=True)
    assert "training" in terminal.getvalue()
    assert "2/2" in terminal.getvalue()


def test_progress_false_is_quiet_even_on_a_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    quick_fit(progress=False)
    assert terminal.getvalue() == ""


# ------------------------------------------------------------------ end to end


def test_two_layer_net_reaches_95_percent_on_the_spiral():
    tl.manual_seed(0)
    X, y = tl.datasets.spiral()
    model = nn.TwoLayerNet(2, 100, 3)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        DataLoader(X, y, batch_size=32, seed=0),
        epochs=150,
        progress=False,
    )
    _, accuracy = evaluate(model, nn.CrossEntropyLoss(), DataLoader(X, y, batch_size=len(X)))
    assert accuracy >= 0.95
    assert history.loss[-1] < 0.2 * history.loss[0]


# ------------------------------------------------------------------ modes


class ModeSpy(nn.Module):
    """Records, on every forward, whether it was in training mode and recording a graph."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 3)
        self.calls = []

    def forward(self, x):
        self.calls.append((len(x), self.training, tl.is_grad_enabled()))
        return self.layer(x)


def test_fit_trains_in_train_mode_and_validates_in_eval_mode_without_a_graph():
    tl.manual_seed(0)
    X, y = tl.datasets.spiral(n_per_class=10)
    model = ModeSpy().eval()  # fit must switch it back to training mode itself
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(X, y, batch_size=10, seed=0),  # 3 training batches of 10
        epochs=2,
        val_loader=DataLoader(X[:6], y[:6], batch_size=6, shuffle=False),  # 1 batch of 6
        progress=False,
    )
    train_call, val_call = (10, True, True), (6, False, False)
    assert model.calls == [train_call] * 3 + [val_call] + [train_call] * 3 + [val_call]
    assert model.training  # evaluate puts the mode back


def test_fit_with_dropout_reaches_good_accuracy_and_leaves_the_model_in_train_mode():
    tl.manual_seed(0)
    X, y = tl.datasets.spiral(n_per_class=40)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 3))
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.02),
        DataLoader(X, y, batch_size=30, seed=0),
        epochs=60,
        val_loader=DataLoader(X, y, batch_size=len(X), shuffle=False),
        progress=False,
    )
    assert history.val_accuracy[-1] > 0.9
    assert model[2].training
