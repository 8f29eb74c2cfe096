"""Long runs: 10,000 training steps leave no graphs, arrays or objects behind.

Graphs must be freed by reference counting alone (no reference cycles), so the loop runs
with the garbage collector switched off: anything kept by a cycle would pile up and show in
the object count, in the memory traced by ``tracemalloc``, and in ``gc.collect()`` at the end.
"""

import gc
import tracemalloc
import weakref

import pytest

import tinygrad_lite as tl
from tinygrad_lite import nn, optim
from tinygrad_lite.data import DataLoader

STEPS = 10_000
WARMUP = 1_000  # optimizer state, caches and free lists settle during the first steps


@pytest.mark.slow
def test_ten_thousand_training_steps_leak_nothing():
    tl.manual_seed(0)
    model = nn.TwoLayerNet(2, 16, 3)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    X, y = tl.datasets.spiral(n_per_class=32)
    loader = DataLoader(X, y, batch_size=32)
    previous_loss = previous_scores = None
    objects_after_warmup = traced_after_warmup = 0

    gc.collect()
    tracemalloc.start()
    gc.disable()
    try:
        step = 0
        while step < STEPS:
            for xb, yb in loader:
                optimizer.zero_grad()
                scores = model(xb)
                loss = nn.functional.cross_entropy(scores, yb)
                loss.backward()
                optimizer.step()
                step += 1
                if previous_loss is not None:  # the last step's graph died with its names
                    assert previous_loss() is None
                    assert previous_scores() is None
                previous_loss, previous_scores = weakref.ref(loss), weakref.ref(scores)
                if step == WARMUP:
                    objects_after_warmup = len(gc.get_objects())
                    traced_after_warmup = tracemalloc.get_traced_memory()[0]
                if step == STEPS:
                    break
        objects_at_end = len(gc.get_objects())
        traced_at_end = tracemalloc.get_traced_memory()[0]
    finally:
        gc.enable()
        tracemalloc.stop()

    assert objects_at_end - objects_after_warmup <= 5, "objects pile up between steps"
    assert traced_at_end - traced_after_warmup < 16 * 1024, "memory grows between steps"
    del loss, scores
    assert gc.collect() == 0, "training created reference cycles"
