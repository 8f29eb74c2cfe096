"""pytest settings for executing the notebooks (nbmake starts one Jupyter kernel per notebook).

The kernels get one BLAS thread each. The lessons multiply small matrices (a batch of 128 by
100 units), where more threads gain nothing, and on a busy machine OpenBLAS's waiting threads
slowed lesson 5's training about 80 times (164 s instead of 2 s on two shared cores). A value
already set in the environment is kept.
"""

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

# The notebooks' outputs are committed in English (notebooks/ko/conftest.py turns the Korean
# lessons' exercises to Korean for their own kernels): a TINYGRAD_LITE_LANG=ko set in your shell
# must not change the English lessons' outputs.
os.environ.pop("TINYGRAD_LITE_LANG", None)
