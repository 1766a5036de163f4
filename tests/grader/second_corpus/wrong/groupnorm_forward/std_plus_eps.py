# bug: divides by the group's std + eps
# diagnosis: eps-outside-sqrt


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("bad num_groups")
    g = x.reshape(n, num_groups, -1)
    out = ((g - g.mean(axis=2, keepdims=True)) / (g.std(axis=2, keepdims=True) + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
