# Wrong: dx misses the term through the RMS (dx = r * dy * w).
import torch
import triton
import triton.language as tl


@triton.jit
def _rms_backward(dy_ptr, x_ptr, w_ptr, dx_ptr, dw_ptr, N, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    base = row * N
    sq = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(0, N, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        dy = tl.load(dy_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        w = tl.load(w_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        sq += x * x
    r = 1.0 / tl.sqrt(tl.sum(sq, axis=0) / N + eps)
    for start in range(0, N, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        dy = tl.load(dy_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        w = tl.load(w_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        dx = r * dy * w
        tl.store(dx_ptr + base + cols, dx, mask=mask)
        tl.store(dw_ptr + base + cols, dy * x * r, mask=mask)


def rmsnorm_backward(dy, x, weight, eps=1e-6):
    n = x.shape[-1]
    rows = x.numel() // n
    dx = torch.empty_like(x)
    dw_rows = torch.empty((rows, n), dtype=torch.float32, device=x.device)
    block = min(4096, triton.next_power_of_2(n))
    _rms_backward[(rows,)](dy, x, weight, dx, dw_rows, n, eps, BLOCK=block)
    return dx, dw_rows.sum(dim=0).to(x.dtype)
