"""frontdesk: a self-hosted customer-service assistant for online shops."""

import os

# One shopper turn multiplies tiny matrices; OpenBLAS's thread pool costs more than it
# saves there (3x slower on 2 cores, worse under load), and a server already runs
# turns in parallel. Must be set before numpy loads; an explicit setting still wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
