# bug: (x - mean) / (x.std() + eps), the form in many blog posts
# diagnosis: layer-norm-eps-outside-sqrt | eps-outside-sqrt


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    dims = tuple(range(-len(normalized_shape), 0))
    mean = x.mean(axis=dims, keepdims=True)
    std = x.std(axis=dims, keepdims=True)
    out = (x - mean) / (std + eps)
    if weight is not None:
        out = weight * out
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
