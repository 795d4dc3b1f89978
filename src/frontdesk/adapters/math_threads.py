"""How many threads numpy's BLAS may use in a process that answers messages.

Ranking multiplies small matrices (a message's tokens against a few dozen entries).
With OpenBLAS's default of one thread per core, each of those products wants every
core, and when another process keeps the cores busy (a training run on the same small
machine) the threads wait on each other: on 2 cores beside `frontdesk train`, one
coverage product took 9 ms with the default and 1.2 ms with one thread. Parallelism
in serving comes from concurrent turns and worker processes, as with the ONNX model's
own threads.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def limit_math_threads(threads: int) -> None:
    """Cap the BLAS threads of this process for as long as it lives."""
    threadpool_limits(limits=threads, user_api="blas")
