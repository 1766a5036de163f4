# One program per row: x + residual stored as the new residual, the sum of squares in
# float32 over blocks of the row, then the row scaled and stored (a second pass).
import torch
import triton
import triton.language as tl


@triton.jit
def _add_rmsnorm(x_ptr, r_ptr, w_ptr, y_ptr, h_ptr, N, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    base = row * N
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(0, N, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_ptr + base + cols, mask=mask, other=0.0)
        r = tl.load(r_ptr + base + cols, mask=mask, other=0.0)
        h = x + r
        tl.store(h_ptr + base + cols, h, mask=mask)
        h = h.to(tl.float32)
        acc += h * h
    rstd = 1.0 / tl.sqrt(tl.sum(acc, axis=0) / N + eps)
    for start in range(0, N, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        mask = cols < N
        h = tl.load(h_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        w = tl.load(w_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        tl.store(y_ptr + base + cols, h * rstd * w, mask=mask)


def add_rmsnorm(x, residual, weight, eps=1e-6):
    n = x.shape[-1]
    rows = x.numel() // n
    y = torch.empty_like(x)
    h = torch.empty_like(x)
    block = min(4096, triton.next_power_of_2(n))
    _add_rmsnorm[(rows,)](x, residual, weight, y, h, n, eps, BLOCK=block)
    return y, h
