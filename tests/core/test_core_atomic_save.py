from datasets import Dataset, load_from_disk

from synth_hf.pipelines.runner import save_dataset_atomically


def test_dataset_replaced_whole_and_no_leftovers(tmp_path):
    target = tmp_path / "dataset"
    save_dataset_atomically(Dataset.from_dict({"x": [1, 2, 3]}), target)
    (tmp_path / "dataset.tmp").mkdir()  # debris of a save killed half-way is cleared, not reused
    (tmp_path / "dataset.tmp" / "junk.arrow").write_bytes(b"torn")
    save_dataset_atomically(Dataset.from_dict({"x": [7]}), target)
    assert load_from_disk(str(target))["x"] == [7]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]
