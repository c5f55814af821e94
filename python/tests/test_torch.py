"""TokenmillIterableDataset splits the Loader's work across DataLoader workers and resumes."""
import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="torch is not installed: TokenmillIterableDataset is not tested (pip install torch to run these)")


def take(loader, n):
    it = iter(loader)
    return [next(it) for _ in range(n)]


def test_one_process_yields_the_loader_batches(main_set):
    from tokenmill_shards import Loader, TokenmillIterableDataset
    ds = TokenmillIterableDataset(main_set, batch=4, context=64, seed=3)
    reference = Loader(main_set, batch=4, context=64, seed=3)
    for x, y, pos in take(ds, 5):
        a, b, c = next(reference)
        assert x.dtype.is_floating_point is False and np.array_equal(x.numpy(), a) and np.array_equal(y.numpy(), b)
        assert np.array_equal(pos.numpy(), c)


def test_workers_and_ddp_ranks_read_disjoint_loader_ranks_and_resume(main_set):
    import torch
    from tokenmill_shards import Loader, TokenmillIterableDataset
    workers, ddp_world, ddp_rank = 2, 2, 1
    ds = TokenmillIterableDataset(main_set, batch=2, context=48, seed=8, num_workers=workers, ddp_rank=ddp_rank, ddp_world=ddp_world)
    dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)
    got = take(dl, 6)
    refs = [Loader(main_set, batch=2, context=48, seed=8, rank=ddp_rank * workers + w, world=ddp_world * workers) for w in range(workers)]
    for i, (x, _, _) in enumerate(got):
        assert np.array_equal(x.numpy(), next(refs[i % workers])[0])       # round-robin over workers

    # Resume after 5 batches: the 6th is the same.
    state = ds.state_dict(batches_consumed=5)
    fresh = TokenmillIterableDataset(main_set, batch=2, context=48, seed=8, num_workers=workers, ddp_rank=ddp_rank, ddp_world=ddp_world)
    fresh.load_state_dict(state)
    again = take(torch.utils.data.DataLoader(fresh, batch_size=None, num_workers=workers), 1)
    assert np.array_equal(again[0][0].numpy(), got[5][0].numpy())
