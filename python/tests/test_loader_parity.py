"""The Python Loader is the Swift DataLoader: same batches (FNV-1a hashes of `loader-bench
--print-hashes`), same rank partitions, and the same state JSON in both directions."""
import json

import numpy as np
import pytest

from conftest import swift_hashes
from tokenmill_shards import Loader, ShardError, ShardSet, SplitMix64, permutation

# (batch, context, seed, split, rank, world, window_chunks, rank_layout, batches)
SETTINGS = [
    (4, 96, 5, "train", 0, 1, 16, "blocks", 40),
    (3, 64, 7, "train", 1, 3, 2, "blocks", 60),
    (2, 200, 123, "train", 3, 4, 16, "blocks", 30),
    (8, 33, 2**63 + 11, "train", 0, 2, 1, "blocks", 40),
    (5, 200, 3, "val", 0, 1, 2, "blocks", 80),            # several epochs of the small val split
    (2, 64, 9, "train", 1, 2, 4, "batch-slices", 40),
]


def python_hashes(directory, batch, context, seed, split, rank, world, window, layout, batches):
    loader = Loader(directory, batch=batch, context=context, seed=seed, split=split, rank=rank, world=world,
                    window_chunks=window, rank_layout=layout)
    return [loader.next_batch().hash() for _ in range(batches)]


@pytest.mark.parametrize("batch,context,seed,split,rank,world,window,layout,batches", SETTINGS)
def test_batches_hash_like_loader_bench(main_set, batch, context, seed, split, rank, world, window, layout, batches):
    swift = swift_hashes(main_set, "--batch", batch, "--context", context, "--seed", seed, "--split", split, "--rank", rank,
                         "--world-size", world, "--window-chunks", window, "--rank-layout", layout, "--batches", batches)
    assert len(swift) == batches
    assert python_hashes(main_set, batch, context, seed, split, rank, world, window, layout, batches) == swift


def test_ranks_are_disjoint_and_cover_the_epoch_but_fewer_than_world(main_set):
    world, T = 3, 128
    seen = []
    for rank in range(world):
        loader = Loader(main_set, batch=4, context=T, seed=1, rank=rank, world=world)
        per = loader.sequences_per_epoch[0]
        ids = []
        while len(ids) < per:
            ids += loader.next_batch().sequence_ids
        seen.append(set(ids[:per]))
        assert len(seen[-1]) == per
    assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])
    total = (Loader(main_set, batch=1, context=T).token_counts[0] - 1) // T
    assert total - len(set().union(*seen)) < world


def test_batch_rows_are_the_stream_shifted_by_one_with_document_positions(main_set):
    loader = Loader(main_set, batch=4, context=50, seed=3)
    shards = ShardSet(main_set, split="train")
    eot = shards.end_of_text
    stream = shards.tokens(0, shards.token_count).astype(np.int64)
    b = loader.next_batch()
    for r, s in enumerate(b.sequence_ids):
        row = stream[s * 50:s * 50 + 51]
        assert (b.inputs[r] == row[:-1]).all() and (b.targets[r] == row[1:]).all()
        # Position 0 exactly at the end-of-text tokens that open documents.
        assert ((b.positions[r] == 0) == (row[:-1] == eot)).all()


def test_swift_state_resumes_in_python_and_python_state_resumes_in_swift(main_set, tmp_path):
    args = ["--batch", 3, "--context", 80, "--seed", 42, "--window-chunks", 2]
    full = swift_hashes(main_set, *args, "--batches", 30)
    saved = tmp_path / "swift.json"
    assert swift_hashes(main_set, *args, "--batches", 12, "--save-state", saved) == full[:12]

    # Swift → Python: the next batches are the same, and Python writes the same JSON bytes.
    py = Loader.resume(main_set, str(saved), batch=3, context=80, seed=42, window_chunks=2)
    assert py.state_json() == saved.read_text()
    assert [py.next_batch().hash() for _ in range(18)] == full[12:]

    # Python → Swift.
    py = Loader(main_set, batch=3, context=80, seed=42, window_chunks=2)
    assert [py.next_batch().hash() for _ in range(7)] == full[:7]
    mine = tmp_path / "python.json"
    py.save_state(mine)
    assert swift_hashes(main_set, *args, "--batches", 23, "--resume", mine) == full[7:]
    # Swift re-saves exactly what Python wrote, at the same place.
    again = tmp_path / "again.json"
    swift_hashes(main_set, *args, "--batches", 0, "--resume", mine, "--save-state", again)
    assert again.read_text() == mine.read_text()


def test_a_state_from_other_options_is_refused(main_set):
    loader = Loader(main_set, batch=2, context=64, seed=1)
    loader.next_batch()
    state = loader.state()
    with pytest.raises(ShardError, match="does not match this loader"):
        Loader.resume(main_set, state, batch=2, context=64, seed=2)
    with pytest.raises(ShardError, match="does not match this loader"):
        Loader.resume(main_set, json.dumps(state), batch=2, context=65, seed=1)
    # Batch size may change across a resume (positions are in sequences).
    assert Loader.resume(main_set, state, batch=5, context=64, seed=1).state()["positions"] == [2]


def test_mixture_matches_the_swift_rule(main_set, books_set):
    """Mixture rows follow SplitMix64 draws seeded by (seed, 3, row); each source streams with
    seed mix(seed, 4, i): checked against single-source loaders with those seeds."""
    seed, T = 17, 64
    mix = Loader([("a", main_set, 0.3), ("b", books_set, 0.7)], batch=4, context=T, seed=seed)
    singles = [Loader(main_set, batch=1, context=T, seed=SplitMix64.mix(seed, 4, 0)),
               Loader(books_set, batch=1, context=T, seed=SplitMix64.mix(seed, 4, 1))]
    for _ in range(10):
        b = mix.next_batch()
        for r, k in enumerate(b.sources):
            one = singles[k].next_batch()
            assert (one.inputs[0] == b.inputs[r]).all() and one.sequence_ids == [b.sequence_ids[r]]
    assert mix.state()["sources"][0].startswith("a@0.3:train:")


def test_splitmix_and_permutation_known_values():
    # SplitMix64's published first output for seed 0, and a permutation is a permutation.
    assert SplitMix64(0).next() == 0xE220A8397B1DCDAF
    p = permutation(1000, 99)
    assert sorted(p) == list(range(1000)) and p != list(range(1000))
