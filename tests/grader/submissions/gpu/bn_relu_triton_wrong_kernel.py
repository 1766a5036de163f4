# Wrong, in Triton: the fused kernel forgets the ReLU (batch norm alone).
import torch
import triton
import triton.language as tl


@triton.jit
def _bn_relu(x_ptr, out_ptr, scale_ptr, shift_ptr, C, S, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    block = tl.program_id(1)
    c = row % C
    offsets = block * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < S
    x = tl.load(x_ptr + row * S + offsets, mask=mask)
    y = x * tl.load(scale_ptr + c) + tl.load(shift_ptr + c)
    tl.store(out_ptr + row * S + offsets, y, mask=mask)


def bn_relu_inference(x, weight, bias, running_mean, running_var, eps=1e-5):
    scale = weight / torch.sqrt(running_var + eps)
    shift = bias - running_mean * scale
    n, c = x.shape[0], x.shape[1]
    s = x.numel() // (n * c)
    out = torch.empty_like(x)
    block = min(1024, triton.next_power_of_2(max(s, 1)))
    _bn_relu[(n * c, triton.cdiv(s, block))](x, out, scale, shift, c, s, BLOCK=block)
    return out
