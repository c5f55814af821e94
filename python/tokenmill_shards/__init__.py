"""Tokenmill shard sets from Python: `ShardSet` (random access, verify), `Loader` (the Swift
DataLoader's exact batches, resumable across Swift and Python) and, with torch,
`TokenmillIterableDataset`. See docs/python.md."""
from .loader import Batch, Loader, batch_hash, state_to_json
from .order import SequenceOrder, SplitMix64, permutation
from .shards import Shard, ShardError, ShardSet, VerifyError, tokenizer_fingerprint

__all__ = ["Batch", "Loader", "Shard", "ShardError", "ShardSet", "SequenceOrder", "SplitMix64", "VerifyError", "batch_hash",
           "permutation", "state_to_json", "tokenizer_fingerprint"]



def __getattr__(name):
    # torch is optional and slow to import: load the dataset class on first use only.
    if name == "TokenmillIterableDataset":
        from .torch_dataset import TokenmillIterableDataset
        return TokenmillIterableDataset
    raise AttributeError(f"module 'tokenmill_shards' has no attribute {name!r}")


__version__ = "0.1.0"
