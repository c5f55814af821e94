"""`TokenmillIterableDataset`: a `torch.utils.data.IterableDataset` over `Loader` (needs torch)."""
import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

from .loader import Loader


class TokenmillIterableDataset(IterableDataset):
    """Yields whole batches `(inputs, targets, positions)` as int64 tensors of shape (batch, context):
    use it with `torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=num_workers)`.

    Work is split across DDP ranks and DataLoader workers as `Loader` ranks: global rank
    `ddp_rank * num_workers + worker_id` of `ddp_world * num_workers` (the `blocks` layout: disjoint,
    equal shares of every epoch). DDP rank and world come from `torch.distributed` when it is
    initialized, else from `ddp_rank`/`ddp_world`. `num_workers` must be the DataLoader's.

    `state_dict(batches_consumed)` / `load_state_dict(state)`: the DataLoader hands out the workers'
    batches round-robin, so the number of batches the training loop took decides every worker's
    position; a dataset loaded with that state resumes each worker's `Loader` exactly (with the
    default `on_corrupt_block="stop"`)."""

    def __init__(self, path, batch=8, context=1024, seed=0, split="train", num_workers=0, ddp_rank=None, ddp_world=None,
                 **loader_options):
        super().__init__()
        self.path = path
        self.batch, self.context, self.seed, self.split = batch, context, seed, split
        self.num_workers = num_workers
        if ddp_rank is None or ddp_world is None:
            initialized = dist.is_available() and dist.is_initialized()
            ddp_rank = dist.get_rank() if initialized else 0
            ddp_world = dist.get_world_size() if initialized else 1
        self.ddp_rank, self.ddp_world = ddp_rank, ddp_world
        self.loader_options = loader_options
        self._start_batches = 0
        self._consumed_in_process = 0

    def _workers(self):
        return max(1, self.num_workers)

    def _loader(self, worker):
        # Batch i of the DataLoader comes from worker i mod W, and a resumed DataLoader starts again
        # at worker 0: after n batches, worker w plays the part of the original worker (w + n) mod W.
        W, n = self._workers(), self._start_batches
        role = (worker + n) % W
        world = self.ddp_world * W
        rank = self.ddp_rank * W + role
        options = dict(batch=self.batch, context=self.context, seed=self.seed, split=self.split, rank=rank, world=world,
                       **self.loader_options)
        loader = Loader(self.path, **options)
        done = (n - role + W - 1) // W if n > role else 0
        if done:
            state = loader.state()
            rows = done * self.batch
            positions = [0] * len(state["positions"])
            if len(positions) == 1:
                positions[0] = rows
            else:   # a mixture: which source each row came from is a pure function of the row number
                for k in range(rows):
                    positions[loader._source_for_row(k)] += 1
            state["positions"], state["rows"] = positions, rows
            loader = Loader.resume(self.path, state, **options)
        return loader

    def __iter__(self):
        info = get_worker_info()
        worker = 0
        if info is not None:
            if info.num_workers != self._workers():
                raise RuntimeError(f"TokenmillIterableDataset was made with num_workers={self.num_workers}, but the DataLoader runs "
                                   f"{info.num_workers} workers: pass the DataLoader's num_workers to the dataset")
            worker = info.id
        elif self.num_workers > 0:
            raise RuntimeError(f"TokenmillIterableDataset was made with num_workers={self.num_workers} but is iterated in the main "
                               "process: pass num_workers=0, or iterate it through a DataLoader with that many workers")
        loader = self._loader(worker)
        for inputs, targets, positions in loader:
            if info is None:
                self._consumed_in_process += 1
            yield (torch.from_numpy(inputs).long(), torch.from_numpy(targets).long(), torch.from_numpy(positions).long())

    def state_dict(self, batches_consumed=None):
        """The position after `batches_consumed` batches taken from the DataLoader (default: the
        batches taken so far when iterated in the main process, num_workers=0)."""
        n = self._start_batches + self._consumed_in_process if batches_consumed is None else batches_consumed
        return {"batches": n, "batch": self.batch, "context": self.context, "seed": self.seed, "split": self.split,
                "num_workers": self.num_workers, "ddp_rank": self.ddp_rank, "ddp_world": self.ddp_world}

    def load_state_dict(self, state):
        for key in ("batch", "context", "seed", "split", "num_workers", "ddp_world"):
            if state[key] != getattr(self, key):
                raise ValueError(f"the saved dataset state has {key}={state[key]!r}, this dataset {getattr(self, key)!r}: "
                                 "resume with the same settings")
        self._start_batches = state["batches"]
        self._consumed_in_process = 0
