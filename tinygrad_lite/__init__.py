"""tinygrad_lite: a small reverse-mode autograd engine on NumPy, for teaching."""

__version__ = "0.1.0"
