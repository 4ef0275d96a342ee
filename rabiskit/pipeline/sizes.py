"""When the fast counting path (``rabiskit.pipeline.workers``) is worth starting.

Kept apart from the fast path itself, so that deciding to read a small input carefully
imports neither numpy nor the worker pool (start-up time of every small run)."""

# 2 MB: a block's arrays stay near the core's cache (measured on the 2-core machine of the
# README: 1M records counted in 2.0 s with blocks of 2-4 MB, 2.4 s with 8 MB, 2.2 s with 1 MB)
BLOCK_SIZE = 2 << 20
# below 8 MB of input the fast path can take, the careful reader alone (starting the worker
# processes would cost more than it saves)
MIN_FAST_SIZE = 8 << 20
