"""Learning-rate schedulers: the lr sequence, get_last_lr, saving and resuming, bad arguments."""

import pytest

import tinygrad_lite as tl
from tinygrad_lite import optim
from tinygrad_lite.optim.lr_scheduler import ExponentialLR, StepLR


def make_optimizer(lr=1.0):
    return optim.SGD([tl.Tensor([1.0], requires_grad=True)], lr=lr)


def lr_sequence(scheduler, epochs):
    lrs = [scheduler.optimizer.lr]
    for _ in range(epochs):
        scheduler.step()
        lrs.append(scheduler.optimizer.lr)
    return lrs


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    scheduler = StepLR(make_optimizer(0.5), step_size=3, gamma=0.1)
    expected = [0.5 * 0.1 ** (epoch // 3) for epoch in range(8)]
    assert lr_sequence(scheduler, 7) == pytest.approx(expected, rel=1e-12)
    assert scheduler.get_last_lr() == [pytest.approx(0.5 * 0.1**2)]


def test_exponential_lr_multiplies_by_gamma_every_epoch():
    scheduler = ExponentialLR(make_optimizer(2.0), gamma=0.5)
    assert lr_sequence(scheduler, 4) == [2.0, 1.0, 0.5, 0.25, 0.125]


def test_scheduler_is_reachable_from_optim():
    assert optim.lr_scheduler.StepLR is StepLR


def test_scheduled_lr_is_used_by_the_update():
    w = tl.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    scheduler = ExponentialLR(opt, gamma=0.5)
    scheduler.step()
    w.grad = tl.Tensor([1.0])
    opt.step()
    assert w.data[0] == 0.5


def test_scheduler_resumes_from_state_dict():
    first = StepLR(make_optimizer(1.0), step_size=2, gamma=0.5)
    lr_sequence(first, 3)
    resumed = StepLR(make_optimizer(1.0), step_size=2, gamma=0.5)
    resumed.load_state_dict(first.state_dict())
    assert lr_sequence(resumed, 4)[1:] == lr_sequence(first, 4)[1:]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: StepLR(make_optimizer(), step_size=0), ValueError, "step_size"),
        (lambda: StepLR(make_optimizer(), step_size=2.5), ValueError, "step_size"),
        (lambda: StepLR(make_optimizer(), step_size=1, gamma=-0.1), ValueError, "gamma"),
        (lambda: ExponentialLR(make_optimizer(), gamma="0.9"), TypeError, "gamma"),
        (lambda: ExponentialLR(object(), gamma=0.9), TypeError, "optimizer with an lr"),
    ],
)
def test_bad_arguments_are_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_state_dict_is_refused():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.9)
    with pytest.raises(ValueError, match="missing keys"):
        scheduler.load_state_dict({"base_lr": 1.0})
    with pytest.raises(ValueError, match="last_epoch"):
        scheduler.load_state_dict({"base_lr": 1.0, "last_epoch": -2})
    assert scheduler.state_dict() == {"base_lr": 1.0, "last_epoch": 0}
