"""Neural-network building blocks: modules, layers, losses, initializers, ready-made nets."""

from tinygrad_lite.nn import functional, init
from tinygrad_lite.nn.layers import (
    ELU,
    GELU,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from tinygrad_lite.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SVMLoss,
)
from tinygrad_lite.nn.models import MLP, TwoLayerNet
from tinygrad_lite.nn.module import Module, Sequential
from tinygrad_lite.nn.regularization import BatchNorm1d, Dropout

__all__ = [
    "ELU",
    "GELU",
    "MLP",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "MultiMarginLoss",
    "NLLLoss",
    "ReLU",
    "SVMLoss",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "TwoLayerNet",
    "functional",
    "init",
]
