"""`Diagram`: the `graphviz.Digraph` that `draw_graph` returns, with safe rendering.

Every way a diagram turns into a picture (``.pipe``, ``.render``, ``.save`` and the
Jupyter display) goes through one function, `_run_dot`, which

- stops ``dot`` after ``diagram.timeout`` seconds with a `RenderTimeoutError` that says
  what to do (draw fewer nodes or allow more time), instead of hanging a notebook;
- says how to install Graphviz when ``dot`` is missing (`GraphvizNotFoundError`);
- reports a failure of ``dot`` with what ``dot`` printed.

`draw_graph` also bounds the layout itself (see `BOUNDED_LAYOUT`), so graphs that reuse
one tensor across many steps lay out in well under a second.

>>> import tinygrad_lite as tl
>>> x = tl.Tensor(2.0, requires_grad=True, name="x")
>>> diagram = tl.draw_graph(x * x)
>>> diagram.timeout
60.0
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import graphviz

__all__ = ["Diagram", "GraphvizNotFoundError", "RenderTimeoutError"]

INSTALL_HINT = (
    "The Graphviz program 'dot' is needed to render graphs. Install it with "
    "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) "
    "or 'conda install -c conda-forge graphviz', then check that 'dot -V' works. "
    "Building the graph (its .source) works without it."
)

RENDER_TIMEOUT = 60.0
"""Seconds ``dot`` may run for one picture before it is stopped."""

BOUNDED_LAYOUT = {"nslimit": "2", "nslimit1": "2"}
"""Graphviz attributes that cap the passes of ``dot``'s network-simplex layout. Without
them a tensor reused by many steps (an RNN's weight, ``t = t * 1.0`` in a loop) makes
``dot`` run for minutes; with them the same drawing takes a fraction of a second."""

PICTURE_FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".gif": "gif",
}
"""The file suffixes `Diagram.save` and `Diagram.render` render to, and their format."""


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs the Graphviz ``dot`` program, which is not installed."""

    def __init__(self, cause: Exception):
        RuntimeError.__init__(self, f"{cause}. {INSTALL_HINT}")


class RenderTimeoutError(TimeoutError):
    """``dot`` did not finish drawing within the diagram's ``timeout``."""


def _run_dot(source: str, fmt: str, engine: str, timeout: float) -> bytes:
    """The picture of the DOT `source` in format `fmt`, made by the Graphviz `engine`."""
    program = shutil.which(engine)
    if program is None:
        raise GraphvizNotFoundError(RuntimeError(f"the Graphviz program {engine!r} was not found"))
    try:
        done = subprocess.run(  # an argument list, no shell; the caller reads returncode
            [program, f"-T{fmt}"],
            input=source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeoutError(
            f"Graphviz {engine!r} did not finish drawing the graph within {timeout:g} s and was "
            "stopped; draw fewer nodes (draw_graph(root, max_nodes=100)) or allow more time "
            "(diagram.timeout = 600)"
        ) from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip() or "nothing"
        raise RuntimeError(
            f"Graphviz {engine!r} failed to draw the graph as {fmt} (exit code "
            f"{done.returncode}); it said: {said}"
        )
    return done.stdout


def _picture_format(path: Path, format: str | None, where: str) -> str | None:
    """The format to render `path` in when its suffix names a picture, else None.
    A `format` that contradicts the suffix is refused."""
    suffix_format = PICTURE_FORMATS.get(path.suffix.lower())
    if suffix_format is None or format is None:
        return suffix_format
    if format != suffix_format:
        raise ValueError(
            f"{where}: the file {str(path)!r} ends in {path.suffix} but format={format!r}; "
            f"drop format= (the suffix decides) or name the file *.{format}"
        )
    return suffix_format


class Diagram(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering is bounded in time and says how to install
    Graphviz when ``dot`` is missing. In Jupyter it shows its DOT source (with that hint)
    when ``dot`` is missing, and the timeout's message when ``dot`` is stopped.

    ``diagram.save("graph.png")`` writes exactly that picture (the suffix picks the
    format: .svg, .png, .pdf, .jpg, .gif); a ``.gv`` or ``.dot`` name writes the DOT source.
    """

    timeout: float = RENDER_TIMEOUT

    def pipe(
        self, format: str | None = None, *, engine: str | None = None, encoding: str | None = None
    ) -> bytes | str:
        """The rendered picture as bytes (or text, with `encoding`)."""
        output = _run_dot(self.source, format or self.format, engine or self.engine, self.timeout)
        return output if encoding is None else output.decode(encoding)

    def save(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        *,
        skip_existing: bool | None = False,
    ) -> str:
        """Write the picture to exactly `filename`, in the format its suffix names
        (``"graph.png"``, ``"graph.svg"``, ``"graph.pdf"``); a name with another suffix
        (``"graph.gv"``) gets the DOT source, as `graphviz.Digraph.save` writes it.
        Returns the path written.

        >>> import tinygrad_lite as tl
        >>> x = tl.Tensor(2.0, requires_grad=True, name="x")
        >>> tl.draw_graph(x * x).save("graph.png")  # doctest: +SKIP
        'graph.png'
        """
        path = Path(directory or "", filename or self.filename)
        fmt = _picture_format(path, None, "save")
        if fmt is None:
            return super().save(filename, directory=directory, skip_existing=skip_existing)
        picture = self.pipe(format=fmt)  # rendered before the file is opened: no half file
        path.parent.mkdir(parents=True, exist_ok=True)  # as graphviz.Digraph.save does
        path.write_bytes(picture)
        return str(path)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        engine: str | None = None,
        quiet: bool = False,  # noqa: ARG002 - Digraph.view passes it; dot's output is captured
        quiet_view: bool = False,
    ) -> str:
        """Render to a file and return its path.

        A `filename` with a picture suffix (``"graph.png"``) is written as that picture,
        exactly that file (as `save`). Any other name follows Graphviz's convention: the
        DOT source goes to `filename` and the picture to ``filename + "." + format``
        (``render("graph", format="svg")`` writes ``graph`` and ``graph.svg``; `cleanup`
        removes the source afterwards). `view` opens the picture (`quiet_view`: without
        the viewer's messages). What ``dot`` prints goes into the error when it fails, so
        `quiet` changes nothing.
        """
        path = Path(directory or "", filename or self.filename)
        fmt = _picture_format(path, format, "render")
        if fmt is not None:
            picture = self.pipe(format=fmt, engine=engine)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(picture)
            out = path
        else:
            fmt = format or self.format
            picture = self.pipe(format=fmt, engine=engine)
            source = Path(super().save(filename, directory=directory))
            out = source.with_name(f"{source.name}.{fmt}")
            out.write_bytes(picture)
            if cleanup:
                source.unlink()
        if view:
            graphviz.view(out, quiet=quiet_view)
        return str(out)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{self.source}\n{INSTALL_HINT}"}
        except RenderTimeoutError as error:  # a message beats a traceback under a cell
            return {"text/plain": str(error)}
