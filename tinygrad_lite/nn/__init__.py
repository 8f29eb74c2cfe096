"""Neural-network building blocks: modules, layers, losses, initializers, ready-made nets."""

from tinygrad_lite.nn import functional, init
from tinygrad_lite.nn.layers import Identity, Linear, ReLU, Sigmoid, Softmax, Tanh
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
    "MLP",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Identity",
    "Linear",
    "MSELoss",
    "Module",
    "MultiMarginLoss",
    "NLLLoss",
    "ReLU",
    "SVMLoss",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "TwoLayerNet",
    "functional",
    "init",
]
