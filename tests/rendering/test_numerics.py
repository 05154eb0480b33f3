"""numerics.full_float32: CUDA convs and matmuls stay float32 inside, the caller's flags after."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.rendering.numerics import full_float32


def _tf32_state() -> tuple[str, str]:
    return torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.conv.fp32_precision


@pytest.fixture
def tf32_on():
    """Both TF32 switches on through torch's current API, as a user who wants speed sets them
    (no GPU is needed to set them). Reading the legacy allow_tf32 flags would now raise."""
    saved = _tf32_state()
    torch.backends.cuda.matmul.fp32_precision = torch.backends.cudnn.conv.fp32_precision = "tf32"
    yield
    torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.conv.fp32_precision = saved


def test_cuda_block_turns_tf32_off_and_restores_the_callers_flags(tf32_on):
    with full_float32(torch.device("cuda")):
        assert _tf32_state() == ("ieee", "ieee")
    assert _tf32_state() == ("tf32", "tf32")


def test_cpu_block_leaves_the_flags_alone(tf32_on):
    with full_float32(torch.device("cpu")):
        assert _tf32_state() == ("tf32", "tf32")


def test_flags_are_restored_when_the_block_raises(tf32_on):
    with pytest.raises(RuntimeError):
        with full_float32(torch.device("cuda")):
            raise RuntimeError("out of memory")
    assert _tf32_state() == ("tf32", "tf32")


def test_clamp_nonfinite_counts_nan_and_inf_and_clips():
    from cppn_motion.rendering.numerics import OUTPUT_LIMIT, clamp_nonfinite

    raw = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -2.0])
    fixed, count = clamp_nonfinite(raw)
    assert count == 3
    assert fixed.tolist() == [1.0, 0.0, OUTPUT_LIMIT, -OUTPUT_LIMIT, -2.0]


def test_clamp_nonfinite_finite_values_whose_sum_overflows_count_zero():
    """The fast check is one sum; huge finite values overflow it without being bad values."""
    from cppn_motion.rendering.numerics import OUTPUT_LIMIT, clamp_nonfinite

    raw = torch.full((4,), 3e38)
    fixed, count = clamp_nonfinite(raw)
    assert count == 0 and fixed.tolist() == [OUTPUT_LIMIT] * 4
    ordinary = torch.linspace(-3, 3, 7)
    assert torch.equal(clamp_nonfinite(ordinary)[0], ordinary) and clamp_nonfinite(ordinary)[1] == 0
